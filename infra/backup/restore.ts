// A point-in-time restore into a running stack, step by step: stop the writers, stop
// PostgreSQL, restore with pgBackRest (base backup plus archived WAL up to the target), start
// PostgreSQL and wait for it to leave recovery, check the migrations, start the writers again.
// The placement supplies the handles; each step is printed as it starts and ends.
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeTarget, refusal, restoreArgs, type CurrentData, type RestoreTarget } from './target.js';

export interface RestoreHandles {
  confFile: string;
  stanza: string;
  dataDir: string;
  /** The owner of the data directory (PostgreSQL refuses root). */
  runAs?: { uid: number; gid: number } | undefined;
  postgresRunning(): boolean;
  /** One statement as the superuser; rejects when PostgreSQL does not answer. */
  query<R extends Record<string, unknown>>(sql: string): Promise<R[]>;
  stopWriters(): Promise<void>;
  startWriters(): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Applies the migrations the restored schema lacks; returns their names. */
  migrate(): Promise<string[]>;
  pgbackrest(args: string[]): Promise<string>;
}

export class RestoreRefused extends Error {}

export interface RestoreStep {
  step: string;
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function currentData(h: RestoreHandles): Promise<CurrentData> {
  if (!existsSync(join(h.dataDir, 'PG_VERSION'))) return { kind: 'none' };
  if (!h.postgresRunning()) return { kind: 'unknown', why: 'PostgreSQL is not running' };
  try {
    const [row] = await h.query<{ at: Date | null }>('select (pg_last_committed_xact()).timestamp as at');
    return { kind: 'last-commit', at: row?.at ?? undefined };
  } catch (err) {
    return { kind: 'unknown', why: (err as Error).message };
  }
}

/** Closes the current WAL segment and waits until the archive has it: a latest restore then loses nothing. */
async function archiveCurrentWal(h: RestoreHandles, timeoutMs: number): Promise<string> {
  const [row] = await h.query<{ wal: string }>('select pg_walfile_name(pg_switch_wal()) as wal');
  const wal = row!.wal;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [a] = await h.query<{ last: string | null }>('select last_archived_wal as last from pg_stat_archiver');
    // Segment names sort in WAL order within a timeline (history files end in .history).
    if (a?.last && a.last.slice(0, 24) >= wal) return wal;
    if (Date.now() > deadline) throw new Error(`WAL ${wal} was not archived within ${timeoutMs / 1000} s: check archiving (pg_stat_archiver) before a latest restore`);
    await sleep(200);
  }
}

async function waitOutOfRecovery(h: RestoreHandles, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await h.query<{ r: boolean }>('select pg_is_in_recovery() as r').catch(() => [{ r: true }]);
    if (row && !row.r) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL still in recovery after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

export async function restoreStack(
  h: RestoreHandles,
  target: RestoreTarget,
  o: { yes?: boolean; log?: (line: string) => void; recoveryTimeoutMs?: number } = {},
): Promise<RestoreStep[]> {
  const log = o.log ?? (() => undefined);
  const steps: RestoreStep[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    log(`${name} ...`);
    const t0 = Date.now();
    const out = await fn();
    steps.push({ step: name, ms: Date.now() - t0 });
    log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return out;
  };

  log(`restore to ${describeTarget(target)}`);
  const current = await currentData(h);
  const why = refusal(target, current);
  if (why !== undefined && !o.yes) throw new RestoreRefused(`refused: ${why}; run again with --yes to restore anyway`);
  // A running server's WAL up to now goes to the archive first, so the replay finds every
  // segment up to the target (and a latest restore loses nothing).
  if (current.kind === 'last-commit') {
    await step('archive the current WAL', () => archiveCurrentWal(h, 120_000));
  }
  await step('stop writers (PgBouncer)', () => h.stopWriters());
  try {
    await restoreSteps(h, target, step, log, o.recoveryTimeoutMs);
  } catch (err) {
    // Writers stay stopped: starting them on a half-restored database would take writes that a
    // second attempt (same command) throws away.
    log(`failed: ${(err as Error).message}; writers stay stopped until a restore succeeds`);
    throw err;
  }
  return steps;
}

type Step = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

async function restoreSteps(h: RestoreHandles, target: RestoreTarget, step: Step, log: (line: string) => void, recoveryTimeoutMs?: number): Promise<void> {
  await step('stop PostgreSQL', () => h.stopPostgres());
  const delta = existsSync(join(h.dataDir, 'PG_VERSION'));
  if (!delta) {
    // Whatever is left of a destroyed cluster goes; pgBackRest restores into an empty folder.
    rmSync(h.dataDir, { recursive: true, force: true });
    mkdirSync(h.dataDir, { mode: 0o700 });
    if (h.runAs) chownSync(h.dataDir, h.runAs.uid, h.runAs.gid);
  }
  await step(`pgbackrest ${restoreArgs(target, delta).join(' ')}`, () => h.pgbackrest(restoreArgs(target, delta)));
  await step('start PostgreSQL and replay WAL', async () => {
    await h.startPostgres();
    await waitOutOfRecovery(h, recoveryTimeoutMs ?? 300_000);
  });
  await step('migrations check', async () => {
    const applied = await h.migrate();
    log(applied.length === 0 ? 'schema up to date' : `applied: ${applied.join(', ')}`);
  });
  await step('start writers (PgBouncer)', () => h.startWriters());
}
