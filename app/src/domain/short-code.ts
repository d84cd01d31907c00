// Short codes: random base62 strings, and the rules for custom aliases.
import { randomInt } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/*
 * Length 8 keeps collisions negligible at 100M links:
 *   62^8 = 2.18e14 codes. With n = 1e8 links stored, a fresh random code hits an existing one
 *   with probability n / 62^8 = 4.6e-7, so ~1 insert in 2.2 million needs a retry, and
 *   needing 3 retries in a row has probability ~1e-19. Over the whole life of 1e8 links the
 *   birthday bound gives n^2 / (2 * 62^8) = ~23 collisions in total, each absorbed by one retry
 *   on the unique violation. Length 7 (3.5e12) would mean ~1,400 retries and a 2.8e-5 per-insert
 *   rate: workable, but 8 characters cost nothing in a URL.
 * randomInt is a CSPRNG, so codes cannot be predicted or enumerated from a known one.
 */
export const CODE_LENGTH = 8;
/** Retries after a unique violation before giving up (see the arithmetic above: never reached). */
export const CODE_ATTEMPTS = 5;

export function generateCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += BASE62[randomInt(62)];
  return code;
}

export const ALIAS_MIN = 3;
export const ALIAS_MAX = 32;
const ALIAS_RE = /^[0-9A-Za-z]+$/;

/** Words no alias may take besides the top-level route names (which the server adds itself). */
export const EXTRA_RESERVED = ['admin', 'api', 'metrics', 'docs', 'static', 'assets', 'login', 'logout', 'favicon', 'robots'];

/** Why a custom alias is refused (400), or undefined when it may be used. */
export function aliasProblem(alias: string, reserved: ReadonlySet<string>): string | undefined {
  if (alias.length < ALIAS_MIN || alias.length > ALIAS_MAX) return `must be ${ALIAS_MIN} to ${ALIAS_MAX} characters`;
  if (!ALIAS_RE.test(alias)) return 'must be base62 (letters and digits only)';
  if (reserved.has(alias.toLowerCase())) return 'is a reserved word';
  return undefined;
}

/** A path segment that could be a code at all: cheap filter before any cache or database work. */
export function couldBeCode(code: string): boolean {
  return code.length >= 1 && code.length <= ALIAS_MAX && ALIAS_RE.test(code);
}
