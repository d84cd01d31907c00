// Bench data at scale: generated links written with COPY (psql \copy, streamed), and a watch on
// PostgreSQL's server connections to show PgBouncer holds them to its pool size.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { generatedLink } from '../lib/links.js';
import { withDb } from '../chaos/probes.js';
import pg from 'pg';

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
  await withDb(directUrl, (c) => c.query('ANALYZE urls'));
  return count / ((Date.now() - t0) / 1000);
}

/** Samples the PostgreSQL server connections of the app's user (those PgBouncer opened). */
export function watchServerConnections(directUrl: string, everyMs = 200): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: directUrl });
  let max = 0;
  let timer: NodeJS.Timeout | undefined;
  const ready = client.connect().then(() => {
    timer = setInterval(() => {
      client
        .query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_stat_activity
           WHERE usename = current_user AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        )
        .then(({ rows }) => {
          max = Math.max(max, Number(rows[0]!.n));
        })
        .catch(() => undefined);
    }, everyMs);
  });
  return {
    async stop() {
      await ready;
      clearInterval(timer);
      await client.end();
      return max;
    },
  };
}
