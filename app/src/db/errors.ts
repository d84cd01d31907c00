// Database errors classified once: what is the client's fault (a duplicate, a dangling
// reference) and what means the database is unreachable (-> 503 with Retry-After).
import { badRequest, conflict, HttpError, notFound, unavailable } from '../http/errors.js';

interface PgLikeError { code?: unknown; constraint?: unknown; message?: unknown }

/** The unique constraint -> the request field it protects. */
const UNIQUE_FIELDS: Record<string, string> = {
  users_username_key: 'username',
  users_email_key: 'email',
  urls_short_code_key: 'short_code',
  api_keys_key_hash_key: 'key',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as PgLikeError;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** True when the error means "the database cannot be reached right now", not "bad query". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as PgLikeError;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  // 08xxx connection exceptions (PgBouncer: "cannot connect to server"), 57P0x shutdown/restart,
  // 53300 too many connections.
  if (/^08/.test(code) || /^57P0/.test(code) || code === '53300') return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout|Client has encountered a connection error/i.test(msg);
}

/** An HttpError for a database error the client can act on, or undefined (a real 500). */
export function httpErrorFromDatabase(err: unknown): HttpError | undefined {
  const e = err as PgLikeError;
  if (e?.code === '23505') {
    const field = typeof e.constraint === 'string' ? UNIQUE_FIELDS[e.constraint] : undefined;
    return field ? conflict(`${field} already exists`, { [field]: 'already exists' }) : conflict('duplicate');
  }
  if (e?.code === '23503') return notFound('referenced resource');
  // Class 22, data exceptions: a value the database cannot hold (NUL in text or JSON, a date
  // out of range). Input the validation let through, so still the client's 400, never a 500.
  if (typeof e?.code === 'string' && e.code.startsWith('22')) return badRequest('invalid value: text may not contain NUL characters and dates must be between 4713 BC and 294276 AD');
  if (isDatabaseUnavailable(err)) return unavailable('database unavailable');
  return undefined;
}
