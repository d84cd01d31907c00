// `npm run local`'s rollout trigger: the handler on fakes, then SIGUSR2 to the real command.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsxCommand } from './components.js';
import { PID_FILE, rolloutTrigger } from './rollout-signal.js';
import { waitFor } from './servers/ports.js';

const quietOut = () => {
  const lines: string[] = [];
  return { lines, log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERROR ${l}`) };
};

describe('rolloutTrigger', () => {
  it('runs one rollout at a time, ignores the signal while the stack stops, and survives a failed rollout', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const stack = {
      rollout: () => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error('nginx: the new config fails its check'));
        return new Promise<[]>((resolve) => { release = () => resolve([]); });
      },
    };
    let stopping = false;
    const out = quietOut();
    const trigger = rolloutTrigger(stack, () => stopping, out);
    const first = trigger();
    await trigger(); // while the first runs
    release();
    await first;
    await trigger(); // fails
    stopping = true;
    await trigger(); // stack stopping
    expect(calls).toBe(2);
    expect(out.lines.filter((l) => !l.includes('replacing'))).toEqual([
      'rollout: one is already running; signal ignored',
      expect.stringMatching(/^rollout: done, 0 replicas replaced in/),
      'ERROR rollout: failed, the replicas in service keep serving: nginx: the new config fails its check',
    ]);
  });
});

describe('npm run local', () => {
  // Waits sized for a busy machine: the whole stack with its observability took over 90 s to start at load 11.
  it('replaces its replicas on SIGUSR2, keeps serving, and Prometheus follows the new ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shortstack-local-rollout-'));
    const { command, args } = tsxCommand('infra/loopback/cli.ts');
    const child = spawn(command, [...args, '--replicas', '1', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const line = (re: RegExp) => re.exec(out)?.[1];
    try {
      await waitFor('npm run local ready', async () => /rollout: kill -USR2/.test(out), 240_000, 100, () => `\n${out}`);
      const url = line(/^ready: (\S+)$/m)!;
      const prometheus = line(/^prometheus: (\S+)$/m)!;
      expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(child.pid));

      process.kill(child.pid!, 'SIGUSR2');
      await waitFor('rollout done', async () => /rollout: (done|failed)/.test(out), 180_000, 100, () => `\n${out}`);
      expect(out).toMatch(/rollout: done, 1 replicas replaced/);
      expect((await fetch(`${url}/ready`)).status).toBe(200);

      // Prometheus was re-targeted: the app job scrapes the new replica's metrics port.
      await waitFor('prometheus scrapes the new replica', async () => {
        const res = await fetch(`${prometheus}/api/v1/targets`);
        const targets = ((await res.json()) as { data: { activeTargets: Array<{ labels: { job: string }; scrapeUrl: string }> } }).data.activeTargets;
        const app = targets.filter((t) => t.labels.job === 'app');
        if (app.length !== 1) return false;
        return (await fetch(app[0]!.scrapeUrl)).ok;
      }, 60_000, 250);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      // A stale pid file would aim the next kill -USR2 at a stranger.
      expect(existsSync(join(dir, PID_FILE))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM first: the command stops the servers it started; a SIGKILL would orphan them.
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
