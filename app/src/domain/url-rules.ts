// What a link may point at. Pure: the caller passes the shortener's own public host.
import { isOwnHost } from './own-host.js';

export const MAX_URL_LENGTH = 2048;

/** Why original_url is refused, or undefined when it is acceptable. */
export function originalUrlProblem(raw: string, ownHost: string): string | undefined {
  if (raw.length === 0) return 'must not be blank';
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  // Spaces and control characters: the URL parser would silently strip or encode them, so the
  // stored value would not be the one redirected to; NUL would break the Location header.
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u0020\u007f]/.test(raw)) return 'must not contain spaces or control characters';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'must be an absolute http(s) URL';
  if (scheme !== 'http' && scheme !== 'https') return `scheme "${scheme}:" is not allowed (http or https only)`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (!/^https?:\/\/[^/]/i.test(raw) || url.hostname === '') return 'must have a host';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  // Any spelling of this host, so no link can lead to another short link (see own-host.ts).
  if (isOwnHost(url.hostname, ownHost)) return 'must not point at this shortener';
  return undefined;
}

/**
 * The Location header for a stored URL: byte for byte, except characters a header cannot carry
 * (non-ASCII) which are percent-encoded as UTF-8. Existing %XX escapes are left as they are.
 */
export function locationHeader(url: string): string {
  return url.replace(/[^\u0021-\u007e]+/gu, (s) => encodeURIComponent(s));
}
