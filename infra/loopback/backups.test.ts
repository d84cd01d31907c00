// pgBackRest on the loopback PostgreSQL, for real: WAL archived as it is written, a full backup,
// a restore to a point between two commits (refused without --yes while the newer one is
// there), then a restore to the latest archived WAL.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreRefused } from '../backup/restore.js';
import { parseBackupInfo, renderBackupList } from '../backup/info.js';
import { pgTime } from '../backup/target.js';
import { loopbackBackups, type LoopbackBackups } from './backups.js';
import { backupRows } from './backup-rows.js';
import { startDataServices, type DataServices } from './data-services.js';

let ds: DataServices;
let backups: LoopbackBackups;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { rows, insert, archived: archivedWithin } = backupRows(() => ds);
const archived = () => archivedWithin(60_000);

beforeAll(async () => {
  ds = await startDataServices({
    config: { pools: { pgbouncerPoolSize: 2 } },
    backup: { stanza: 'test', retention: { full: 1, diff: 1 }, archiveTimeoutS: 60, cipherPass: 'a-cipher-passphrase-for-the-test' },
  });
  backups = loopbackBackups(ds, async () => []);
  await ds.postgres.query('create table t (v text primary key)', [], 'shortstack');
  await ds.postgres.query('grant all on t to shortstack', [], 'shortstack');
}, 60_000);
afterAll(async () => {
  await ds?.stop();
});

describe('loopback backups (real PostgreSQL and pgBackRest)', () => {
  it('archives WAL, takes an encrypted full backup, and restores to a point in time', async () => {
    const archiver = (await ds.postgres.query('select archived_count, failed_count from pg_stat_archiver')).rows[0];
    expect(Number(archiver.failed_count)).toBe(0);
    await backups.take('full');
    const [info] = parseBackupInfo(await backups.info());
    expect(info!.stanza).toBe('test');
    expect(info!.cipher).toBe('aes-256-cbc');
    expect(info!.backups.map((b) => b.type)).toEqual(['full']);
    expect(info!.backups[0]!.databaseBytes).toBeGreaterThan(1 << 20);
    expect(info!.backups[0]!.repoBytes).toBeGreaterThan(0);
    expect(info!.backups[0]!.stop.getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(info!.archive.max).toMatch(/^[0-9A-F]{24}$/);
    expect(renderBackupList([info!])).toMatch(/^stanza test: ok \(encrypted, aes-256-cbc\)\n {2}\d{8}-\d{6}F +full /);

    await insert('a-before');
    await sleep(1100);
    const point = new Date();
    await sleep(1100);
    await insert('b-after');
    await archived();

    // b-after is newer than the point: the restore will not throw it away unasked.
    await expect(backups.restore({ kind: 'time', at: point })).rejects.toBeInstanceOf(RestoreRefused);
    expect(await rows()).toEqual(['a-before', 'b-after']);

    // The data directory destroyed: nothing left to lose, so no --yes is needed.
    await ds.postgres.kill();
    rmSync(ds.postgres.dataDir, { recursive: true, force: true });
    const lines: string[] = [];
    const steps = await backups.restore({ kind: 'time', at: point }, { log: (l) => lines.push(l) });
    expect(steps.map((s) => s.step)).toEqual([
      'stop writers (PgBouncer)', 'stop PostgreSQL',
      `pgbackrest restore --type=time --target=${pgTime(point)} --target-action=promote`,
      'start PostgreSQL and replay WAL', 'migrations check', 'start writers (PgBouncer)',
    ]);
    expect(lines).toContain('schema up to date');
    expect(await rows()).toEqual(['a-before']);
  }, 180_000);

  it('restores the latest archived WAL of a running database without --yes, losing nothing', async () => {
    await insert('c-latest');
    const steps = await backups.restore({ kind: 'latest' });
    expect(steps[0]!.step).toBe('archive the current WAL');
    expect(steps.map((s) => s.step)).toContain('pgbackrest restore --delta');
    expect(await rows()).toEqual(['a-before', 'c-latest']);
  }, 180_000);
});
