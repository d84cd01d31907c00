// Bench data at scale: generated links (COPY, in loadtest/lib/copy-links.ts), and a watch on
// PostgreSQL's server connections to show PgBouncer holds them to its pool size.
import pg from 'pg';

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
