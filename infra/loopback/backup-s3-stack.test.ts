// `npm run local -- --config FILE` with the backup repository in an S3-compatible store (s3rver
// over verified HTTPS): the file's backupS3, CA and key pair read as the command reads them, the
// stack started from them, and `npm run backup` (the command itself, from the stack's folder)
// taking a full backup into the bucket and listing it from there.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupS3RepoPath } from '../topology/config-backup-s3.js';
import { BACKUP_STANZA } from '../topology/names.js';
import { startS3Store, type S3Store } from './backup-s3-store.js';
import { stackConfigFrom } from './cli.js';
import { startStack, type LoopbackStack } from './stack.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'shortstack-local-s3-'));
// The service user (postgres) reaches the stack's folders and pgBackRest's config below it.
chmodSync(dir, 0o755);
const KEY = 'AKIDLOCALSTACK';
let store: S3Store;
let stack: LoopbackStack;

beforeAll(async () => {
  store = await startS3Store({ dir: join(dir, 's3'), bucket: 'local-backups', key: KEY, keySecret: 'a-secret-for-the-local-stack' });
  const file = join(dir, 'stack.yaml');
  writeFileSync(file, stringify({
    backupS3: { bucket: store.bucket, endpoint: store.endpoint, region: 'us-east-1', uriStyle: 'path', caCertificate: store.caCertificate },
    backupS3AccessKey: KEY,
    backupS3SecretKey: 'a-secret-for-the-local-stack',
  }), { mode: 0o600 });
  stack = await startStack({ replicas: 1, observability: false, dir: join(dir, 'stack'), config: stackConfigFrom(file) });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await store?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run local --config with backupS3', () => {
  it('archives into the bucket, and npm run backup backs up there and lists it', async () => {
    const folder = `${backupS3RepoPath('local').slice(1)}/`;
    expect(store.objects(`${folder}archive/${BACKUP_STANZA}/`).map((o) => o.key)).toContain(`${folder}archive/${BACKUP_STANZA}/archive.info`);

    const { stdout } = await run('npx', ['tsx', 'infra/backup/backup-cli.ts', '--dir', stack.dir], { timeout: 240_000 });
    expect(stdout).toMatch(/backup done in/);
    expect(stdout).toMatch(/encrypted, aes-256-cbc/);
    const label = /(\d{8}-\d{6}F) +full /.exec(stdout)?.[1];
    expect(label, stdout).toBeDefined();
    expect(store.objects(`${folder}backup/${BACKUP_STANZA}/${label}/`).length).toBeGreaterThan(100);
    expect(store.requests.every((r) => r.authorization.includes(`Credential=${KEY}/`))).toBe(true);
  }, 300_000);

  it('refuses a --config file that is not a map of keys, before anything starts', () => {
    const file = join(dir, 'list.yaml');
    writeFileSync(file, '- backupS3\n');
    expect(() => stackConfigFrom(file)).toThrow(/must hold a map of stack config keys/);
  });
});
