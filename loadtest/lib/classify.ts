// Honest accounting of one response: a request succeeds only when it got exactly what the
// scenario expected of it. A 429 is its own outcome (never success), and a redirect is a success
// only when its status is 302 and its Location is the link's original URL.

/** What a scenario's request is for; failures are reported per operation. */
export type Op = 'redirect' | 'redirect_unknown' | 'create' | 'list' | 'stats';
export const OPS: readonly Op[] = ['redirect', 'redirect_unknown', 'create', 'list', 'stats'];

export type Expectation =
  | { kind: 'redirect'; location: string }
  | { kind: 'status'; status: number };

export type Outcome =
  | 'ok'
  | 'wrong_location'
  | 'rate_limited'
  | 'unavailable' // 503 with Retry-After: a dependency is down and the service says so
  | 'server_error'
  | 'unexpected_4xx'
  | 'unexpected_status';
export const OUTCOMES: readonly Outcome[] = [
  'ok', 'wrong_location', 'rate_limited', 'unavailable', 'server_error', 'unexpected_4xx', 'unexpected_status',
];

export type ErrorKind = 'timeout' | 'reset' | 'refused' | 'other';
export const ERROR_KINDS: readonly ErrorKind[] = ['timeout', 'reset', 'refused', 'other'];

export interface ResponseFacts {
  status: number;
  location?: string | undefined;
  retryAfter?: string | undefined;
}

/**
 * The Location a redirect must carry: the original URL byte for byte, with non-ASCII
 * characters percent-encoded as UTF-8 (HTTP headers are ASCII).
 */
export function expectedLocation(originalUrl: string): string {
  // A manual walk: encodeURI would also touch characters that are legal as they stand.
  let out = '';
  for (const ch of originalUrl) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function classify(expect: Expectation, res: ResponseFacts): Outcome {
  const { status } = res;
  if (expect.kind === 'redirect') {
    if (status === 302) return res.location === expect.location ? 'ok' : 'wrong_location';
  } else if (status === expect.status) {
    return 'ok';
  }
  if (status === 429) return 'rate_limited';
  if (status === 503 && res.retryAfter !== undefined && res.retryAfter !== '') return 'unavailable';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'unexpected_4xx';
  return 'unexpected_status';
}

/** A transport failure, by the kind an operator acts on. */
export function errorKind(err: unknown): ErrorKind {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === 'ETIMEDOUT' || /timed out/i.test(message)) return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) return 'reset';
  if (code === 'ECONNREFUSED') return 'refused';
  return 'other';
}
