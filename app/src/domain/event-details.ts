// What an event's `details` object may be. Events written by the service carry a handful of
// flat fields (a referrer, a user agent, a code and a URL); a client's own events get room well
// beyond that, but not a 5,000-deep nesting (JSON.stringify and PostgreSQL's jsonb parser
// recurse, and run out of stack) or a body's worth of keys per event. Pure.

/** Nesting levels, the details object itself being level 1: {"a":{"b":1}} is 2 deep. */
export const MAX_DETAILS_DEPTH = 8;
/** Keys and array items, counted over every level. */
export const MAX_DETAILS_ENTRIES = 256;
/** The stored JSON text, in UTF-8 bytes. */
export const MAX_DETAILS_BYTES = 16 * 1024;

/** Why `details` is refused, or undefined. Iterative, so no input can exhaust the stack here. */
export function detailsProblem(details: Record<string, unknown>): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: details, depth: 1 }];
  let entries = 0;
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DETAILS_DEPTH) return `must be nested at most ${MAX_DETAILS_DEPTH} levels deep`;
    const children = Array.isArray(value) ? value : Object.values(value);
    entries += children.length;
    if (entries > MAX_DETAILS_ENTRIES) return `must hold at most ${MAX_DETAILS_ENTRIES} keys and array items in all`;
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  // Safe to serialise now: the depth is bounded.
  if (Buffer.byteLength(JSON.stringify(details)) > MAX_DETAILS_BYTES) return `must be at most ${MAX_DETAILS_BYTES} bytes as JSON`;
  return undefined;
}
