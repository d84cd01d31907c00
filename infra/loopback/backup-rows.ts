// What the backup tests write and read back: rows of one table `t (v text)`, and a wait until
// the WAL holding them is archived. Test support, on a running data tier.
import pg from 'pg';
import type { DataServices } from './data-services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BackupRows {
  rows: () => Promise<string[]>;
  insert: (v: string) => Promise<void>;
  /** Closes the current WAL segment and waits until the archiver reports it sent; returns its name. */
  archived: (timeoutMs?: number) => Promise<string>;
}

export function backupRows(ds: () => DataServices): BackupRows {
  return {
    rows: async () => {
      const c = new pg.Client({ connectionString: ds().databaseUrl });
      await c.connect();
      try {
        return (await c.query<{ v: string }>('select v from t order by v')).rows.map((r) => r.v);
      } finally {
        await c.end();
      }
    },
    insert: async (v) => {
      await ds().postgres.query('insert into t (v) values ($1)', [v], 'shortstack');
    },
    archived: async (timeoutMs = 60_000) => {
      const { postgres } = ds();
      const { w: wal } = (await postgres.query('select pg_walfile_name(pg_switch_wal()) as w')).rows[0] as { w: string };
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
        const { l: last } = (await postgres.query('select last_archived_wal as l from pg_stat_archiver')).rows[0] as { l: string | null };
        if (last && last.slice(0, 24) >= wal) return wal;
        await sleep(100);
      }
      throw new Error(`${wal} not archived`);
    },
  };
}
