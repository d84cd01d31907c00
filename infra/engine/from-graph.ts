// A container of the Docker placement's mock graph, created on a real engine with the arguments
// the program gives @pulumi/docker, through the CLI: what the provider would send the engine
// (user, read-only root, tmpfs, capabilities, security options, pid and network modes, limits,
// mounts, networks and aliases, labels, restart policy, entrypoint and command), and its uploads
// copied in before it starts, extracted at "/" with their modes and owners as the provider does
// (which a read-only root refuses), health checks, and published ports (host ports movable, for a shared machine).
// Health checks differ in one way: the CLI stores every test as a shell command (CMD-SHELL), so
// an exec-form test (CMD) runs through `sh -c` with its arguments quoted.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DockerClient } from './docker.js';
import type { MockRun } from '../test/pulumi-mocks.js';

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
  /** Host paths of bind mounts, moved (the engine tier's Docker socket is not /var/run/docker.sock). */
  binds?: Record<string, string>;
  /** Published host ports, moved (the graph's may be taken on a shared machine): graph port -> port. */
  hostPorts?: Record<number, number>;
}

type Inputs = Record<string, any>;

/** Pulumi's marker of a secret value in the inputs the mocks record. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
/** The mock graph's inputs with every secret wrapper removed (the engine gets the values). */
export const plain = (v: any): any => {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return SECRET_SIG in v ? plain(v.value) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};

/** `docker network create` with a Network's arguments (driver, internal, subnets, options, labels). */
export async function createNetwork(docker: DockerClient, n: Inputs): Promise<void> {
  const args = ['network', 'create', '--driver', n.driver, ...(n.internal ? ['--internal'] : [])];
  for (const c of n.ipamConfigs ?? []) args.push('--subnet', c.subnet);
  for (const [k, v] of Object.entries<string>(n.options ?? {})) args.push('-o', `${k}=${v}`);
  for (const l of n.labels ?? []) args.push('--label', `${l.label}=${l.value}`);
  await docker.run([...args, n.name]);
}

/** `docker volume create` with a Volume's arguments. */
export async function createVolume(docker: DockerClient, v: Inputs): Promise<void> {
  await docker.run(['volume', 'create', ...(v.labels ?? []).flatMap((l: { label: string; value: string }) => ['--label', `${l.label}=${l.value}`]), v.name]);
}

/** What a test made on the engine, to remove at its end. */
export interface Made { networks: string[]; volumes: string[] }

/** The graph's networks and volumes (those `keep` passes), created and recorded in `made`. */
export async function createNetworksAndVolumes(docker: DockerClient, run: MockRun, made: Made, keep: (name: string) => boolean = () => true): Promise<void> {
  for (const n of run.byType('docker:index/network:Network').map((r) => plain(r.inputs)).filter((n) => keep(n.name))) {
    await createNetwork(docker, n);
    made.networks.push(n.name);
  }
  for (const v of run.byType('docker:index/volume:Volume').map((r) => plain(r.inputs)).filter((v) => keep(v.name))) {
    await createVolume(docker, v);
    made.volumes.push(v.name);
  }
}

/** Removes what createNetworksAndVolumes made (its containers already gone). */
export async function removeNetworksAndVolumes(docker: DockerClient, made: Made): Promise<void> {
  for (const v of made.volumes) await docker.run(['volume', 'rm', '-f', v], { allowFailure: true });
  for (const n of made.networks) await docker.run(['network', 'rm', n], { allowFailure: true });
}

/**
 * The networks to join: the network mode, the override, or the graph's networks (the first at
 * create, the rest connected before the container starts), each with its aliases.
 */
function networksOf(inputs: Inputs, o: EngineOverrides): Array<{ name: string; aliases: string[] }> {
  if (inputs.networkMode) return [{ name: inputs.networkMode, aliases: [] }];
  if (o.network) return [{ name: o.network, aliases: [] }];
  return (inputs.networksAdvanced ?? []).map((n: { name: string; aliases?: string[] }) => ({ name: n.name, aliases: n.aliases ?? [] }));
}

/** An argument, quoted for `sh -c` (single quotes, any inner one closed and escaped). */
const shQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

/** The CLI's health check flags for the graph's `healthcheck` (tests NONE: none at all, not even the image's). */
function healthArgs(h: { tests: string[]; interval?: string; timeout?: string; startPeriod?: string; retries?: number }): string[] {
  const [kind, ...rest] = h.tests;
  if (kind === 'NONE') return ['--no-healthcheck'];
  const cmd = kind === 'CMD-SHELL' ? rest.join(' ') : kind === 'CMD' ? rest.map(shQuote).join(' ') : undefined;
  if (cmd === undefined) throw new Error(`health check of an unknown kind: ${kind}`);
  const a = ['--health-cmd', cmd];
  // 0s is the provider's "unset" (the engine's default), which the CLI refuses as a value.
  if (h.interval && h.interval !== '0s') a.push('--health-interval', h.interval);
  if (h.timeout && h.timeout !== '0s') a.push('--health-timeout', h.timeout);
  if (h.startPeriod && h.startPeriod !== '0s') a.push('--health-start-period', h.startPeriod);
  if (h.retries) a.push('--health-retries', String(h.retries));
  return a;
}

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
  const [first] = networksOf(inputs, o);
  if (first) {
    a.push('--network', first.name);
    for (const alias of first.aliases) a.push('--network-alias', alias);
  }
  if (inputs.restart) a.push('--restart', inputs.restart);
  for (const u of inputs.ulimits ?? []) a.push('--ulimit', `${u.name}=${u.soft}:${u.hard}`);
  for (const m of inputs.mounts ?? []) {
    const source = m.type === 'volume' ? (o.volumes?.[m.source] ?? m.source) : (o.binds?.[m.source] ?? m.source);
    a.push('--mount', [`type=${m.type}`, `source=${source}`, `target=${m.target}`, ...(m.readOnly ? ['readonly'] : [])].join(','));
  }
  for (const e of inputs.envs ?? []) a.push('-e', e);
  for (const l of inputs.labels ?? []) a.push('--label', `${l.label}=${l.value}`);
  if (inputs.memory !== undefined) a.push('--memory', `${inputs.memory}m`);
  if (inputs.memorySwap !== undefined) a.push('--memory-swap', `${inputs.memorySwap}m`);
  if (inputs.cpus !== undefined) a.push('--cpus', inputs.cpus);
  if (inputs.stopTimeout !== undefined) a.push('--stop-timeout', String(inputs.stopTimeout));
  if (inputs.healthcheck) a.push(...healthArgs(inputs.healthcheck));
  for (const p of inputs.ports ?? []) {
    a.push('--publish', `${p.ip ? `${p.ip}:` : ''}${o.hostPorts?.[p.external] ?? p.external}:${p.internal}/${p.protocol ?? 'tcp'}`);
  }
  const [entry, ...entryRest] = inputs.entrypoints ?? [];
  if (entry !== undefined) a.push('--entrypoint', entry);
  return [...a, o.image, ...entryRest, ...(inputs.command ?? [])];
}

/** Creates the container, copies its uploads in (extracted at "/"), and returns its id. */
export async function createFromGraph(docker: DockerClient, inputs: Inputs, o: EngineOverrides): Promise<string> {
  const id = await docker.out(['create', ...createArgs(inputs, o)]);
  for (const n of networksOf(inputs, o).slice(1)) {
    await docker.run(['network', 'connect', ...n.aliases.flatMap((a) => ['--alias', a]), n.name, id]);
  }
  const uploads: Array<{ file: string; content: string; permissions?: string; owner?: string; group?: string }> = inputs.uploads ?? [];
  if (uploads.length > 0) {
    // The provider's upload: one tar of file entries alone, each with its mode, uid and gid,
    // extracted at "/" (parent folders the engine creates as root). `docker cp -` takes it as is.
    const root = mkdtempSync(join(tmpdir(), 'uploads-'));
    try {
      for (const u of uploads) {
        const path = join(root, u.file);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, u.content);
        chmodSync(path, Number.parseInt(u.permissions ?? '0644', 8));
        chownSync(path, Number(u.owner ?? 0), Number(u.group ?? 0));
      }
      const tar = execFileSync('tar', ['--numeric-owner', '--no-recursion', '-cf', '-', '-C', root, ...uploads.map((u) => u.file.replace(/^\/+/, ''))], { maxBuffer: 256 * 1024 * 1024 });
      await docker.run(['cp', '-', `${id}:/`], { input: tar });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return id;
}
