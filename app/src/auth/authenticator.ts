// Resolves a presented key to a principal. Admin keys come from configuration and are compared
// by hash; user keys are read through a TwoTierCache keyed by hash, so a revocation (cache
// invalidation over pub/sub) reaches every replica at once.
import type { Queryable } from '../db/pool.js';
import { findActiveKey } from '../store/keys-store.js';
import { hashApiKey } from './keys.js';
import type { Principal } from './principal.js';

export interface KeyRecord { keyId: number; userId: number }

/** The part of TwoTierCache this needs (structural, so tests and the service share one type). */
export interface KeyCache {
  get(key: string, load: (key: string) => Promise<KeyRecord | null>): Promise<KeyRecord | null>;
  invalidate(key: string): Promise<void>;
}

export class Authenticator {
  private readonly adminHashes: ReadonlySet<string>;

  constructor(adminKeys: readonly string[], private readonly cache: KeyCache, private readonly db: Queryable) {
    this.adminHashes = new Set(adminKeys.map(hashApiKey));
  }

  /** Cheap and synchronous: the rate limiter uses it to exempt admin traffic. */
  isAdminKey(key: string | undefined): boolean {
    return key !== undefined && this.adminHashes.has(hashApiKey(key));
  }

  async authenticate(key: string | undefined): Promise<Principal | null> {
    if (key === undefined || key.length > 256) return null;
    const hash = hashApiKey(key);
    if (this.adminHashes.has(hash)) return { kind: 'admin' };
    const record = await this.cache.get(hash, (h) => findActiveKey(this.db, h));
    return record ? { kind: 'user', userId: record.userId, keyId: record.keyId } : null;
  }

  /** Evicts a key everywhere (revocation, user deletion). */
  forget(keyHash: string): Promise<void> {
    return this.cache.invalidate(keyHash);
  }
}
