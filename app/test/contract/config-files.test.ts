// Secret settings read from files (X_FILE), as the Docker placement hands them over.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, FILE_SETTINGS, loadConfig, settingFromEnv } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'shortstack-config-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A file holding `content`, mode 0400 as on Docker. */
const secretFile = (content: string): string => {
  const path = join(dir, `secret-${n++}`);
  writeFileSync(path, content, { mode: 0o400 });
  return path;
};

const problemsOf = (env: NodeJS.ProcessEnv): Record<string, string> => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('config from files (X_FILE)', () => {
  it('reads every secret setting from its file, dropping one trailing newline', () => {
    const c = loadConfig({
      DATABASE_URL_FILE: secretFile('postgres://app:pw%2Fx@pgbouncer:6432/db\n'),
      MIGRATE_DATABASE_URL_FILE: secretFile('postgres://app:pw@postgres:5432/db'),
      REDIS_URL_FILE: secretFile('redis://:r-pw@redis:6379\n'),
      ADMIN_API_KEYS_FILE: secretFile('aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb\n'),
    });
    expect(c.databaseUrl).toBe('postgres://app:pw%2Fx@pgbouncer:6432/db');
    expect(c.migrateDatabaseUrl).toBe('postgres://app:pw@postgres:5432/db');
    expect(c.redisUrl).toBe('redis://:r-pw@redis:6379');
    expect(c.adminApiKeys).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(FILE_SETTINGS).toEqual(['DATABASE_URL', 'MIGRATE_DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEYS']);
  });

  it('refuses X and X_FILE together, for every setting', () => {
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: 'postgres://a@h/d', DATABASE_URL_FILE: secretFile('postgres://b@h/d'),
      MIGRATE_DATABASE_URL: 'postgres://a@h/d', MIGRATE_DATABASE_URL_FILE: secretFile('postgres://b@h/d'),
      REDIS_URL: 'redis://h:1', REDIS_URL_FILE: secretFile('redis://h:2'),
      ADMIN_API_KEYS: 'aaaaaaaaaaaaaaaa', ADMIN_API_KEYS_FILE: secretFile('bbbbbbbbbbbbbbbb'),
    };
    const problems = problemsOf(env);
    for (const name of FILE_SETTINGS) expect(problems[name]).toBe(`and ${name}_FILE are both set; set one`);
  });

  it('names an unreadable file by path, never echoes a content, and adds no "is required" on top', () => {
    const missing = join(dir, 'absent');
    const problems = problemsOf({ DATABASE_URL_FILE: missing, REDIS_URL: 'redis://h:1' });
    expect(problems).toEqual({ DATABASE_URL_FILE: `cannot be read (ENOENT: ${missing})` });
    // A bad value from a file is reported like a bad variable, without the value.
    const bad = problemsOf({ DATABASE_URL: 'postgres://a@h/d', REDIS_URL_FILE: secretFile('http://secret-value@h') });
    expect(bad.REDIS_URL).toBe('must be a redis: or rediss: URL');
    expect(JSON.stringify(bad)).not.toContain('secret-value');
  });

  it('gives one setting to an entry point that needs only it (the migration)', () => {
    const file = secretFile('postgres://m:pw@postgres:5432/db\n');
    expect(settingFromEnv({ MIGRATE_DATABASE_URL_FILE: file }, 'MIGRATE_DATABASE_URL')).toBe('postgres://m:pw@postgres:5432/db');
    expect(settingFromEnv({ DATABASE_URL: ' postgres://d@h/x ' }, 'DATABASE_URL')).toBe('postgres://d@h/x');
    expect(settingFromEnv({}, 'DATABASE_URL')).toBeUndefined();
    expect(() => settingFromEnv({ DATABASE_URL: 'x', DATABASE_URL_FILE: file }, 'DATABASE_URL')).toThrow(ConfigError);
    // Another setting's problem is not this one's.
    expect(settingFromEnv({ DATABASE_URL: 'postgres://d@h/x', REDIS_URL: 'a', REDIS_URL_FILE: file }, 'DATABASE_URL')).toBe('postgres://d@h/x');
  });
});
