// The two ceilings, run by the same nginx binary and the same rendered config as the stack:
// 1. nginx answering a static 302 itself; 2. nginx in front of N bare Fastify processes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNginxConf, dirNginxPaths } from '../../infra/render/nginx.js';
import { nginxServer, tsxCommand } from '../../infra/loopback/components.js';
import { CommandServer } from '../../infra/loopback/servers/command.js';
import { freePorts } from '../../infra/loopback/servers/ports.js';
import { frontDoorPolicy } from '../../infra/topology/components/edge.js';
import { parseStackConfig } from '../../infra/topology/config.js';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';

export interface Running {
  url: string;
  stop(): Promise<void>;
}

function nginxConf(dir: string, port: number, statusPort: number, upstreams: string[]): string {
  return renderNginxConf({
    listen: { host: '127.0.0.1', port },
    statusListen: { host: '127.0.0.1', port: statusPort },
    statusAllow: ['127.0.0.1'],
    upstreams,
    policy: frontDoorPolicy(parseStackConfig(LOAD_GENERATOR_STACK_CONFIG)),
    paths: dirNginxPaths(dir),
    // As the loopback stack runs it: one worker.
    workerProcesses: 1,
  });
}

/** The stack's nginx.conf with the proxying location answering a 302 itself. */
export function staticRedirectConf(conf: string, location: string): string {
  const proxy = 'proxy_pass http://app;';
  if (!conf.includes(proxy)) throw new Error('nginx.conf has no proxy_pass to replace: the renderer changed');
  // `return` ends the request in the rewrite phase, before any proxy directive applies.
  return conf.replace(proxy, `return 302 ${location};`);
}

async function startNginx(dir: string, conf: string, port: number): Promise<CommandServer> {
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const nginx = nginxServer({ dir, port, confFile });
  await nginx.start();
  return nginx;
}

export async function startStaticNginx(dir: string, location: string): Promise<Running> {
  const [port, status] = (await freePorts(2)) as [number, number];
  // The upstream is never contacted: every request is answered by `return`.
  const nginx = await startNginx(dir, staticRedirectConf(nginxConf(dir, port, status, ['127.0.0.1:9']), location), port);
  return { url: `http://127.0.0.1:${port}`, stop: () => nginx.stop() };
}

export async function startProxyCeiling(dir: string, replicas: number, linkPrefix: string, linkCount: number): Promise<Running> {
  const [port, status, ...appPorts] = await freePorts(2 + replicas);
  const bare = appPorts.map((p, i) => new CommandServer({
    name: `bare-${i + 1}`, port: p, ...tsxCommand('loadtest/bench/bare-server.ts'), dir: join(dir, `bare-${i + 1}`),
    env: { ...process.env, PORT: String(p), LINK_PREFIX: linkPrefix, LINK_COUNT: String(linkCount) },
    readyPath: '/health',
  }));
  await Promise.all(bare.map((b) => b.start()));
  const nginx = await startNginx(join(dir, 'nginx'), nginxConf(join(dir, 'nginx'), port!, status!, appPorts.map((p) => `127.0.0.1:${p}`)), port!);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await nginx.stop();
      await Promise.all(bare.map((b) => b.stop()));
    },
  };
}
