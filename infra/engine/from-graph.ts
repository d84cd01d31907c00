// A container of the Docker placement's mock graph, created on a real engine with the arguments
// the program gives @pulumi/docker, through the CLI: what the provider would send the engine
// (user, read-only root, tmpfs, capabilities, security options, pid and network modes, limits,
// mounts, labels, entrypoint and command), and its uploads copied in before it starts, extracted
// at "/" as the provider does (which a read-only root refuses).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DockerClient } from './docker.js';

/** The ContainerArgs fields this translation knows; anything else in the graph is refused. */
const KNOWN = new Set([
  'name', 'image', 'hostname', 'entrypoints', 'command', 'envs', 'user', 'readOnly', 'tmpfs', 'mounts', 'networksAdvanced',
  'networkMode', 'pidMode', 'ports', 'healthcheck', 'wait', 'waitTimeout', 'restart', 'mustRun', 'attach', 'logs', 'start',
  'memory', 'memorySwap', 'cpus', 'ulimits', 'capabilities', 'securityOpts', 'labels', 'logDriver', 'logOpts',
  'stopTimeout', 'destroyGraceSeconds', 'uploads',
]);

export interface EngineOverrides {
  /** The image to run instead of the graph's (a stand-in or a locally built one). */
  image: string;
  name: string;
  /** The graph's networks, replaced (the engine tier runs on the host network). */
  network?: string;
  /** Volume names of the graph, renamed for this engine (unique per test). */
  volumes?: Record<string, string>;
  /** The graph's pid mode `container:<mock id>`, pointed at a real container. */
  pidMode?: string;
}

type Inputs = Record<string, any>;

/** `docker create` arguments for a container of the graph. */
export function createArgs(inputs: Inputs, o: EngineOverrides): string[] {
  const unknown = Object.keys(inputs).filter((k) => !KNOWN.has(k) && inputs[k] !== undefined);
  if (unknown.length > 0) throw new Error(`${o.name}: fields this translation does not apply: ${unknown.join(', ')}`);
  const a = ['--name', o.name];
  if (inputs.user) a.push('--user', inputs.user);
  if (inputs.readOnly) a.push('--read-only');
  for (const [path, opts] of Object.entries<string>(inputs.tmpfs ?? {})) a.push('--tmpfs', `${path}:${opts}`);
  for (const c of inputs.capabilities?.drops ?? []) a.push('--cap-drop', c);
  for (const c of inputs.capabilities?.adds ?? []) a.push('--cap-add', c);
  for (const s of inputs.securityOpts ?? []) a.push('--security-opt', s);
  if (inputs.pidMode) a.push('--pid', o.pidMode ?? inputs.pidMode);
  const network = inputs.networkMode ?? o.network;
  if (network) a.push('--network', network);
  for (const u of inputs.ulimits ?? []) a.push('--ulimit', `${u.name}=${u.soft}:${u.hard}`);
  for (const m of inputs.mounts ?? []) {
    const source = m.type === 'volume' ? (o.volumes?.[m.source] ?? m.source) : m.source;
    a.push('--mount', [`type=${m.type}`, `source=${source}`, `target=${m.target}`, ...(m.readOnly ? ['readonly'] : [])].join(','));
  }
  for (const e of inputs.envs ?? []) a.push('-e', e);
  for (const l of inputs.labels ?? []) a.push('--label', `${l.label}=${l.value}`);
  if (inputs.memory !== undefined) a.push('--memory', `${inputs.memory}m`);
  if (inputs.memorySwap !== undefined) a.push('--memory-swap', `${inputs.memorySwap}m`);
  if (inputs.cpus !== undefined) a.push('--cpus', inputs.cpus);
  if (inputs.stopTimeout !== undefined) a.push('--stop-timeout', String(inputs.stopTimeout));
  const [entry, ...entryRest] = inputs.entrypoints ?? [];
  if (entry !== undefined) a.push('--entrypoint', entry);
  return [...a, o.image, ...entryRest, ...(inputs.command ?? [])];
}

/** Creates the container, copies its uploads in (extracted at "/"), and returns its id. */
export async function createFromGraph(docker: DockerClient, inputs: Inputs, o: EngineOverrides): Promise<string> {
  const id = await docker.out(['create', ...createArgs(inputs, o)]);
  const uploads: Array<{ file: string; content: string; permissions?: string }> = inputs.uploads ?? [];
  if (uploads.length > 0) {
    const root = mkdtempSync(join(tmpdir(), 'uploads-'));
    try {
      for (const u of uploads) {
        const path = join(root, u.file);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, u.content);
        chmodSync(path, Number.parseInt(u.permissions ?? '0644', 8));
      }
      await docker.run(['cp', `${root}/.`, `${id}:/`]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return id;
}
