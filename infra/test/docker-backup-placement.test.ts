// Backups on the Docker placement, under Pulumi mocks: PostgreSQL built with pgBackRest from the
// pinned image, archiving every WAL segment into the backup volume; the backup container (same
// image, PostgreSQL's uid, read-only root, no capabilities) on the schedule of the stack config;
// the cipher passphrase only in a secret file; node-exporter and postgres-exporter serving the
// figures the backup alerts read; and a second `up` that changes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_METRICS_FILE, renderBackupMetricsJq } from '../../monitoring/backup-metrics.js';
import { renderPostgresQueries } from '../../monitoring/postgres-queries.js';
import { REPO_ROOT } from '../placements/docker/images.js';
import { plan, readBack, type ContainerSpec } from '../placements/docker/readback.js';
import { renderBackupScheduleScript } from '../render/backup-schedule.js';
import { BACKUP_CHECK_EVERY_S, BACKUP_METRICS_DIR, BACKUP_REPO_DIR, BACKUP_S3_CA } from '../topology/components/backup.js';
import { DEFAULT_IMAGES } from '../topology/images.js';
import { isSecret, runProgram, type MockRun, type Recorded } from './pulumi-mocks.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const isWrapped = (v: unknown): v is { value: unknown } => typeof v === 'object' && v !== null && SECRET_SIG in v;
const unwrap = (v: any): any => (isWrapped(v) ? unwrap(v.value) : v);
const plain = (v: any): any => {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return isWrapped(v) ? plain(v.value) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const CONTAINER = 'docker:index/container:Container';
const CIPHER = 'generated-backupCipherPass';

const dev = runProgram('dev', {});
// One program at a time: the mocks are process-wide.
const custom = dev.then(() => runProgram('dev', {
  'shortstack:backup': JSON.stringify({ fullEveryHours: 12, diffEveryHours: 2, archiveTimeoutS: 15, retentionFull: 3, retentionDiff: 4 }),
}));

type Upload = { file: string; content: unknown; permissions?: string; owner?: string; group?: string };
const uploads = (r: MockRun, instance: string): Upload[] => unwrap(r.container(`${instance}-config`).inputs.uploads).map((u: Upload) => ({ ...u, content: unwrap(u.content) }));
const uploaded = (r: MockRun, instance: string, file: string): Upload => {
  const u = uploads(r, instance).find((x) => x.file === file);
  if (!u) throw new Error(`${instance} uploads no ${file}`);
  return u;
};
const mounts = (c: Recorded) => c.inputs.mounts as Array<{ type: string; source: string; target: string; readOnly?: boolean }>;
const mountOf = (c: Recorded, target: string) => mounts(c).find((m) => m.target === target);

describe('PostgreSQL on Docker archives its WAL with pgBackRest', () => {
  it('runs an image built from the pinned postgres image with pgBackRest 2.x added', async () => {
    const r = await dev;
    const built = r.byType('docker:index/image:Image').find((i) => i.inputs.imageName === 'shortstack-postgres-pgbackrest:15.13-alpine');
    expect(built?.inputs).toMatchObject({
      skipPush: true,
      build: {
        context: join(REPO_ROOT, 'infra/images/postgres-pgbackrest'),
        dockerfile: join(REPO_ROOT, 'infra/images/postgres-pgbackrest/Dockerfile'),
        args: { POSTGRES_IMAGE: DEFAULT_IMAGES.postgres, BACKUP_REPO_DIR, BACKUP_METRICS_DIR },
      },
    });
    // Both containers run it by its local id (what the provider reads back).
    for (const name of ['postgres', 'postgres-backup']) expect(r.container(name).inputs.image).toBe(`sha256:${built!.name}`);
    // The password one-shot needs psql alone: it keeps the pinned image.
    expect(r.container('set-db-password').inputs.image).toBe('sha256:id-image-postgres-15.13-alpine');
    const dockerfile = readFileSync(join(REPO_ROOT, 'infra/images/postgres-pgbackrest/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM \$\{POSTGRES_IMAGE\}$/m);
    expect(dockerfile).toContain("apk add --no-cache 'pgbackrest~2' jq");
  });

  it('sets archive_mode, archive_command (pgBackRest with the secret config) and archive_timeout from the stack config', async () => {
    const settings = (r: MockRun) => {
      const cmd = r.container('postgres').inputs.command as string[];
      return Object.fromEntries(cmd.flatMap((a, i) => (cmd[i - 1] === '-c' ? [a.split(/=(.*)/s).slice(0, 2)] : [])));
    };
    expect(settings(await dev)).toMatchObject({
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: 'pgbackrest --config=/run/secrets/pgbackrest.conf --stanza=shortstack archive-push %p',
      archive_timeout: '60s',
      track_commit_timestamp: 'on',
    });
    expect(settings(await custom).archive_timeout).toBe('15s');
  });

  it('mounts the backup volume in PostgreSQL and the backup container, and keeps it on `down`', async () => {
    const r = await dev;
    const repo = r.byType('docker:index/volume:Volume').find((v) => v.inputs.name === 'shortstack-dev-backup-repo');
    expect(repo?.retainOnDelete).toBe(true);
    expect(mountOf(r.container('postgres'), BACKUP_REPO_DIR)).toEqual({ type: 'volume', source: 'shortstack-dev-backup-repo', target: BACKUP_REPO_DIR });
    const backup = r.container('postgres-backup');
    expect(mountOf(backup, BACKUP_REPO_DIR)).toEqual({ type: 'volume', source: 'shortstack-dev-backup-repo', target: BACKUP_REPO_DIR });
    // The cluster read-only, at PostgreSQL's own path (pgBackRest checks it against data_directory), and the socket.
    expect(mountOf(backup, '/var/lib/postgresql/data')).toEqual({ type: 'volume', source: 'shortstack-dev-postgres-data', target: '/var/lib/postgresql/data', readOnly: true });
    expect(mountOf(backup, '/var/run/postgresql')).toEqual({ type: 'volume', source: 'shortstack-dev-postgres-socket', target: '/var/run/postgresql' });
    // No other container sees the repository.
    const withRepo = r.byType(CONTAINER).filter((c) => (c.inputs.mounts ?? []).some((m: any) => m.source === 'shortstack-dev-backup-repo')).map((c) => c.name);
    expect(withRepo.sort()).toEqual(['postgres', 'postgres-backup']);
  });

  it('renders one pgbackrest.conf for both, 0400 for PostgreSQL\'s uid, the cipher passphrase only in it and only as a secret', async () => {
    const r = await dev;
    const pg = uploaded(r, 'postgres', '/run/secrets/pgbackrest.conf');
    const bk = uploaded(r, 'postgres-backup', '/run/secrets/pgbackrest.conf');
    expect(bk.content).toBe(pg.content);
    for (const u of [pg, bk]) expect([u.permissions, u.owner, u.group]).toEqual(['0400', '70', '70']);
    const conf = pg.content as string;
    expect(conf).toContain(`repo1-path=${BACKUP_REPO_DIR}/repo\nrepo1-retention-full=2\nrepo1-retention-diff=6\n`);
    expect(conf).toContain(`repo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=${CIPHER}\n`);
    expect(conf).toContain('[shortstack]\npg1-path=/var/lib/postgresql/data/pgdata\npg1-port=5432\npg1-socket-path=/var/run/postgresql\npg1-user=shortstack\n');
    expect(conf).toContain('log-level-file=off');
    expect(uploaded(await custom, 'postgres', '/run/secrets/pgbackrest.conf').content).toContain('repo1-retention-full=3\nrepo1-retention-diff=4\n');
    // The uploads carrying it are Pulumi secrets; nothing else in the graph, nor any output, holds it in plain.
    for (const name of ['postgres', 'postgres-backup']) expect(isWrapped(r.container(`${name}-config`).inputs.uploads)).toBe(true);
    const inPlain = JSON.stringify(r.resources.map((x) => Object.fromEntries(Object.entries(x.inputs).filter(([, v]) => !isWrapped(v)))));
    expect(inPlain).not.toContain(CIPHER);
    for (const [name, out] of Object.entries(r.outputs)) {
      const value = JSON.stringify(await new Promise((res) => (out as any).apply ? (out as any).apply((v: unknown) => { res(v); return v; }) : res(out)));
      if (value?.includes(CIPHER)) expect([name, await isSecret(out as any)]).toEqual([name, true]);
    }
  });
});

describe('the backup container', () => {
  it('runs the schedule of the stack config: full every fullEveryHours, differential every diffEveryHours', async () => {
    const expected = (full: number, diff: number) => renderBackupScheduleScript({
      confFile: '/run/secrets/pgbackrest.conf', stanza: 'shortstack', fullEveryS: full * 3600, diffEveryS: diff * 3600, checkEveryS: BACKUP_CHECK_EVERY_S,
      metricsProgram: '/etc/shortstack/backup-metrics.jq', metricsDir: BACKUP_METRICS_DIR, metricsFile: BACKUP_METRICS_FILE,
    });
    const r = await dev;
    expect(r.container('postgres-backup').inputs.command).toEqual(['sh', '/etc/shortstack/backup-schedule.sh']);
    expect(uploaded(r, 'postgres-backup', '/etc/shortstack/backup-schedule.sh').content).toBe(expected(24, 1));
    expect(uploaded(r, 'postgres-backup', '/etc/shortstack/backup-metrics.jq').content).toBe(renderBackupMetricsJq());
    const c = await custom;
    const script = uploaded(c, 'postgres-backup', '/etc/shortstack/backup-schedule.sh').content as string;
    expect(script).toBe(expected(12, 2));
    expect(script).toContain('-ge 43200 ]; then type=full');
    expect(script).toContain('-ge 7200 ]; then type=diff');
  });

  it('runs with least privilege: PostgreSQL\'s uid, read-only root, no capabilities, no published port, after PostgreSQL is healthy', async () => {
    const r = await dev;
    const b = r.container('postgres-backup').inputs;
    expect(b).toMatchObject({
      user: '70:70', readOnly: true, capabilities: { drops: ['ALL'] }, securityOpts: ['no-new-privileges:true'],
      restart: 'unless-stopped', ports: [], tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777' },
    });
    expect(b.envs).toEqual([]);
    expect(b.networksAdvanced.map((n: { name: string }) => n.name)).toEqual(['shortstack-dev-backend']);
    // Created after PostgreSQL, which it waits for (healthy), as Pulumi orders it.
    expect(r.container('postgres').inputs.wait).toBe(true);
  });
});

describe('backup figures on Docker', () => {
  it('serves the figures through node-exporter\'s textfile collector, from the backup container\'s volume, read-only', async () => {
    const r = await dev;
    const ne = r.container('node-exporter');
    expect(ne.inputs.command).toEqual(expect.arrayContaining(['--collector.textfile', `--collector.textfile.directory=${BACKUP_METRICS_DIR}`]));
    expect(mountOf(ne, BACKUP_METRICS_DIR)).toEqual({ type: 'volume', source: 'shortstack-dev-backup-metrics', target: BACKUP_METRICS_DIR, readOnly: true });
    expect(mountOf(r.container('postgres-backup'), BACKUP_METRICS_DIR)).toEqual({ type: 'volume', source: 'shortstack-dev-backup-metrics', target: BACKUP_METRICS_DIR });
  });

  it('gives postgres-exporter the loopback\'s archiver queries (pg_stat_archiver_*, pg_archive_ready_segments)', async () => {
    const r = await dev;
    expect(r.container('postgres-exporter').inputs.command).toContain('--extend.query-path=/etc/shortstack/postgres-queries.yaml');
    expect(uploaded(r, 'postgres-exporter', '/etc/shortstack/postgres-queries.yaml').content).toBe(renderPostgresQueries());
  });
});

describe('a second `up`', () => {
  it('replaces and updates nothing of the backup wiring', async () => {
    const r = await dev;
    for (const name of ['postgres', 'postgres-backup', 'postgres-backup-config', 'postgres-config', 'node-exporter', 'postgres-exporter']) {
      const sent = plain(r.container(name).inputs) as ContainerSpec;
      const p = plan(readBack(sent), sent);
      expect([name, p.replace, p.update]).toEqual([name, [], []]);
    }
    // The same config gives the same graph: nothing moves between two runs.
    const again = await runProgram('dev', {});
    const spec = (x: MockRun, n: string) => JSON.stringify(plain(x.container(n).inputs));
    for (const name of ['postgres', 'postgres-backup', 'postgres-backup-config']) expect(spec(again, name)).toBe(spec(r, name));
  });
});

describe('an S3-compatible repository (backupS3)', () => {
  it('renders the bucket into the same pgbackrest.conf, a folder per stack, the key pair only as a secret', async () => {
    await custom;
    const r = await runProgram('dev', {
      'shortstack:backupS3': JSON.stringify({ bucket: 'shortstack-backups', endpoint: 'minio.lan:9000', region: 'us-east-1', uriStyle: 'path' }),
      'shortstack:backupS3AccessKey': 'access-key-id', 'shortstack:backupS3SecretKey': 'secret-access-key',
    }, ['shortstack:backupS3AccessKey', 'shortstack:backupS3SecretKey']);
    const conf = uploaded(r, 'postgres-backup', '/run/secrets/pgbackrest.conf').content as string;
    expect(uploaded(r, 'postgres', '/run/secrets/pgbackrest.conf').content).toBe(conf);
    expect(conf).toContain([
      'repo1-type=s3', 'repo1-s3-bucket=shortstack-backups', 'repo1-s3-endpoint=minio.lan:9000', 'repo1-s3-region=us-east-1',
      'repo1-s3-uri-style=path', 'repo1-s3-key=access-key-id', 'repo1-s3-key-secret=secret-access-key', 'repo1-path=/shortstack/dev',
    ].join('\n'));
    expect(conf).toContain(`repo1-cipher-pass=${CIPHER}`);
    const inPlain = JSON.stringify(r.resources.map((x) => Object.fromEntries(Object.entries(x.inputs).filter(([, v]) => !isWrapped(v)))));
    for (const secret of ['access-key-id', 'secret-access-key']) expect(inPlain).not.toContain(secret);
  });

  it('gives both pgBackRest containers a private endpoint\'s CA beside the config, which names it', async () => {
    await custom;
    const ca = '-----BEGIN CERTIFICATE-----\nMIIBprivate\n-----END CERTIFICATE-----\n';
    const r = await runProgram('dev', {
      'shortstack:backupS3': JSON.stringify({ bucket: 'shortstack-backups', endpoint: 'minio.lan:9000', region: 'us-east-1', caCertificate: ca }),
      'shortstack:backupS3AccessKey': 'access-key-id', 'shortstack:backupS3SecretKey': 'secret-access-key',
    }, ['shortstack:backupS3AccessKey', 'shortstack:backupS3SecretKey']);
    for (const instance of ['postgres', 'postgres-backup']) {
      expect(uploaded(r, instance, BACKUP_S3_CA).content).toBe(ca);
      const conf = uploaded(r, instance, '/run/secrets/pgbackrest.conf').content as string;
      expect(conf).toContain(`repo1-s3-key-secret=secret-access-key\nrepo1-storage-ca-file=${BACKUP_S3_CA}\n`);
      expect(conf).not.toContain('BEGIN CERTIFICATE');
    }
  });
});
