// Generated links written with COPY (psql \copy, streamed): the bench data of `npm run bench` and
// `npm run bench:profile`. Harness code: app/bench may import it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { ownerOf, ownersOf } from './link-owners.js';
import { generatedLink } from './links.js';

/** libpq environment from a URL: the password stays off the command line. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: u.pathname.slice(1),
  };
}

/** Rows [1, count] of `line(i)` streamed into `target` ("table (columns)") by psql's \copy. */
async function psqlCopy(directUrl: string, target: string, count: number, line: (i: number) => string): Promise<void> {
  const psql = spawn('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy ${target} FROM STDIN`], {
    env: libpqEnv(directUrl), stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = once(psql, 'exit');
  const chunk = 10_000;
  for (let i = 1; i <= count; i += chunk) {
    let text = '';
    for (let j = i; j < Math.min(i + chunk, count + 1); j++) text += line(j);
    if (!psql.stdin.write(text)) await once(psql.stdin, 'drain');
  }
  psql.stdin.end();
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`psql \\copy ${target} exited with ${code}`);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * COPY links prefix+base62(i) for i in [1, count] into urls, each owned by one of the users
 * written first (link-owners.ts); returns the links' rows per second.
 */
export async function copyGeneratedLinks(directUrl: string, prefix: string, count: number): Promise<number> {
  const owners = ownersOf(count);
  const owner = (k: number) => `${prefix}-owner-${k}`;
  await psqlCopy(directUrl, 'users (username, email)', owners, (k) => `${owner(k)}\t${owner(k)}@bench.invalid\n`);
  // One COPY takes its ids in row order; checked, not assumed (another writer could interleave).
  const first = await withClient(directUrl, async (c) => {
    const { rows: [r] } = await c.query<{ lo: string; hi: string }>(
      'SELECT (SELECT id FROM users WHERE username = $1) AS lo, (SELECT id FROM users WHERE username = $2) AS hi', [owner(1), owner(owners)]);
    if (Number(r!.hi) - Number(r!.lo) !== owners - 1) throw new Error(`the bench's ${owners} owners did not get consecutive ids`);
    return Number(r!.lo);
  });
  const t0 = Date.now();
  await psqlCopy(directUrl, 'urls (short_code, original_url, user_id)', count, (j) => {
    const l = generatedLink(prefix, j);
    return `${l.code}\t${l.originalUrl}\t${first + ownerOf(j, count)}\n`;
  });
  const seconds = (Date.now() - t0) / 1000;
  // Settled as a table that has lived is: its pages all-visible, so the first reads of the rows
  // neither set their hint bits nor run beside the insert-triggered autovacuum of the COPY.
  await withClient(directUrl, (c) => c.query('VACUUM (ANALYZE) users, urls'));
  return count / seconds;
}
