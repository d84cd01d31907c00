// The README's curl quickstart, run as written by bash against a real replica (PostgreSQL via
// PgBouncer, Redis): a newcomer's first commands must work.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, REPO_ROOT, startHarness, type Harness } from '../support/harness.js';

/** The bash block under the README's "Quickstart with curl" heading. */
function quickstartOf(readme: string): string {
  const section = readme.split(/^### Quickstart with curl$/m)[1];
  const block = section && /^```bash\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "### Quickstart with curl"');
  return block;
}

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe("README's curl quickstart", () => {
  it('creates a user and its first key, shortens, follows and reads the stats, as written', async () => {
    const script = quickstartOf(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    // Not spawnSync: the replica answering the script runs in this process.
    const { stdout, stderr } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', script], {
      env: { ...process.env, FRONT_DOOR: h.service.url, SHORTSTACK_ADMIN_KEY: ADMIN_KEY }, encoding: 'utf8', timeout: 60_000,
    });
    expect(stderr).toBe('');
    const [follow, ...rest] = stdout.trim().split('\n');
    expect(follow).toBe('302 https://example.com/docs');
    const stats = JSON.parse(rest.join('\n')) as { url_id: number; short_code: string };
    // The link is the new user's, made with the key the admin issued to it.
    const { rows } = await h.direct.query(
      `SELECT u.original_url, s.username, k.name AS key_name FROM urls u JOIN users s ON s.id = u.user_id
       JOIN api_keys k ON k.user_id = s.id WHERE u.id = $1 AND u.short_code = $2`, [stats.url_id, stats.short_code]);
    expect(rows).toEqual([{ original_url: 'https://example.com/docs', username: 'ada', key_name: 'laptop' }]);
  });
});
