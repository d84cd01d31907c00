// API keys: 32 random bytes shown once, stored and looked up as their sha256. A fast hash is
// enough here (no salt, no bcrypt): the keys carry 256 bits of entropy, so nothing can be
// guessed from a leaked hash, and a lookup by hash stays one index probe.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'sk_';

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}
