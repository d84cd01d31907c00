import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath } from './shared-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'shared-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sharedPath', () => {
  it('fails at once with where the folder belongs when ../shared is missing', () => {
    const repo = join(dir, 'lonely', 'main');
    mkdirSync(repo, { recursive: true });
    expect(() => sharedPath('seed-data', repo)).toThrow(
      `${join(dir, 'lonely', 'shared')} not found beside the repository: clone it there (see README)`,
    );
  });

  it('names the missing part when ../shared is there without it', () => {
    const repo = join(dir, 'partial', 'main');
    mkdirSync(repo, { recursive: true });
    mkdirSync(join(dir, 'partial', 'shared'));
    expect(() => sharedPath('seed-data/urls.csv', repo)).toThrow(/partial\/shared\/seed-data\/urls\.csv not found: .* lacks seed-data\/urls\.csv/);
  });

  it('resolves a path in ../shared', () => {
    const repo = join(dir, 'whole', 'main');
    mkdirSync(join(dir, 'whole', 'shared', 'seed-data'), { recursive: true });
    mkdirSync(repo);
    writeFileSync(join(dir, 'whole', 'shared', 'seed-data', 'urls.csv'), 'id\n');
    expect(sharedPath('seed-data/urls.csv', repo)).toBe(join(dir, 'whole', 'shared', 'seed-data', 'urls.csv'));
  });

  it('finds this repository\'s own ../shared by default', () => {
    expect(sharedPath('api-contract.md')).toMatch(/\/shared\/api-contract\.md$/);
  });
});
