// Containers of the engine tier, run the way the docker placement runs the app (read-only root,
// no capabilities, no-new-privileges, a tmpfs /tmp, the image's own user), on the host network so
// they reach the PostgreSQL, PgBouncer and Redis the tests start on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { NotStarting } from '../loopback/servers/ports.js';
import { DockerClient, pollUntil } from './docker.js';

export function engine(): { docker: DockerClient; image: string; baseImage: string } {
  const info = inject('engine');
  if (!info) throw new Error('the engine tier runs with its own config: vitest run -c vitest.engine.config.ts');
  return { docker: new DockerClient(info.dockerHost), image: info.appImage, baseImage: info.baseImage };
}

/** The hardening the docker placement gives app and migrate (infra/topology/components/app.ts). */
export const HARDENED = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--tmpfs', '/tmp'];

export interface RunOptions {
  env?: Record<string, string>;
  /** Replaces the image's CMD. */
  command?: string[];
  name?: string;
  extra?: string[];
}

function runArgs(opts: RunOptions): string[] {
  const args = ['--network', 'host', ...HARDENED];
  if (opts.name) args.push('--name', opts.name);
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('-e', `${k}=${v}`);
  args.push(...(opts.extra ?? []));
  return args;
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** `docker run --rm` to completion: the exit code and what it printed. */
export async function runToCompletion(docker: DockerClient, image: string, opts: RunOptions = {}): Promise<{ code: number; output: string }> {
  const r = await docker.run(['run', '--rm', ...runArgs(opts), image, ...(opts.command ?? [])], { allowFailure: true, timeoutMs: 300_000 });
  return { code: r.code, output: r.stdout + r.stderr };
}

/** `docker run -d`: the container's id. */
export async function runDetached(docker: DockerClient, image: string, opts: RunOptions = {}): Promise<string> {
  return docker.out(['run', '-d', ...runArgs(opts), image, ...(opts.command ?? [])], { timeoutMs: 300_000 });
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  /** Running is still true while the engine restarts a container that exited. */
  Restarting: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };
}

export async function state(docker: DockerClient, id: string): Promise<ContainerState> {
  const info = await docker.inspect<{ State: ContainerState }>('container', id);
  if (!info) throw new Error(`container ${id} is gone`);
  return info.State;
}

/** Polls the container's own HEALTHCHECK until `healthy`; fails early when it exits. */
export async function waitHealthy(docker: DockerClient, id: string, timeoutMs = 180_000): Promise<void> {
  await pollUntil(`container ${id.slice(0, 12)} healthy`, async () => {
    const s = await state(docker, id);
    // NotStarting ends the wait at once (any other throw is taken for a probe to try again). A
    // container the engine is restarting by its policy may still come up: the wait goes on.
    if (!s.Running && !s.Restarting) throw new NotStarting(`container exited ${s.ExitCode}`);
    return (await docker.out(['inspect', '--format', '{{.State.Health.Status}}', id])) === 'healthy';
  }, timeoutMs, 500).catch(async (err: unknown) => {
    // Keep the reason (a failed check's output, or the app's last words) in the failure.
    const s = await state(docker, id).catch(() => undefined);
    const checks = s?.Health?.Log.map((l) => `${l.ExitCode}: ${l.Output.trim()}`).join('\n') ?? '';
    throw new Error(`${(err as Error).message}\nhealth log:\n${checks}\nlogs:\n${await logs(docker, id)}`);
  });
}

export async function logs(docker: DockerClient, id: string): Promise<string> {
  const r = await docker.run(['logs', id], { allowFailure: true });
  return (r.stdout + r.stderr).trim().split('\n').slice(-40).join('\n');
}

/** Runs `command` inside the running container (as its user, under its restrictions). */
export async function exec(docker: DockerClient, id: string, command: string[]): Promise<{ code: number; output: string }> {
  const r = await docker.run(['exec', id, ...command], { allowFailure: true, timeoutMs: 60_000 });
  return { code: r.code, output: (r.stdout + r.stderr).trim() };
}
