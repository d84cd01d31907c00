// Random requests for the front door's fuzz test: methods, paths from the OpenAPI document and
// garbage, headers and bodies of every shape. Pure: a seeded generator in, raw bytes out.
import { requestBytes } from './raw-http.js';

export type Rng = () => number;

export interface FuzzTarget {
  /** Path templates and their methods, from /openapi.json. */
  operations: { path: string; methods: string[] }[];
  /** A short code that exists (id 1, left alone by the generator), and an API key that is valid. */
  code: string;
  apiKey: string;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, max: number) => Math.floor(rng() * max);
const chance = (rng: Rng, p: number) => rng() < p;

const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const ODD = ['FOO', 'PROPFIND', 'TRACE', 'CONNECT', 'MKCOL', 'LOCK', 'X', 'GETT', 'BREW', 'M-SEARCH', 'SEARCH'];
// No '1': id 1 is the legitimate client's link, which the fuzz (with an admin key) must not touch.
const PARAM_VALUES = ['0', '-1', '999999999999999999999', '1.5', 'abc', '', '%20', '..', '%2e%2e', 'null',
  '%ff', '%c0%af', 'é', '%e2%82%ac', 'a'.repeat(300), '1e309', 'NaN', '0x10', '%00'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'multipart/form-data',
  'multipart/form-data; boundary=b0undary', 'text/plain', 'application/x-www-form-urlencoded', 'text/csv', '*/*', ';;;', 'application/json; charset=latin1'];

function printable(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(33 + int(rng, 94));
  return s;
}

function garbagePath(rng: Rng): string {
  const segs = Array.from({ length: 1 + int(rng, 4) }, () => {
    switch (int(rng, 4)) {
      case 0: return encodeURIComponent(printable(rng, 1 + int(rng, 20)));
      case 1: return Array.from({ length: 1 + int(rng, 6) }, () => `%${int(rng, 256).toString(16).padStart(2, '0')}`).join('');
      case 2: return pick(rng, PARAM_VALUES);
      default: return printable(rng, 1 + int(rng, 12)).replace(/[\s?#]/g, '');
    }
  });
  return `/${segs.join('/')}`;
}

function fillTemplate(rng: Rng, template: string): string {
  return template.replace(/\{[^}]+\}/g, () => (chance(rng, 0.5) ? String(2 + int(rng, 49)) : pick(rng, PARAM_VALUES)));
}

function query(rng: Rng): string {
  if (!chance(rng, 0.3)) return '';
  const keys = ['limit', 'offset', 'page', 'cursor', 'from', 'to', 'user_id', 'q', pick(rng, PARAM_VALUES)];
  return `?${Array.from({ length: 1 + int(rng, 4) }, () => `${pick(rng, keys)}=${pick(rng, PARAM_VALUES)}`).join('&')}`;
}

function jsonValue(rng: Rng, depth: number): unknown {
  switch (int(rng, depth > 3 ? 6 : 8)) {
    case 0: return null;
    case 1: return chance(rng, 0.5);
    case 2: return pick(rng, [0, -1, 1.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2]);
    case 3: return pick(rng, PARAM_VALUES.map(decodeURIComponentSafe));
    case 4: return `https://${printable(rng, 8).replace(/[^a-z0-9]/gi, 'a')}.example/${printable(rng, 10)}`;
    case 5: return printable(rng, int(rng, 3000));
    case 6: return Array.from({ length: int(rng, 5) }, () => jsonValue(rng, depth + 1));
    default: return jsonObject(rng, depth + 1);
  }
}

function decodeURIComponentSafe(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

const FIELDS = ['original_url', 'url', 'username', 'email', 'custom_code', 'code', 'expires_at', 'short_code',
  'details', 'referrer', 'user_agent', 'name', 'active', 'is_active', 'user_id', 'title', 'tags'];

function jsonObject(rng: Rng, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = int(rng, 5); i > 0; i--) o[chance(rng, 0.8) ? pick(rng, FIELDS) : printable(rng, 6)] = jsonValue(rng, depth);
  return o;
}

function deep(n: number): string {
  return `${'{"details":'.repeat(1)}${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
}

function body(rng: Rng): Buffer | string | undefined {
  switch (int(rng, 10)) {
    case 0: case 1: return undefined;
    case 2: case 3: case 4: return JSON.stringify(jsonObject(rng, 0));
    case 5: return JSON.stringify(jsonValue(rng, 0));
    case 6: return deep(chance(rng, 0.5) ? 100 + int(rng, 1000) : 5000);
    case 7: return Buffer.from(Array.from({ length: int(rng, 4096) }, () => int(rng, 256)));
    case 8: return '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\nusername,email\n=cmd,a@b.c\n"unclosed,x@y.z\n--b0undary--\r\n';
    default: return printable(rng, int(rng, 70_000));
  }
}

function headers(rng: Rng, t: FuzzTarget): [string, string][] {
  const h: [string, string][] = [];
  if (chance(rng, 0.7)) h.push(['Content-Type', pick(rng, CONTENT_TYPES)]);
  if (chance(rng, 0.3)) h.push(['Authorization', `Bearer ${t.apiKey}`]);
  else if (chance(rng, 0.2)) h.push(['X-API-Key', chance(rng, 0.5) ? printable(rng, int(rng, 300)) : t.apiKey]);
  else if (chance(rng, 0.1)) h.push(['Authorization', pick(rng, ['Bearer', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'k'.repeat(5000), ''])]);
  if (chance(rng, 0.1)) h.push(['X-Forwarded-For', `${int(rng, 256)}.${int(rng, 256)}.0.1`]);
  if (chance(rng, 0.1)) h.push(['X-Request-Id', printable(rng, int(rng, 200))]);
  if (chance(rng, 0.05)) h.push(['Expect', '100-continue']);
  if (chance(rng, 0.05)) h.push(['Range', 'bytes=0-1']);
  if (chance(rng, 0.05)) h.push(['Accept-Encoding', 'gzip, br']);
  for (let i = int(rng, 3); i > 0; i--) h.push([`X-${printable(rng, 5).replace(/[^A-Za-z0-9-]/g, 'z')}`, printable(rng, chance(rng, 0.05) ? 9000 : int(rng, 100))]);
  return h;
}

/** One random request, as the bytes to send. */
export function fuzzRequest(rng: Rng, t: FuzzTarget): Buffer {
  const op = pick(rng, t.operations);
  const method = chance(rng, 0.7) ? pick(rng, [...op.methods, 'HEAD']) : chance(rng, 0.6) ? pick(rng, STANDARD) : pick(rng, ODD);
  let path: string;
  switch (int(rng, 10)) {
    case 0: case 1: path = garbagePath(rng); break;
    case 2: path = `/${t.code}`; break;
    default: path = fillTemplate(rng, op.path);
  }
  const b = ['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) && chance(rng, 0.8) ? undefined : body(rng);
  return requestBytes({ method, path: path + query(rng), headers: headers(rng, t), body: b });
}
