// `npm run seed -- --dir DIR [--database-url URL]`: loads DIR/users.csv, urls.csv, events.csv.
import { Command } from 'commander';
import pg from 'pg';
import { loadSeed, type TableReport } from './loader.js';

const program = new Command('seed')
  .description('Load the seed CSVs (users, urls, events) with their ids, then re-sync the id sequences')
  .requiredOption('--dir <dir>', 'folder holding users.csv, urls.csv and events.csv')
  .option('--database-url <url>', 'PostgreSQL URL (default: $MIGRATE_DATABASE_URL, else $DATABASE_URL)')
  .action(async (opts: { dir: string; databaseUrl?: string }) => {
    const url = opts.databaseUrl ?? (process.env.MIGRATE_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim());
    if (!url) program.error('no database: pass --database-url or set DATABASE_URL');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const report = await loadSeed(pool, opts.dir);
      for (const [table, r] of Object.entries(report) as Array<[string, TableReport]>) {
        console.log(`${table}: read ${r.read}, inserted ${r.inserted}, skipped ${r.skipped}, rejected ${r.rejected.length}`);
        for (const x of r.rejected.slice(0, 20)) console.log(`  row ${x.row}: ${x.error}`);
      }
    } finally {
      await pool.end();
    }
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
