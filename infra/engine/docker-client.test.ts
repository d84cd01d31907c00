import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerClient } from './docker.js';

// A stand-in for the docker CLI: prints its arguments, then does what the first one says.
const dir = mkdtempSync(join(tmpdir(), 'docker-client-'));
const cli = join(dir, 'docker');
writeFileSync(cli, `#!/bin/sh
echo "args: $*" >&2
case "$1" in
  hang) exec sleep 30 ;;
  fail) exit 3 ;;
  *) echo "host $DOCKER_HOST" ;;
esac
`);
chmodSync(cli, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DockerClient.run', () => {
  const docker = new DockerClient('unix:///engine.sock', cli);

  it('runs the CLI against its engine and answers its output', async () => {
    expect(await docker.out(['version'])).toBe('host unix:///engine.sock');
  });

  it('throws on a non-zero exit, or answers the code when failure is allowed', async () => {
    await expect(docker.run(['fail', 'x'])).rejects.toThrow(/docker fail x … exited 3: args: fail x/);
    expect((await docker.run(['fail'], { allowFailure: true })).code).toBe(3);
  });

  it('kills a command that outlives its bound and names it, even when failure is allowed', async () => {
    const started = Date.now();
    await expect(docker.run(['hang', 'start', 'c1'], { timeoutMs: 300 })).rejects.toThrow(/docker hang start c1 … gave no answer in 0.3 s \(killed\): args: hang start c1/);
    await expect(docker.run(['hang'], { timeoutMs: 300, allowFailure: true })).rejects.toThrow(/gave no answer/);
    // Well short of the stand-in's 30 s sleep: the kill ended it.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
