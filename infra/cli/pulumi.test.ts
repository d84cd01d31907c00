import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_PASSPHRASE, main, missingPrerequisite, pulumiEnv, type Probe } from './pulumi.js';

const probe = (ok: string[]): Probe => ({ succeeds: (cmd) => ok.includes(cmd) });

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
  const runCli = (path: string) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'up'], {
    env: { PATH: path, HOME: process.env.HOME }, encoding: 'utf8', timeout: 30_000,
  });

  it('prints one line about the Pulumi CLI and exits 1', () => {
    const r = runCli(bin);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/Pulumi CLI is not installed.*npm run local/)]);
  });

  it('prints one line about Docker when the engine does not answer', () => {
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
