// The backup repository in a real S3-compatible store (s3rver, over HTTPS on 127.0.0.1), set the
// way an operator sets it: stack config backupS3 with the store's CA and its key pair, read by
// the loopback stack's own wiring (backup-options.ts, data-services.ts). pgBackRest verifies the
// store's certificate and the store verifies pgBackRest's SigV4 signatures (backup-s3-store.ts). The stanza is created in
// the bucket, WAL segments land there encrypted, a full backup goes there, and a point-in-time
// restore through `npm run restore`'s socket brings back every row before the point and none after.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackBackupConf } from '../backup/backup-cli.js';
import { parseBackupInfo } from '../backup/info.js';
import { pgTime } from '../backup/target.js';
import { renderPgbackrestConf } from '../render/pgbackrest.js';
import { backupS3RepoPath } from '../topology/config-backup-s3.js';
import { parseStackConfig } from '../topology/config.js';
import { BACKUP_STANZA } from '../topology/names.js';
import { loopbackBackupOptions } from './backup-options.js';
import { startS3Store, type S3Store } from './backup-s3-store.js';
import { loopbackBackups, type LoopbackBackups } from './backups.js';
import { backupRows } from './backup-rows.js';
import { startDataServices, type DataServices } from './data-services.js';
import { listenForRestore, requestRestore } from './restore-socket.js';
import { pgbackrest, pgbackrestPaths, writePgbackrestFiles } from './servers/pgbackrest.js';

const dir = mkdtempSync(join(tmpdir(), 'shortstack-backup-s3-'));
// The service user (postgres) reaches the stack's folders and pgBackRest's config below it.
chmodSync(dir, 0o755);
const BUCKET = 'shortstack-backups';
const REGION = 'eu-west-1';
const KEY = 'AKIDSHORTSTACKTEST';
const KEY_SECRET = randomBytes(20).toString('hex');
// What the rows hold: found in no object of the bucket if the repository is encrypted.
const MARKER = `plaintext-marker-${randomBytes(8).toString('hex')}`;

let store: S3Store;
let ds: DataServices;
let backups: LoopbackBackups;
let closeRestore: () => void;
let folder: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { rows, insert, archived: archivedWithin } = backupRows(() => ds);
const archived = () => archivedWithin(120_000);

/** `pgbackrest info` against the bucket with a config of its own (another key secret, no CA). */
async function infoWith(name: string, s3: { keySecret?: string; caFile?: string }): Promise<string> {
  const paths = pgbackrestPaths(join(dir, name));
  writePgbackrestFiles(paths.dir, renderPgbackrestConf({
    stanza: BACKUP_STANZA, repoPath: folder, pgPath: ds.postgres.dataDir, pgPort: ds.postgres.port, pgSocketPath: dir,
    retention: { full: 1, diff: 1 }, lockPath: paths.lock, spoolPath: paths.spool,
    s3: { bucket: BUCKET, endpoint: store.endpoint, region: REGION, uriStyle: 'path', verifyTls: true, key: KEY, keySecret: s3.keySecret ?? KEY_SECRET, ...(s3.caFile ? { caFile: s3.caFile } : {}) },
  }));
  return pgbackrest(paths.conf, BACKUP_STANZA, ['--io-timeout=10', 'info'], 120_000);
}

beforeAll(async () => {
  store = await startS3Store({ dir: join(dir, 's3'), bucket: BUCKET, key: KEY, keySecret: KEY_SECRET });
  // As in a stack file (the key pair set with --secret there), read as `npm run local --config` reads it.
  const raw = {
    pools: { pgbouncerPoolSize: 2 },
    backupS3: { bucket: BUCKET, endpoint: store.endpoint, region: REGION, uriStyle: 'path', caCertificate: store.caCertificate },
    backupS3AccessKey: KEY,
    backupS3SecretKey: KEY_SECRET,
  };
  const config = parseStackConfig(raw);
  mkdirSync(join(dir, 'stack'));
  ds = await startDataServices({ dir: join(dir, 'stack'), config: raw, backup: loopbackBackupOptions(raw, config, randomBytes(24).toString('hex')) });
  folder = ds.backup!.repoPath;
  backups = loopbackBackups(ds, async () => []);
  closeRestore = listenForRestore(ds.dir, backups, () => undefined);
  await ds.postgres.query('create table t (v text primary key)', [], 'shortstack');
  await ds.postgres.query('grant all on t to shortstack', [], 'shortstack');
}, 120_000);
afterAll(async () => {
  closeRestore?.();
  await ds?.stop();
  await store?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('pgBackRest with its repository in an S3-compatible store (s3rver over verified HTTPS)', () => {
  it('creates the stanza and archives WAL in the bucket, path-style, in the stack\'s folder, signed for the region with the stack\'s key', async () => {
    // The loopback stack's folder in the bucket, as a Docker stack's is /shortstack/<stack>.
    expect(folder).toBe(backupS3RepoPath('local'));
    const wal = await archived();
    const prefix = `${folder.slice(1)}/archive/${BACKUP_STANZA}/`;
    const keys = store.objects(prefix).map((o) => o.key);
    expect(keys).toContain(`${prefix}archive.info`);
    // The segment as pgBackRest names it: timeline and log, then its checksum, compressed.
    expect(keys.some((k) => new RegExp(`/${wal}-[0-9a-f]{40}\\.zst$`).test(k))).toBe(true);

    expect(store.requests.length).toBeGreaterThan(0);
    for (const r of store.requests) {
      expect(r.url).toMatch(new RegExp(`^/${BUCKET}[/?]`));
      expect(r.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY}/\\d{8}/${REGION}/s3/aws4_request,`));
      expect(r.status).toBeLessThan(500);
    }
    expect(store.requests.some((r) => decodeURIComponent(r.url).includes(`prefix=${folder.slice(1)}/`))).toBe(true);
    expect(store.requests.some((r) => r.method === 'PUT' && r.status === 200)).toBe(true);
  }, 120_000);

  it('is refused with another key secret, and does not connect without the store\'s CA', async () => {
    const seen = store.requests.length;
    const caFile = pgbackrestPaths(join(ds.dir, 'pgbackrest')).s3Ca;
    expect(await infoWith('wrong-secret', { keySecret: 'not-the-secret', caFile }).catch((e: Error) => e.message))
      .toMatch(/status: error|SignatureDoesNotMatch|403/);
    const refused = store.requests.slice(seen);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 403)).toBe(true);

    const before = store.requests.length;
    // The system's store does not hold the test's certificate: the TLS check fails before any request.
    expect(await infoWith('no-ca', {}).catch((e: Error) => e.message)).toMatch(/status: error|certificate|TLS/i);
    expect(store.requests.length).toBe(before);
  }, 180_000);

  it('takes an encrypted full backup into the bucket and restores to a point in time from it', async () => {
    await backups.take('full');
    // What `npm run backup -- --list` reads: the stack folder's config finds the backup in the bucket.
    const [info] = parseBackupInfo(JSON.parse(await pgbackrest(loopbackBackupConf(ds.dir), BACKUP_STANZA, ['info', '--output=json'])));
    expect(info!.cipher).toBe('aes-256-cbc');
    expect(info!.backups.map((b) => b.type)).toEqual(['full']);
    expect(info!.backups[0]!.repoBytes).toBeGreaterThan(0);
    expect(store.objects(`${folder.slice(1)}/backup/${BACKUP_STANZA}/${info!.backups[0]!.label}/`).length).toBeGreaterThan(100);

    const before = ['a1', 'a2', 'a3'].map((v) => `${v}-${MARKER}`);
    const after = ['b1', 'b2'].map((v) => `${v}-${MARKER}`);
    for (const v of before) await insert(v);
    await sleep(1100);
    const point = new Date();
    await sleep(1100);
    for (const v of after) await insert(v);
    await archived();

    // Encrypted at rest: no object holds the rows' text, and every one is OpenSSL's salted format.
    const objects = store.objects(folder.slice(1));
    expect(objects.length).toBeGreaterThan(100);
    for (const o of objects) {
      expect(o.body.includes(MARKER)).toBe(false);
      if (o.body.length > 0) expect(o.body.subarray(0, 8).toString('latin1')).toBe('Salted__');
    }

    // The cluster destroyed; `npm run restore -- --to POINT` asks the stack's socket.
    await ds.postgres.kill();
    rmSync(ds.postgres.dataDir, { recursive: true, force: true });
    const lines: string[] = [];
    const outcome = await requestRestore(ds.dir, { to: point.toISOString() }, (l) => lines.push(l));
    expect(outcome, lines.join('\n')).toEqual({ ok: true, refused: false });
    expect(lines).toContain(`pgbackrest restore --type=time --target=${pgTime(point)} --target-action=promote ...`);
    expect(await rows()).toEqual(before);
  }, 180_000);
});
