// SQL for user API keys. Only the sha256 of a key is ever stored.
import type { Queryable } from '../db/pool.js';

export interface KeyRow { id: number; user_id: number; name: string | null; created_at: Date; revoked_at: Date | null }

export async function insertKey(db: Queryable, userId: number, keyHash: string, name: string | null = null): Promise<KeyRow> {
  const { rows } = await db.query<KeyRow>(
    'INSERT INTO api_keys (user_id, key_hash, name) VALUES ($1, $2, $3) RETURNING id, user_id, name, created_at, revoked_at', [userId, keyHash, name]);
  return rows[0]!;
}

export async function listKeys(db: Queryable, userId: number): Promise<KeyRow[]> {
  const { rows } = await db.query<KeyRow>(
    'SELECT id, user_id, name, created_at, revoked_at FROM api_keys WHERE user_id = $1 ORDER BY id', [userId]);
  return rows;
}

/** Marks a key revoked; returns its hash (to evict from the caches) or undefined if no such key. */
export async function revokeKey(db: Queryable, userId: number, keyId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ key_hash: string }>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING key_hash`,
    [keyId, userId]);
  return rows[0]?.key_hash;
}

/** The live key with this hash, or null (unknown or revoked). */
export async function findActiveKey(db: Queryable, keyHash: string): Promise<{ keyId: number; userId: number } | null> {
  const { rows } = await db.query<{ id: number; user_id: number }>(
    'SELECT id, user_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash]);
  const r = rows[0];
  return r ? { keyId: r.id, userId: r.user_id } : null;
}
