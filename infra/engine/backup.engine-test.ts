// Backups on the Docker placement, on a real engine: PostgreSQL, its password one-shot, the
// migration, PgBouncer, the backup container and their seeders created from the dev graph's own
// arguments (from-graph.ts) and started in the program's order, as `pulumi up` would. Then:
// - PostgreSQL archives WAL into the backup-repo volume (pg_stat_archiver, the segment's file);
// - the backup container's schedule takes a full backup on its own, and writes the backup
//   figures into the volume node-exporter's textfile collector reads, readable by its user;
// - the restore plan `npm run restore -- --stack dev --to TIME` prints (infra/backup/
//   docker-commands.ts), run AS WRITTEN by sh against this engine, brings the database back to
//   the point while a writer kept committing across it: every row committed before the point is
//   there, none after it. RPO and RTO are printed;
// - the same plan for --latest, from its step 3 (steps 1 and 2 are skipped for a lost volume, as
//   it says), after PostgreSQL was killed and its data folder emptied: what was archived is back,
//   what only pg_wal held is lost (counted: the RPO of a lost volume).
//
// Images: the postgres-pgbackrest stand-in (pgbackrest-image.ts: the product Dockerfile on the
// postgres stand-in), the postgres and PgBouncer stand-ins, the app image. Only the backend
// network is made, on a subnet of this file's own (two engines on one machine must not share a
// bridge's addresses): nothing here publishes a port.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_METRICS_FILE, BACKUP_METRIC_NAMES } from '../../monitoring/backup-metrics.js';
import { dockerCommands } from '../backup/docker-commands.js';
import { runProgram, type MockRun } from '../test/pulumi-mocks.js';
import { PGDATA, POSTGRES_DATA_MOUNT } from '../topology/components/postgres-layout.js';
import { CONTAINER_LABELS } from '../topology/context.js';
import { BACKUP_STANZA, DATABASE, PORTS } from '../topology/names.js';
import { dockerBinary, pollUntil, type DockerClient } from './docker.js';
import { engine, logs, waitHealthy } from './containers.js';
import { createFromGraph, createNetworksAndVolumes, plain, removeNetworksAndVolumes } from './from-graph.js';
import { ensurePgbackrestStandIn } from './pgbackrest-image.js';
import { ensurePgbouncerStandIn } from './pgbouncer-image.js';
import { ensurePostgresStandIn } from './postgres-image.js';
import { engineStackConfig } from './subnet.js';

const STACK = 'dev';
const STACK_CONFIG = engineStackConfig({});
/** The components this file runs; each one's seeder (`<name>-config`) comes along. */
const COMPONENTS = ['postgres', 'set-db-password', 'postgres-backup', 'migrate', 'pgbouncer'];
const CONTAINER = 'docker:index/container:Container';
const log = (m: string) => process.stderr.write(`[engine] ${m}\n`);
const sh = promisify(execFile);

type Inputs = Record<string, any>;

let run: MockRun;
let docker: DockerClient;
let pgbackrestImage: string;
const made = { volumes: [] as string[], networks: [] as string[] };
const fileStarted = Date.now();

const inputsOf = (name: string) => plain(run.byType(CONTAINER).find((c) => c.name === name)!.inputs) as Inputs;
const componentOf = (inputs: Inputs) => (inputs.labels ?? []).find((l: { label: string }) => l.label === CONTAINER_LABELS.component)?.value as string;
const containerName = (name: string) => inputsOf(name).name as string;

/** One value from psql in PostgreSQL's container, over its socket, as the stack's role. */
async function psql(sql: string, container = containerName('postgres')): Promise<string> {
  return docker.out(['exec', container, 'psql', '-U', DATABASE.user, '-d', DATABASE.name, '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { timeoutMs: 120_000 });
}

/** pgBackRest in the backup container, with the stack's config (its command line, from the graph's postgres archive_command). */
async function pgbackrest(args: string[]): Promise<string> {
  const archive = (inputsOf('postgres').command as string[]).find((a) => a.startsWith('archive_command='))!;
  const config = /--config=(\S+)/.exec(archive)![1]!;
  return docker.out(['exec', containerName('postgres-backup'), 'pgbackrest', `--config=${config}`, `--stanza=${BACKUP_STANZA}`, ...args], { timeoutMs: 300_000 });
}

/** The graph's images mapped to this engine's: stand-ins for the pulled and the built ones. */
async function imagesFor(base: string, app: string): Promise<(ref: string) => string> {
  const built = run.byType('docker:index/image:Image').map((r) => ({ ref: `sha256:${r.name}`, inputs: plain(r.inputs) as Inputs }));
  const backup = built.find((b) => String(b.inputs.imageName).startsWith('shortstack-postgres-pgbackrest:'))!;
  pgbackrestImage = await ensurePgbackrestStandIn(docker, base, backup.inputs.build.args as Record<string, string>, log);
  const postgres = await ensurePostgresStandIn(docker, base, log);
  const pgbouncer = await ensurePgbouncerStandIn(docker, base, log);
  const pulled = run.byType('docker:index/remoteImage:RemoteImage').map((r) => ({ ref: `sha256:id-${r.name}`, name: String(plain(r.inputs).name) }));
  return (ref) => {
    if (ref === backup.ref) return pgbackrestImage;
    if (built.some((b) => b.ref === ref && String(b.inputs.imageName).startsWith('shortstack-app:'))) return app;
    const upstream = pulled.find((p) => p.ref === ref)?.name ?? '';
    if (upstream.startsWith('postgres:')) return postgres;
    if (upstream.startsWith('edoburu/pgbouncer:')) return pgbouncer;
    throw new Error(`no stand-in for ${ref} (${upstream})`);
  };
}

beforeAll(async () => {
  const e = engine();
  docker = e.docker;
  run = await runProgram(STACK, STACK_CONFIG);
  const t0 = Date.now();
  const imageFor = await imagesFor(e.baseImage, e.image);
  log(`stand-in images ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const t1 = Date.now();
  const wanted = run.byType(CONTAINER).filter((c) => COMPONENTS.includes(componentOf(plain(c.inputs)).replace(/-config$/, '')));
  const used = { volumes: new Set<string>(), networks: new Set<string>() };
  for (const c of wanted) {
    const inputs = plain(c.inputs) as Inputs;
    for (const m of inputs.mounts ?? []) if (m.type === 'volume') used.volumes.add(m.source);
    for (const n of inputs.networksAdvanced ?? []) used.networks.add(n.name);
  }
  await createNetworksAndVolumes(docker, run, made, (name) => used.networks.has(name) || used.volumes.has(name));
  // The program's order is the dependency order: seeders stay created, one-shots run to exit 0,
  // services start and, where the graph waits for them, turn healthy.
  for (const c of wanted) {
    const inputs = plain(c.inputs) as Inputs;
    const id = await createFromGraph(docker, inputs, { image: imageFor(inputs.image), name: inputs.name });
    if (inputs.start === false) continue;
    if (inputs.attach) {
      const r = await docker.run(['start', '-a', id], { allowFailure: true, timeoutMs: 300_000 });
      const code = Number(await docker.out(['inspect', '--format', '{{.State.ExitCode}}', id]));
      if (code !== 0) throw new Error(`${c.name} (a one-shot) exited ${code}:\n${r.stdout}${r.stderr}`);
    } else {
      await docker.run(['start', id]);
      if (inputs.wait) await waitHealthy(docker, id, 300_000);
    }
  }
  await waitHealthy(docker, containerName('pgbouncer'), 300_000);
  log(`graph pieces applied (${wanted.map((c) => c.name).join(', ')}): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}, 1_200_000);

afterAll(async () => {
  if (!docker) return;
  const ids = (await docker.out(['ps', '-aq', '--filter', `label=${CONTAINER_LABELS.stack}=${STACK}`], { allowFailure: true })).split(/\s+/).filter(Boolean);
  if (ids.length > 0) await docker.run(['rm', '-f', '-v', ...ids], { allowFailure: true, timeoutMs: 300_000 });
  await removeNetworksAndVolumes(docker, made);
  log(`backup.engine-test.ts wall time (images, apply, assertions, removal): ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
}, 600_000);

/** The mount of `container` (a graph name) at `target`: its volume's name. */
const volumeAt = (container: string, target: string) => (inputsOf(container).mounts as Array<{ source: string; target: string }>).find((m) => m.target === target)!.source;

describe('backups on the Docker placement, on an engine (stand-in images)', () => {
  it('archives WAL into the backup-repo volume: pg_stat_archiver counts the switched segment, and its file is in the volume', async () => {
    // Archiving fails until the backup container has made the stanza: wait for that first.
    await pollUntil('the stanza', async () => (await docker.run(['logs', containerName('postgres-backup')])).stdout.includes('backup: full'), 180_000, 1_000);
    await psql('create table if not exists drill_wal (at timestamptz default clock_timestamp()); insert into drill_wal default values');
    const wal = await psql('select pg_walfile_name(pg_switch_wal())');
    const t0 = Date.now();
    await pollUntil(`segment ${wal} archived`, async () => (await psql(`select coalesce(last_archived_wal >= '${wal}', false) from pg_stat_archiver`)) === 't', 120_000, 500);
    const archiveS = (Date.now() - t0) / 1000;
    const [archived, failed] = (await psql('select archived_count, failed_count from pg_stat_archiver')).split('|').map(Number) as [number, number];
    log(`WAL archive: ${wal} reached the repository ${archiveS.toFixed(1)} s after its switch; archived ${archived}, failed ${failed}`);
    expect(archived).toBeGreaterThan(0);

    // The file, as the repository volume holds it (the postgres user's folder).
    const repoMount = (inputsOf('postgres').mounts as Array<{ source: string; target: string }>).find((m) => m.source.endsWith('-backup-repo'))!;
    const listing = await docker.out(['run', '--rm', '--user', '70:70', '--network', 'none', '--entrypoint', 'sh',
      '--mount', `type=volume,source=${repoMount.source},target=${repoMount.target},readonly`, pgbackrestImage,
      '-c', `find ${repoMount.target} -name '${wal}-*'`]);
    expect(listing).toMatch(new RegExp(`/archive/${BACKUP_STANZA}/15-1/${wal.slice(0, 16)}/${wal}-[0-9a-f]{40}\\.zst$`));
  });

  it('takes a full backup on the schedule and writes the backup figures where node-exporter\'s textfile collector reads them, readable by its user', async () => {
    const backup = containerName('postgres-backup');
    await pollUntil('the scheduled full backup', async () => (await docker.run(['logs', backup])).stdout.includes('backup: full done'), 300_000, 1_000)
      .catch(async (err: unknown) => { throw new Error(`${(err as Error).message}\n${await logs(docker, backup)}`); });
    const info = JSON.parse(await pgbackrest(['info', '--output=json'])) as Array<{ backup: Array<{ type: string; timestamp: { start: number; stop: number } }> }>;
    const full = info[0]!.backup.filter((b) => b.type === 'full');
    expect(full).toHaveLength(1);
    log(`scheduled full backup: ${full[0]!.timestamp.stop - full[0]!.timestamp.start} s`);

    // node-exporter's own mounts and user, from the graph: the volume at its textfile folder.
    const node = inputsOf('node-exporter');
    const dir = /--collector\.textfile\.directory=(\S+)/.exec((node.command as string[]).join(' '))![1]!;
    const volume = volumeAt('node-exporter', dir);
    expect(volume).toBe(volumeAt('postgres-backup', dir));
    let figures = '';
    await pollUntil('the backup figures', async () => {
      const r = await docker.run(['run', '--rm', '--user', node.user, '--network', 'none', '--read-only', '--entrypoint', 'cat',
        '--mount', `type=volume,source=${volume},target=${dir},readonly`, pgbackrestImage, `${dir}/${BACKUP_METRICS_FILE}`], { allowFailure: true });
      figures = r.stdout;
      return r.code === 0 && figures.includes(`${BACKUP_METRIC_NAMES.lastSuccess}{stanza="${BACKUP_STANZA}",type="full"}`);
    }, 120_000, 1_000);
    expect(figures).toContain(`${BACKUP_METRIC_NAMES.lastSuccess}{stanza="${BACKUP_STANZA}",type="full"} ${full[0]!.timestamp.stop}\n`);
    expect(figures).toContain(`${BACKUP_METRIC_NAMES.kept}{stanza="${BACKUP_STANZA}"} 1\n`);
    expect(figures).toMatch(new RegExp(`${BACKUP_METRIC_NAMES.repositoryBytes}\\{stanza="${BACKUP_STANZA}"\\} [1-9]\\d*\\n`));
    // The exposition format, as Prometheus' own linter reads it.
    const lint = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }));
      child.stdin!.end(figures);
    });
    expect(lint).toEqual({ code: 0, out: '' });
  });

  it('restores to a point in time by the printed plan, run as written: rows committed before the point are back, none after it', async () => {
    // The probe's table too: made after the point, the restore would take it away.
    await psql('create table drill (n int primary key, at timestamptz not null default clock_timestamp()); create table drill_probe (at timestamptz default clock_timestamp())');
    // A writer committing one row every 100 ms across the point, inside PostgreSQL (one session).
    const rows = 80;
    const writer = psql(`do $$ begin for i in 1..${rows} loop insert into drill (n) values (i); commit; perform pg_sleep(0.1); end loop; end $$`);
    await pollUntil('half of the writer\'s rows', async () => Number(await psql('select count(*) from drill')) >= rows / 2, 120_000, 200);
    const point = new Date();
    await writer;
    const commits = (await psql('select n, extract(epoch from pg_xact_commit_timestamp(xmin)) from drill order by n')).split('\n')
      .map((l) => l.split('|')).map(([n, at]) => ({ n: Number(n), at: Number(at) * 1000 }));
    const before = commits.filter((c) => c.at < point.getTime()).map((c) => c.n);
    const after = commits.filter((c) => c.at > point.getTime()).map((c) => c.n);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);

    const plan = dockerCommands(STACK, { kind: 'restore', target: { kind: 'time', at: point } });
    log(`restore plan to ${point.toISOString()}:\n${plan.join('\n')}`);
    // Writes through PgBouncer, as the app makes them, every half second while the plan runs:
    // the RTO is from the first refused write to the first accepted one after it.
    const password = String(inputsOf('postgres-config').uploads.find((u: { file: string }) => u.file.endsWith('/db-password')).content);
    const probe = () => docker.run(['exec', '-e', `PGPASSWORD=${password}`, containerName('pgbouncer'), 'psql', '-h', '127.0.0.1', '-p', String(PORTS.pgbouncer.postgres),
      '-U', DATABASE.user, '-d', DATABASE.name, '-tAc', 'insert into drill_probe default values'], { allowFailure: true, timeoutMs: 30_000 }).then((r) => r.code === 0).catch(() => false);
    expect(await probe()).toBe(true);
    let down: number | undefined;
    let up: number | undefined;
    let planDone = false;
    const probing = (async () => {
      while (!planDone && up === undefined) {
        const ok = await probe();
        if (!ok) down ??= Date.now();
        else if (down !== undefined) up = Date.now();
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const t0 = Date.now();
    const result = await sh('sh', ['-ec', plan.join('\n')], {
      env: { ...process.env, DOCKER_HOST: docker.host, PATH: `${dockerBinary().replace(/\/docker$/, '')}:${process.env.PATH ?? ''}` },
      timeout: 900_000, maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => { throw new Error(`the plan failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`); });
    const planS = (Date.now() - t0) / 1000;
    planDone = true;
    await probing;
    log(`the plan's output:\n${(result.stdout + result.stderr).trim()}`);

    const restored = new Set((await psql('select n from drill')).split('\n').filter(Boolean).map(Number));
    const lost = before.filter((n) => !restored.has(n));
    const kept = after.filter((n) => restored.has(n));
    const newest = Math.max(...commits.filter((c) => restored.has(c.n)).map((c) => c.at));
    expect(await psql('select pg_is_in_recovery()')).toBe('f');
    expect(lost).toEqual([]);
    expect(kept).toEqual([]);
    expect(await probe()).toBe(true);
    // The restored cluster archives on its new timeline: the plan's last full backup needed it.
    const info = JSON.parse(await pgbackrest(['info', '--output=json'])) as Array<{ backup: Array<{ type: string }> }>;
    expect(info[0]!.backup.filter((b) => b.type === 'full').length).toBeGreaterThanOrEqual(2);

    const rpo = (point.getTime() - newest) / 1000;
    const rto = down !== undefined && up !== undefined ? (up - down) / 1000 : undefined;
    log(`restore drill: ${before.length} rows committed before the point, ${lost.length} lost; ${after.length} after it, ${kept.length} kept. `
      + `RPO ${rpo.toFixed(2)} s (the point minus the newest restored commit; the writer committed every 0.1 s). `
      + `RTO ${rto?.toFixed(1) ?? 'unmeasured'} s (writes through PgBouncer refused to accepted again); the whole plan ${planS.toFixed(1)} s (with its closing full backup)`);
    expect(rto).toBeDefined();
  });
  it('restores a lost data volume to the latest archived WAL by the same plan (steps 1 and 2 skipped, as it says): what was archived is back', async () => {
    await psql('create table drill_lost (n int primary key)');
    // Committed, then archived by a segment switch: these must come back.
    await psql('insert into drill_lost select generate_series(1, 20)');
    const wal = await psql('select pg_walfile_name(pg_switch_wal())');
    await pollUntil(`segment ${wal} archived`, async () => (await psql(`select coalesce(last_archived_wal >= '${wal}', false) from pg_stat_archiver`)) === 't', 120_000, 500);
    // Committed after the last archived segment, within archive_timeout: held only by pg_wal.
    await psql('insert into drill_lost select generate_series(21, 40)');
    const lostAt = Date.now();
    const timeoutS = Number(/^archive_timeout=(\d+)s$/m.exec((inputsOf('postgres').command as string[]).join('\n'))![1]);
    const archivedBeforeLoss = Number(await psql('select archived_count from pg_stat_archiver'));

    // The volume is lost: PostgreSQL killed (a clean stop would switch and archive the last
    // segment first), its data folder gone (what an emptied volume looks like).
    const postgres = containerName('postgres');
    await docker.run(['stop', containerName('pgbouncer'), containerName('postgres-backup')], { timeoutMs: 120_000 });
    await docker.run(['kill', postgres]);
    expect(await docker.out(['inspect', '--format', '{{.State.Running}}', postgres])).toBe('false');
    await docker.run(['run', '--rm', '--user', '70:70', '--network', 'none', '--entrypoint', 'rm',
      '--mount', `type=volume,source=${volumeAt('postgres', POSTGRES_DATA_MOUNT)},target=${POSTGRES_DATA_MOUNT}`, pgbackrestImage, '-rf', PGDATA]);

    const plan = dockerCommands(STACK, { kind: 'restore', target: { kind: 'latest' } });
    const from = plan.findIndex((l) => l.startsWith('# 3.'));
    expect(plan.slice(0, from).join('\n')).toMatch(/Skip 1 and 2 when PostgreSQL does not run \(a lost volume\)/);
    const t0 = Date.now();
    await sh('sh', ['-ec', plan.slice(from).join('\n')], {
      env: { ...process.env, DOCKER_HOST: docker.host, PATH: `${dockerBinary().replace(/\/docker$/, '')}:${process.env.PATH ?? ''}` },
      timeout: 900_000, maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => { throw new Error(`the plan failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`); });
    const planS = (Date.now() - t0) / 1000;

    const back = (await psql('select n from drill_lost order by n')).split('\n').filter(Boolean).map(Number);
    expect(back.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Whatever came back beyond them is a prefix of what was committed: the replay stops at the archive's end.
    expect(back).toEqual(Array.from({ length: back.length }, (_, i) => i + 1));
    expect(await psql('select pg_is_in_recovery()')).toBe('f');
    log(`lost-volume restore (--latest): ${back.length} of 40 rows back; ${40 - back.length} of the 20 committed after the last archived segment lost with pg_wal `
      + `(the RPO of a lost volume: at most archive_timeout, ${timeoutS} s, of writes); ${archivedBeforeLoss} segments archived before the loss; the plan from step 3 took ${planS.toFixed(1)} s, `
      + `${((Date.now() - lostAt) / 1000).toFixed(1)} s from the loss to the database answering`);
  });
});
