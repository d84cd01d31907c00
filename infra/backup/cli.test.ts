// npm run backup and npm run restore, as an operator runs them, against a running loopback
// stack (its restore socket, as `npm run local` opens it): a backup, the list, a restore refused
// without --yes, then one with it that drops the link created after the point.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForRestore } from '../loopback/restore-socket.js';
import { startStack, type LoopbackStack } from '../loopback/stack.js';

const run = promisify(execFile);
let stack: LoopbackStack;
let closeSocket: () => void;

/** Runs an npm script's command; its exit code and output, whatever the code. */
async function cli(script: 'backup' | 'restore', args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', `infra/backup/${script}-cli.ts`, ...args], { timeout: 240_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

async function createLink(name: string): Promise<string> {
  const res = await fetch(`${stack.url}/urls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ original_url: `https://example.com/${name}` }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { short_code: string }).short_code;
}

async function linkThere(code: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: stack.directDatabaseUrl });
  await c.connect();
  try {
    return (await c.query('select 1 from urls where short_code = $1', [code])).rowCount === 1;
  } finally {
    await c.end();
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ replicas: 1, observability: false });
  closeSocket = listenForRestore(stack.dir, stack.backups, () => undefined);
}, 120_000);
afterAll(async () => {
  closeSocket?.();
  await stack?.stop();
});

describe('npm run backup / npm run restore on a running loopback stack', () => {
  it('backs up, lists, refuses a lossy restore without --yes, and restores to the point with it', async () => {
    const backup = await cli('backup', ['--dir', stack.dir]);
    expect(backup.out).toMatch(/backup done in/);
    expect(backup.out).toMatch(/\d{8}-\d{6}F +full /);
    expect(backup.code).toBe(0);

    const before = await createLink('before');
    await sleep(1100);
    const point = new Date().toISOString();
    await sleep(1100);
    const after = await createLink('after');

    const refused = await cli('restore', ['--dir', stack.dir, '--to', point]);
    expect(refused.out).toMatch(/refused: the database holds commits up to .* newer than/);
    expect(refused.code).toBe(2);
    expect(await linkThere(after)).toBe(true);

    const restored = await cli('restore', ['--dir', stack.dir, '--to', point, '--yes']);
    expect(restored.out).toMatch(/stop writers \(PgBouncer\): done/);
    expect(restored.out).toMatch(/pgbackrest restore --delta --type=time/);
    expect(restored.out).toMatch(/migrations check: done/);
    expect(restored.out).toMatch(/restored in [\d.]+ s; writers back/);
    expect(restored.code).toBe(0);
    expect(await linkThere(before)).toBe(true);
    expect(await linkThere(after)).toBe(false);
    // Writers are back: the front door creates links again.
    expect(await linkThere(await createLink('again'))).toBe(true);

    const list = await cli('backup', ['--dir', stack.dir, '--list']);
    expect(list.out).toMatch(/restorable from .* to the newest archived WAL/);
  }, 600_000);

  it('names a Pulumi stack\'s commands instead: RDS point-in-time restore on aws', async () => {
    const aws = await cli('restore', ['--stack', 'prod', '--to', '2026-12-01T10:00:00Z']);
    expect(aws.out).toContain('aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier shortstack-prod-postgres');
    expect(aws.out).toContain('--restore-time 2026-12-01T10:00:00.000Z');
    expect(aws.code).toBe(0);
  }, 120_000);
});
