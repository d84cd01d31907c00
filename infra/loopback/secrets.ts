// The loopback stack's secrets, generated for one run from the secret table: the same names
// and lengths as the Pulumi placements' RandomPassword values, letters and digits only (they land
// in URLs, ini files and YAML, where symbols need escaping).
import { randomInt } from 'node:crypto';
import { GENERATED_SECRETS, generatedLength } from '../topology/secret-table.js';
import type { Secrets } from '../topology/types.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random value of `length` letters and digits; `pick(n)` draws a uniform integer below n. */
export function randomValue(length: number, pick: (n: number) => number = randomInt): string {
  return Array.from({ length }, () => ALPHABET[pick(ALPHABET.length)]).join('');
}

/** Every secret the table says is generated, each of its length; the admin key as given, if given. */
export function generatedSecrets(adminKey?: string, pick?: (n: number) => number): Secrets {
  const s = Object.fromEntries(GENERATED_SECRETS.map((k) => [k, randomValue(generatedLength(k), pick)])) as Secrets;
  return adminKey ? { ...s, adminApiKey: adminKey } : s;
}
