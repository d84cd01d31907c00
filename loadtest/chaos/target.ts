// What a chaos scenario acts on: the loopback stack's managed servers, or a Docker stack's
// containers by name (`docker kill|stop|start`). The scenarios only see this interface.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import type { LoopbackStack } from '../../infra/loopback/stack.js';
import type { DrillTarget } from './restore-drill.js';

export const COMPONENTS = ['replica', 'redis', 'postgres', 'pgbouncer'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ChaosTarget {
  url: string;
  adminKey: string;
  /** Straight to PostgreSQL, for the after-the-fact checks (clicks, created links); optional on Docker. */
  directDatabaseUrl?: string | undefined;
  /** The name of the thing a fault on this component hits (app-1, redis, ...). */
  nameOf(c: Component): string;
  /** SIGKILL: the crash. */
  kill(c: Component): Promise<void>;
  /** Graceful stop (SIGTERM, or the server's own graceful signal). */
  stop(c: Component): Promise<void>;
  /** Start again; resolves once it is ready. */
  start(c: Component): Promise<void>;
  /** Replace every app replica in turn with a new one, the way a deploy does; resolves when the last is replaced. */
  rollout(): Promise<void>;
  /** Whether every app replica is up (no replica restarted or died); undefined when it cannot tell. */
  replicasUp(): Promise<boolean | undefined>;
  /** Backups and the destruction of PostgreSQL's data, for the restore drill; loopback only. */
  drill?: DrillTarget;
}

export function loopbackTarget(stack: LoopbackStack): ChaosTarget {
  const server = (c: Component) => (c === 'replica' ? stack.replicas[0]! : stack.services[c]);
  return {
    url: stack.url,
    adminKey: stack.adminKey,
    directDatabaseUrl: stack.directDatabaseUrl,
    nameOf: (c) => server(c).name,
    kill: (c) => server(c).kill(),
    stop: (c) => server(c).stop(),
    start: (c) => server(c).start(),
    rollout: async () => {
      await stack.rollout();
    },
    replicasUp: async () => stack.replicas.every((r) => r.isRunning()),
    drill: {
      takeBackup: () => stack.backups.take('full'),
      destroyData: async () => {
        await stack.services.postgres.kill();
        rmSync(stack.backups.dataDir, { recursive: true, force: true });
      },
      restoreTo: async (at, log) => {
        await stack.backups.restore({ kind: 'time', at }, { log });
      },
    },
  };
}

export interface DockerTargetOptions {
  url: string;
  adminKey: string;
  directDatabaseUrl?: string | undefined;
  /** Container name per component, e.g. { replica: 'shortstack-app-1', redis: 'shortstack-redis' }. */
  containers: Partial<Record<Component, string>>;
  /** Every app replica's container, for the no-restart check. */
  replicaContainers?: string[];
  /** How long a started container may take to accept traffic again. */
  startWaitMs?: number;
}

const run = promisify(execFile);

export function dockerTarget(o: DockerTargetOptions): ChaosTarget {
  const name = (c: Component) => {
    const n = o.containers[c];
    if (!n) throw new Error(`no container named for ${c}: pass --container ${c}=NAME`);
    return n;
  };
  const docker = async (...args: string[]) => {
    await run('docker', args, { timeout: 60_000 });
  };
  return {
    url: o.url,
    adminKey: o.adminKey,
    directDatabaseUrl: o.directDatabaseUrl,
    nameOf: name,
    kill: (c) => docker('kill', '--signal', 'KILL', name(c)),
    stop: (c) => docker('stop', name(c)),
    start: async (c) => {
      await docker('start', name(c));
      // A container is "started" before its server listens; the health check decides after that.
      await new Promise((r) => setTimeout(r, o.startWaitMs ?? 3000));
    },
    // A Docker stack's rollout is `pulumi up` with a new image, not something a container command does.
    rollout: () => Promise.reject(new Error('the rollout scenario runs on the loopback stack only (no --url)')),
    replicasUp: async () => {
      if (!o.replicaContainers?.length) return undefined;
      const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Running}} {{.RestartCount}}', ...o.replicaContainers]);
      return stdout.trim().split('\n').every((l) => l === 'true 0');
    },
  };
}

/** Parses repeated `--container component=name` flags. */
export function parseContainers(pairs: readonly string[]): Partial<Record<Component, string>> {
  const out: Partial<Record<Component, string>> = {};
  for (const pair of pairs) {
    const [c, n] = pair.split('=', 2);
    if (!c || !n || !(COMPONENTS as readonly string[]).includes(c)) {
      throw new Error(`--container expects COMPONENT=NAME with COMPONENT one of ${COMPONENTS.join(', ')}; got ${pair}`);
    }
    out[c as Component] = n;
  }
  return out;
}
