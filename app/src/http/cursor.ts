// The keyset cursor of a list: where the next page starts. Opaque to clients (base64url of
// {"id": <last id of the page before>}), so the ordering behind it may change without breaking
// the links they hold. Only the canonical form decodes: a mangled or hand-made cursor is a 400,
// never some other page. Pure.

export interface Cursor {
  /** The page holds the items with an id above this one. */
  afterId: number;
}

/** The cursor of a walk's first page: every id is above 0. */
export const START: Cursor = { afterId: 0 };

/** Longer than any cursor encodeCursor makes ({"id":<16 digits>} is 32 characters encoded). */
export const CURSOR_MAX_LENGTH = 64;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ id: c.afterId })).toString('base64url');
}

/** The position a cursor stands for, or undefined when this API did not make it. */
export function decodeCursor(text: string): Cursor | undefined {
  if (text.length === 0 || text.length > CURSOR_MAX_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return undefined;
  const cursor = { afterId: id };
  // Buffer's base64url decoding skips foreign characters and other keys would be ignored:
  // comparing with the canonical form refuses both.
  return encodeCursor(cursor) === text ? cursor : undefined;
}
