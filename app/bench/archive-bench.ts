// npm run bench:archive -- [--links 10000] [--clicks 400000] [--batch 10000] [--varied]
// What archiving the WAL costs per click: the click flush's statements (click-sql.ts, one
// transaction per batch) write Zipf-drawn clicks into a data tier whose PostgreSQL archives every
// WAL segment with pgBackRest, as the stacks do (infra/render/pgbackrest.ts, the repository
// encrypted). Printed: WAL bytes per click, the segments archived, archive_command's CPU per
// segment and per click (the archiver's reaped-children time, exact), and the segments' size in
// the repository against 16 MiB. A command that prints figures, not a test.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ARCHIVE_COMMAND } from '../../loadtest/lib/aims.js';
import { readProcs, TICKS_PER_SECOND } from '../../loadtest/lib/cpu.js';
import { copyLines, prepareBatch } from '../src/clicks/batch-prep.js';
import { COPY_CLICK_BATCHES, spansOf, type TakenIds } from '../src/clicks/batch-rows.js';
import { ClickBatch } from '../src/clicks/click-queue.js';
import { beginFlush, rollUpClicks, takeClickIds } from '../src/clicks/click-sql.js';
import { openCountryLookup } from '../src/clicks/country.js';
import { createEnricher } from '../src/clicks/enricher.js';
import { benchDatabase, clickSource, walPosition } from './click-workload.js';

const SEGMENT_BYTES = 16 * 1024 * 1024;

/** Every file below a folder: the repository's archived segments. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--links <n>', 'links (Zipf, exponent 1)', '10000')
    .option('--clicks <n>', 'clicks written', '400000')
    .option('--batch <n>', 'clicks per flush transaction', '10000')
    .option('--varied', 'agents, referrers and addresses of the mixed scenario')
    .parse()
    .opts<{ links: string; clicks: string; batch: string; varied?: boolean }>();
  const [links, total, batchSize] = [Number(opts.links), Number(opts.clicks), Number(opts.batch)];

  // Encrypted, as every stack's repository is (its generated backupCipherPass).
  const { data, client, stop } = await benchDatabase(links, {
    stanza: 'shortstack', retention: { full: 1, diff: 1 }, archiveTimeoutS: 60, cipherPass: randomBytes(24).toString('base64url'),
  });
  // pg_switch_wal and pg_stat_archiver's counts are the superuser's.
  const admin = new pg.Client({ connectionString: data.postgres.superUrl('shortstack') });
  await admin.connect();
  try {
    const archiverTicks = () => readProcs().find((p) => ARCHIVE_COMMAND.title.test(p.title ?? ''))?.reapedTicks ?? 0;
    const archived = async () => Number((await admin.query<{ n: string }>('SELECT archived_count AS n FROM pg_stat_archiver')).rows[0]!.n);
    const waitArchived = async (n: number) => {
      for (let i = 0; i < 1200 && (await archived()) < n; i++) await new Promise((r) => setTimeout(r, 100));
      if ((await archived()) < n) throw new Error(`${n - (await archived())} segments not archived in 120 s`);
    };
    // Start on a fresh segment, everything before it archived.
    await admin.query('SELECT pg_switch_wal()');
    await waitArchived(1);
    const [segments0, ticks0, lsn0] = [await archived(), archiverTicks(), await walPosition(admin)];
    const repo = data.backup!.repoPath;
    const repoBytes0 = filesBelow(join(repo, 'archive')).reduce((n, f) => n + statSync(f).size, 0);

    const enrich = createEnricher(await openCountryLookup());
    const click = clickSource(links, opts.varied);
    for (let written = 0; written < total; written += batchSize) {
      const n = Math.min(batchSize, total - written);
      const prepared = await prepareBatch(ClickBatch.of(Array.from({ length: n }, click)), enrich);
      await client.query('BEGIN');
      await client.query(beginFlush.text, beginFlush.values);
      const taken = takeClickIds(n);
      const spans = spansOf((await client.query<TakenIds>(taken.text, taken.values)).rows[0]!, n);
      const stream = client.query(copyFrom(COPY_CLICK_BATCHES));
      stream.end(copyLines(prepared, spans).join(''));
      await finished(stream);
      const r = rollUpClicks(prepared.rollups);
      await client.query(r.text, r.values);
      await client.query('COMMIT');
    }
    const lsn1 = await walPosition(admin);
    const walBytes = Number(lsn1 - lsn0);
    // The last, partly written segment is closed and archived too.
    await admin.query('SELECT pg_switch_wal()');
    const segmentOf = (at: bigint) => Number(at / BigInt(SEGMENT_BYTES));
    await waitArchived(segments0 + segmentOf(lsn1 - 1n) - segmentOf(lsn0) + 1);
    const cpuS = (archiverTicks() - ticks0) / TICKS_PER_SECOND;
    const stored = filesBelow(join(repo, 'archive')).reduce((n, f) => n + statSync(f).size, 0) - repoBytes0;
    const n = await archived() - segments0;
    console.log(`${total.toLocaleString('en')} clicks over ${links.toLocaleString('en')} links${opts.varied ? ', varied' : ''}, batches of ${batchSize}`);
    console.log(`  WAL               ${(walBytes / total).toFixed(0)} bytes per click, ${(walBytes / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  segments archived ${n}`);
    console.log(`  archive_command   ${(cpuS * 1000 / n).toFixed(1)} ms of CPU per segment, ${(cpuS * 1e6 / total).toFixed(2)} us per click`);
    console.log(`  in the repository ${(stored / n / 2 ** 20).toFixed(2)} MiB per 16 MiB segment (${(n * SEGMENT_BYTES / stored).toFixed(1)}x)`);
  } finally {
    await admin.end();
    await stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
