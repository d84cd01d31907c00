import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_PASSPHRASE, main, missingPrerequisite, pulumiEnv, recoveryPlan, type Exec, type ExportedStack, type Probe } from './pulumi.js';

const probe = (ok: string[]): Probe => ({ succeeds: (cmd) => ok.includes(cmd) });

/** Runs f with console.error captured. */
const quiet = <T>(f: () => T): { value: T; stderr: string } => {
  const original = console.error;
  let stderr = '';
  console.error = (...a: unknown[]) => { stderr += `${a.join(' ')}\n`; };
  try {
    return { value: f(), stderr };
  } finally {
    console.error = original;
  }
};

describe('prerequisites', () => {
  it('names the missing Pulumi CLI first, then a missing Docker engine, and points to npm run local', () => {
    expect(missingPrerequisite(probe([]))).toMatch(/^The Pulumi CLI is not installed .*npm run local$/);
    expect(missingPrerequisite(probe(['pulumi']))).toMatch(/^No running Docker engine .*npm run local$/);
    expect(missingPrerequisite(probe(['pulumi', 'docker']))).toBeUndefined();
  });

  it('defaults the passphrase for the dev stack only, never over one that is set', () => {
    expect(pulumiEnv({}, 'dev').PULUMI_CONFIG_PASSPHRASE).toBe(DEV_PASSPHRASE);
    expect(pulumiEnv({ PULUMI_CONFIG_PASSPHRASE: 'mine' }, 'dev').PULUMI_CONFIG_PASSPHRASE).toBe('mine');
    expect(pulumiEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: '/x' }, 'dev').PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(pulumiEnv({}, 'prod').PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
  });

  it('refuses an unknown command', () => {
    expect(main(['deploy'], probe(['pulumi', 'docker']))).toBe(2);
  });
});

describe('npm run up on a machine without Pulumi or Docker', () => {
  const bin = mkdtempSync(join(tmpdir(), 'shortstack-cli-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const cli = fileURLToPath(new URL('./pulumi.ts', import.meta.url));
  const runCli = (path: string, cmd = 'preview') => spawnSync(process.execPath, ['--import', 'tsx', cli, cmd], {
    env: { PATH: path, HOME: process.env.HOME }, encoding: 'utf8', timeout: 30_000,
  });

  it('up: says so in one line, then runs the same topology on loopback (after the Debian servers)', () => {
    const ran: string[][] = [];
    const exec: Exec = { run: (cmd, args) => { ran.push([cmd, ...args]); return { status: 0, stdout: '' }; } };
    const { value, stderr } = quiet(() => main(['up', '--replicas', '3'], probe([]), {}, exec));
    expect(value).toBe(0);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/Pulumi CLI is not installed.*Running it on loopback now/)]);
    expect(ran.map((r) => r.slice(3).map((a) => a.replace(/^.*\/(?=(scripts|infra)\/)/, '')))).toEqual([
      ['scripts/system-deps.ts'],
      ['infra/loopback/cli.ts', '--replicas', '3'],
    ]);
  });

  it('up: stops when the Debian servers cannot be installed', () => {
    const ran: string[] = [];
    const exec: Exec = { run: (_cmd, args) => { ran.push(args[2]!); return { status: 1, stdout: '' }; } };
    expect(quiet(() => main(['up'], probe(['pulumi']), {}, exec)).value).toBe(1);
    expect(ran).toHaveLength(1);
  });

  it('up, for real: with neither Pulumi nor Docker, the README\'s first command ends with a ready stack', async () => {
    const fakes = mkdtempSync(join(tmpdir(), 'shortstack-cli-fakes-'));
    writeFileSync(join(fakes, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n');
    chmodSync(join(fakes, 'docker'), 0o755);
    // Its own process group, so the Ctrl-C below reaches the loopback stack as a terminal's would.
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'up', '--replicas', '1'], {
      env: { PATH: `${fakes}:${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: process.env.HOME }, detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line in 150 s:\n${out}`)), 150_000);
        child.stdout.on('data', () => {
          // The last line it prints once ready.
          const m = /ready: (http:\/\/127\.0\.0\.1:\d+)[\s\S]*files and logs: /.exec(out);
          if (m) { clearTimeout(timer); resolve(m[1]!); }
        });
        void exited.then(() => { clearTimeout(timer); reject(new Error(`exited before ready:\n${out}`)); });
      });
      expect(out).toMatch(/No running Docker engine|Pulumi CLI is not installed/);
      expect(out).toMatch(/admin key \(generated\): \S+/);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      rmSync(fakes, { recursive: true, force: true });
    }
  }, 200_000);

  it('preview: prints one line about the Pulumi CLI and exits 1', () => {
    const r = runCli(bin);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/Pulumi CLI is not installed.*npm run local/)]);
  });

  it('preview: prints one line about Docker when the engine does not answer', () => {
    const fakes = mkdtempSync(join(tmpdir(), 'shortstack-cli-fakes-'));
    try {
      writeFileSync(join(fakes, 'pulumi'), '#!/bin/sh\necho v3.0.0\n');
      writeFileSync(join(fakes, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n');
      chmodSync(join(fakes, 'pulumi'), 0o755);
      chmodSync(join(fakes, 'docker'), 0o755);
      const r = runCli(`${fakes}:${bin}`);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^No running Docker engine.*npm run local$/)]);
    } finally {
      rmSync(fakes, { recursive: true, force: true });
    }
  });
});

const STACK = 'urn:pulumi:dev::shortstack::shortstack:docker:Stack';
const urnOf = (type: string, name: string, parent = '$shortstack:docker:Service') => `${STACK}${parent}$${type}::${name}`;
const state = (resources: Array<{ type: string; name: string; outputs: Record<string, unknown> }>): ExportedStack => ({
  deployment: { resources: resources.map((r) => ({ urn: urnOf(r.type, r.name), type: r.type, outputs: r.outputs })) },
});
const CONTAINER = 'docker:index/container:Container';

describe('npm run up: what a plain pulumi up would leave broken is replaced', () => {
  it('re-runs a one-shot that exited non-zero, and leaves a successful one (and services) alone', () => {
    const plan = recoveryPlan(state([
      { type: CONTAINER, name: 'migrate', outputs: { attach: true, exitCode: 1 } },
      { type: CONTAINER, name: 'set-db-password', outputs: { attach: true, exitCode: 0 } },
      { type: CONTAINER, name: 'app-1', outputs: { attach: false, exitCode: null } },
      { type: CONTAINER, name: 'nginx-config', outputs: { attach: false } },
    ]), () => true);
    expect(plan.args).toEqual(['--replace', urnOf(CONTAINER, 'migrate')]);
    expect(plan.reasons).toEqual(['migrate: exited with code 1 last time; running it again']);
  });

  it('pulls or builds again an image the engine no longer has (docker image prune -a)', () => {
    const present = new Set(['sha256:nginx']);
    const plan = recoveryPlan(state([
      { type: 'docker:index/remoteImage:RemoteImage', name: 'image-nginx-1.28.0-alpine', outputs: { imageId: 'sha256:nginx', name: 'nginx:1.28.0-alpine@sha256:x' } },
      { type: 'docker:index/remoteImage:RemoteImage', name: 'image-redis-7.2.5-alpine', outputs: { imageId: 'sha256:redis', name: 'redis:7.2.5-alpine@sha256:y' } },
      { type: 'docker:index/image:Image', name: 'image-shortstack-app-dev', outputs: { repoDigest: 'sha256:app', imageName: 'shortstack-app:dev' } },
    ]), (ref) => present.has(ref));
    expect(plan.args).toEqual([
      '--replace', urnOf('docker:index/remoteImage:RemoteImage', 'image-redis-7.2.5-alpine'),
      '--replace', urnOf('docker:index/image:Image', 'image-shortstack-app-dev'),
    ]);
    expect(plan.reasons[1]).toBe('image-shortstack-app-dev: image shortstack-app:dev is gone from the engine; building it again');
    expect(recoveryPlan({ deployment: { resources: null } }, () => false).args).toEqual([]);
  });
});

describe('npm run up / down against a fake Pulumi and Docker', () => {
  const ok = probe(['pulumi', 'docker']);
  const fake = (answers: Record<string, { status?: number; stdout?: string }> = {}) => {
    const calls: string[] = [];
    const exec: Exec = {
      run(cmd, args) {
        const line = `${cmd} ${args.join(' ')}`;
        calls.push(line);
        const key = Object.keys(answers).find((k) => line.startsWith(k));
        const a = key ? answers[key]! : {};
        return { status: a.status ?? 0, stdout: a.stdout ?? '' };
      },
    };
    return { exec, calls };
  };

  it('up replaces the failed migration it finds in the state', () => {
    const exported = JSON.stringify(state([{ type: CONTAINER, name: 'migrate', outputs: { attach: true, exitCode: 3 } }]));
    const { exec, calls } = fake({ 'pulumi stack export': { stdout: exported } });
    const { value, stderr } = quiet(() => main(['up', '--yes'], ok, {}, exec));
    expect(value).toBe(0);
    expect(calls).toEqual([
      'pulumi stack select --create dev --non-interactive',
      'pulumi stack export --stack dev',
      `pulumi up --stack dev --replace ${urnOf(CONTAINER, 'migrate')} --yes`,
    ]);
    expect(stderr).toContain('replacing migrate: exited with code 3 last time');
  });

  it('down keeps the data volumes and says how to delete them', () => {
    const { exec, calls } = fake({ 'docker volume ls': { stdout: 'shortstack-dev-postgres-data\nshortstack-dev-grafana-data\n' } });
    const { value, stderr } = quiet(() => main(['destroy'], ok, {}, exec));
    expect(value).toBe(0);
    expect(calls).toEqual([
      'pulumi stack select --create dev --non-interactive',
      'pulumi destroy --stack dev',
      'docker volume ls --quiet --filter label=com.shortstack.stack=dev',
    ]);
    expect(stderr).toContain('Kept the data volumes (the next `npm run up` uses them again): shortstack-dev-postgres-data, shortstack-dev-grafana-data');
    expect(stderr).toContain('npm run down -- --delete-data');
  });

  it('down --delete-data removes them after the stack is destroyed, and never when destroy failed', () => {
    const { exec, calls } = fake({ 'docker volume ls': { stdout: 'shortstack-dev-postgres-data\n' } });
    expect(quiet(() => main(['destroy', '--delete-data', '--yes'], ok, {}, exec)).value).toBe(0);
    expect(calls.slice(1)).toEqual([
      'pulumi destroy --stack dev --yes',
      'docker volume ls --quiet --filter label=com.shortstack.stack=dev',
      'docker volume rm shortstack-dev-postgres-data',
    ]);
    const failed = fake({ 'pulumi destroy': { status: 255 } });
    expect(quiet(() => main(['destroy', '--delete-data'], ok, {}, failed.exec)).value).toBe(255);
    expect(failed.calls.filter((c) => c.startsWith('docker'))).toEqual([]);
    expect(quiet(() => main(['up', '--delete-data'], ok, {}, fake().exec)).value).toBe(2);
  });
});
