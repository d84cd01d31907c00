// Generated links written with COPY (psql \copy, streamed): the bench data of `npm run bench` and
// `npm run bench:profile`. Harness code: app/bench may import it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
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

/** COPY links prefix+base62(i) for i in [1, count] into urls; returns rows per second. */
export async function copyGeneratedLinks(directUrl: string, prefix: string, count: number): Promise<number> {
  const t0 = Date.now();
  const psql = spawn('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-c', '\\copy urls (short_code, original_url) FROM STDIN'], {
    env: libpqEnv(directUrl), stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = once(psql, 'exit');
  const chunk = 10_000;
  for (let i = 1; i <= count; i += chunk) {
    let text = '';
    for (let j = i; j < Math.min(i + chunk, count + 1); j++) {
      const l = generatedLink(prefix, j);
      text += `${l.code}\t${l.originalUrl}\n`;
    }
    if (!psql.stdin.write(text)) await once(psql.stdin, 'drain');
  }
  psql.stdin.end();
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`psql \\copy exited with ${code}`);
  const c = new pg.Client({ connectionString: directUrl });
  await c.connect();
  try {
    await c.query('ANALYZE urls');
  } finally {
    await c.end();
  }
  return count / ((Date.now() - t0) / 1000);
}
