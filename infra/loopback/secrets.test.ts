import { describe, expect, it } from 'vitest';
import { GENERATED_SECRETS, generatedLength, OPTIONAL_SECRETS } from '../topology/secret-table.js';
import { generatedSecrets, randomValue } from './secrets.js';

describe("the loopback stack's secrets", () => {
  it('are the secret table\'s generated ones, each of its length, letters and digits only', () => {
    const s = generatedSecrets();
    expect(Object.keys(s).sort()).toEqual([...GENERATED_SECRETS].sort());
    for (const k of GENERATED_SECRETS) expect(s[k], k).toMatch(new RegExp(`^[A-Za-z0-9]{${generatedLength(k)}}$`));
    for (const k of OPTIONAL_SECRETS) expect(s[k], k).toBeUndefined();
    expect(s.pgbouncerStatsPassword).not.toBe(s.dbPassword);
  });

  it('keep an admin key given by the caller', () => {
    expect(generatedSecrets('given-key').adminApiKey).toBe('given-key');
  });

  it('draw each character from the whole alphabet', () => {
    let i = 0;
    expect(randomValue(4, (n) => (i++ === 0 ? 0 : n - 1))).toBe('A999');
  });
});
