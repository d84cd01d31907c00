// The loopback stack's app replicas: how one is made (its folder, ports and environment), and
// the live list a rollout replaces slot by slot. A replica keeps its slot's name (app-1, ...)
// across a rollout, so metrics and logs stay comparable, but runs on new ports: the old one still
// serves while its replacement starts.
import { join } from 'node:path';
import { hostPort } from '../topology/addressing.js';
import type { AppBuild } from './app-build.js';
import type { ComponentName } from '../topology/names.js';
import type { LoopbackAddressing } from './addressing.js';
import { appReplica } from './components.js';
import type { RolloutReplica } from './rollout.js';
import type { CommandServer } from './servers/command.js';
import { freePorts } from './servers/ports.js';

export interface Replica extends RolloutReplica {
  readonly server: CommandServer;
  readonly httpPort: number;
  readonly metricsPort: number;
}

export interface ReplicaMakerOptions {
  /** The stack's folder; each replica keeps its files in a folder of its own below it. */
  dir: string;
  /** The environment every replica shares (the app's config, secrets resolved). */
  env: Record<string, string>;
  /** Set last: a caller's overrides (e.g. a benchmark's). */
  extraEnv?: Record<string, string> | undefined;
  /** The release a replica made now runs (a rollout moves it to a new build). */
  release: () => AppBuild;
}

export type MakeReplica = (o: { name: string; generation: number; httpPort: number; metricsPort: number; readyPath?: string }) => Replica;

export function replicaMaker(m: ReplicaMakerOptions): MakeReplica {
  return ({ name, generation, httpPort, metricsPort, readyPath }) => {
    const server = appReplica({
      name,
      // Generation 0 keeps the folder it always had; a replacement gets its own, so two
      // processes never write one log at once.
      dir: join(m.dir, generation === 0 ? name : `${name}.${generation}`),
      port: httpPort,
      readyPath,
      run: m.release().command('main'),
      env: {
        ...m.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(httpPort),
        METRICS_PORT: String(metricsPort),
        TRUST_PROXY: '127.0.0.1',
        // Its tests' webhook receivers listen on 127.0.0.1 (api-contract: the loopback placement allows private targets).
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        ...m.extraEnv,
      },
    });
    return { name, server, httpPort, metricsPort, upstream: hostPort({ host: '127.0.0.1', port: httpPort }), stop: () => server.stop() };
  };
}

/** A replacement for `old`: the next generation on two new free ports, ready once /ready answers 200. */
export async function startReplacement(
  make: MakeReplica, old: Replica, generation: number, track: (server: CommandServer) => void,
): Promise<Replica> {
  const [httpPort, metricsPort] = (await freePorts(2)) as [number, number];
  const next = make({ name: old.name, generation, httpPort, metricsPort, readyPath: '/ready' });
  // Tracked before it starts, so whoever stops the stack stops it too, ready or not.
  track(next.server);
  await next.server.start();
  return next;
}

/**
 * The stack's addressing with the app's ports read from the live replica list, so renderers
 * (nginx upstreams, Prometheus targets) always see the replicas in service now.
 */
export function liveAddressing(addr: LoopbackAddressing, replicas: () => readonly Replica[]): LoopbackAddressing {
  const port = (component: ComponentName, name: string, instance = 0): number => {
    if (component !== 'app') return addr.port(component, name, instance);
    const r = replicas()[instance];
    if (!r) throw new Error(`no app replica #${instance}`);
    if (name === 'http') return r.httpPort;
    if (name === 'metrics') return r.metricsPort;
    throw new Error(`app has no port named ${name}`);
  };
  return { port, endpoint: (component, name, instance = 0) => ({ host: '127.0.0.1', port: port(component, name, instance) }) };
}
