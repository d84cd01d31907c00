// The Docker backup container's schedule script, run here by sh against a real PostgreSQL and
// Debian's pgBackRest (the loopback data tier's repository): the backup it takes when due, none
// when not, and the figures it writes, equal to the TypeScript renderer's for the same repository.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_METRICS_FILE, renderBackupMetrics, renderBackupMetricsJq } from '../../monitoring/backup-metrics.js';
import { parseBackupInfo } from '../backup/info.js';
import { startDataServices, type DataServices } from '../loopback/data-services.js';
import { pgbackrest } from '../loopback/servers/pgbackrest.js';
import { serviceUser } from '../loopback/servers/process.js';
import { BACKUP_STANZA } from '../topology/names.js';
import { renderBackupScheduleScript } from './backup-schedule.js';

const exec = promisify(execFile);
let data: DataServices;
let dir: string;

beforeAll(async () => {
  data = await startDataServices({
    backup: { stanza: BACKUP_STANZA, retention: { full: 2, diff: 6 }, archiveTimeoutS: 60, cipherPass: 'schedule-test-pass' },
  });
  dir = mkdtempSync(join(tmpdir(), 'shortstack-schedule-'));
  mkdirSync(join(dir, 'metrics'));
  writeFileSync(join(dir, 'metrics.jq'), renderBackupMetricsJq());
  const runAs = serviceUser();
  if (runAs) for (const d of [dir, join(dir, 'metrics')]) chownSync(d, runAs.uid, runAs.gid);
}, 120_000);
afterAll(async () => {
  await data?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs one check of the schedule with these intervals, as the container's user would. */
async function once(fullEveryS: number, diffEveryS: number): Promise<{ code: number; out: string }> {
  const script = join(dir, `schedule-${fullEveryS}-${diffEveryS}.sh`);
  writeFileSync(script, renderBackupScheduleScript({
    confFile: data.backup!.confFile, stanza: BACKUP_STANZA, fullEveryS, diffEveryS, checkEveryS: 1,
    metricsProgram: join(dir, 'metrics.jq'), metricsDir: join(dir, 'metrics'), metricsFile: BACKUP_METRICS_FILE,
  }), { mode: 0o644 });
  try {
    const { stdout, stderr } = await exec('sh', [script, 'once'], { timeout: 300_000, ...(serviceUser() ?? {}) });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}
const info = async () => JSON.parse(await pgbackrest(data.backup!.confFile, BACKUP_STANZA, ['info', '--output=json'])) as unknown;
const types = async () => parseBackupInfo(await info())[0]!.backups.map((b) => b.type);
const figures = () => readFileSync(join(dir, 'metrics', BACKUP_METRICS_FILE), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Docker backup schedule script', () => {
  it('takes a full backup first and writes the same figures as the TypeScript renderer', async () => {
    const r = await once(3600, 3600);
    expect(r.out).toMatch(/backup: full done in \d+ s/);
    expect(r.code).toBe(0);
    expect(await types()).toEqual(['full']);
    const expected = renderBackupMetrics(parseBackupInfo(await info()));
    expect(expected).toMatch(/shortstack_backup_last_success_timestamp_seconds\{stanza="shortstack",type="full"\} \d{10}\n/);
    expect(figures()).toBe(expected);
  }, 300_000);

  it('takes nothing while no backup is due, and still rewrites the figures', async () => {
    rmSync(join(dir, 'metrics', BACKUP_METRICS_FILE));
    const r = await once(3600, 3600);
    expect(r.out).not.toMatch(/started/);
    expect(r.code).toBe(0);
    expect(await types()).toEqual(['full']);
    expect(figures()).toBe(renderBackupMetrics(parseBackupInfo(await info())));
  }, 300_000);

  it('takes a differential once the newest backup is older than its interval, a full once the full is', async () => {
    await sleep(2100);
    const diff = await once(3600, 1);
    expect(diff.out).toMatch(/backup: diff done/);
    expect(await types()).toEqual(['full', 'diff']);
    await sleep(2100);
    const full = await once(1, 3600);
    expect(full.out).toMatch(/backup: full done/);
    expect(await types()).toEqual(['full', 'diff', 'full']);
    expect(figures()).toBe(renderBackupMetrics(parseBackupInfo(await info())));
    expect(figures()).toMatch(/shortstack_backup_kept\{stanza="shortstack"\} 3\n/);
    // The exposition as Prometheus' own linter reads it (a gauge must not end in `_count`).
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: figures(), encoding: 'utf8' });
    expect([lint.status, lint.stdout + lint.stderr]).toEqual([0, '']);
  }, 600_000);

  it('fails its check, and says so, when the repository cannot be read', async () => {
    const script = renderBackupScheduleScript({
      confFile: join(dir, 'missing.conf'), stanza: BACKUP_STANZA, fullEveryS: 1, diffEveryS: 1, checkEveryS: 1,
      metricsProgram: join(dir, 'metrics.jq'), metricsDir: join(dir, 'metrics'), metricsFile: BACKUP_METRICS_FILE,
    });
    writeFileSync(join(dir, 'broken.sh'), script);
    const r = await exec('sh', [join(dir, 'broken.sh'), 'once'], { timeout: 60_000, ...(serviceUser() ?? {}) }).then(() => 0, (e: { code: number; stdout: string }) => {
      expect(e.stdout).toMatch(/stanza-create failed/);
      return e.code;
    });
    expect(r).toBe(1);
  }, 120_000);
});
