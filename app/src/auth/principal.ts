// Who is calling, and what they may touch. Pure rules; the lookup lives in authenticator.ts.
import { forbidden } from '../http/errors.js';

export type Principal = { kind: 'admin' } | { kind: 'user'; userId: number; keyId: number };

export function isAdmin(p: Principal): boolean {
  return p.kind === 'admin';
}

/** Throws 403 unless the principal is an admin or the user `ownerId`. */
export function assertOwns(p: Principal, ownerId: number | null): void {
  if (p.kind === 'admin') return;
  if (ownerId === null || ownerId !== p.userId) throw forbidden();
}

/** Throws 403 unless the principal is an admin. */
export function assertAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw forbidden('admin key required');
}

/**
 * The user filter a list is restricted to: an admin may ask for any (or none); a user always
 * gets their own, and asking for someone else's is 403 rather than a silently empty list.
 */
export function scopeToUser(p: Principal, requested: number | undefined): number | undefined {
  if (p.kind === 'admin') return requested;
  if (requested !== undefined && requested !== p.userId) throw forbidden();
  return p.userId;
}
