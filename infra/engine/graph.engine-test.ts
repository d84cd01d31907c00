// The Docker placement's whole resource graph (the dev stack's mock run), created on a real
// engine with the arguments the program gives the provider: every network, volume and
// container, in the program's order, with the app image built here, the nginx stand-in, and the
// tier's base image standing in for upstream images that cannot be pulled (nothing is started
// here, so only the arguments matter: the engine validates them at create). Then the engine's
// own record of each container is read the way the provider reads it back and compared with
// readback.ts's model: what a second `up` would diff against.
import { afterAll, describe, expect, it } from 'vitest';
import { readBack, nanoInt64ToDecimalString, type ContainerSpec } from '../placements/docker/readback.js';
import { runProgram, type MockRun } from '../test/pulumi-mocks.js';
import { engine } from './containers.js';
import { createFromGraph } from './from-graph.js';
import { ensureNginxStandIn } from './nginx-image.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
/** The mock graph's inputs with every secret wrapper removed (the engine gets the values). */
const plain = (v: any): any => {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return SECRET_SIG in v ? plain(v.value) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const MiB = 1024 * 1024;

interface Inspected {
  Id: string;
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean; CapAdd: string[] | null; CapDrop: string[] | null; SecurityOpt: string[] | null;
    Memory: number; MemorySwap: number; NanoCpus: number; PidMode: string; NetworkMode: string;
    Tmpfs: Record<string, string> | null; Ulimits: Array<{ Name: string; Soft: number; Hard: number }> | null;
    RestartPolicy: { Name: string };
  };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
}

let run: MockRun;
const made = { containers: [] as string[], volumes: [] as string[], networks: [] as string[] };

afterAll(async () => {
  const { docker } = engine();
  for (const id of made.containers) await docker.run(['rm', '-f', id], { allowFailure: true });
  for (const v of made.volumes) await docker.run(['volume', 'rm', '-f', v], { allowFailure: true });
  for (const n of made.networks) await docker.run(['network', 'rm', n], { allowFailure: true });
});

describe('the Docker placement\'s graph on an engine', () => {
  it('creates every network, volume and container of the dev stack with the graph\'s exact arguments', async () => {
    const { docker, image: appImage, baseImage } = engine();
    const nginxImage = await ensureNginxStandIn(docker, baseImage);
    run = await runProgram('dev', { 'shortstack:replicas': '2' });
    const imageFor = (ref: string) => (ref.includes('shortstack-app') ? appImage : ref.includes('nginx') ? nginxImage : baseImage);

    for (const n of run.byType('docker:index/network:Network').map((r) => plain(r.inputs))) {
      const args = ['network', 'create', '--driver', n.driver, ...(n.internal ? ['--internal'] : [])];
      for (const c of n.ipamConfigs ?? []) args.push('--subnet', c.subnet);
      for (const [k, v] of Object.entries<string>(n.options ?? {})) args.push('-o', `${k}=${v}`);
      for (const l of n.labels ?? []) args.push('--label', `${l.label}=${l.value}`);
      await docker.run([...args, n.name]);
      made.networks.push(n.name);
    }
    for (const v of run.byType('docker:index/volume:Volume').map((r) => plain(r.inputs))) {
      await docker.run(['volume', 'create', ...(v.labels ?? []).flatMap((l: { label: string; value: string }) => ['--label', `${l.label}=${l.value}`]), v.name]);
      made.volumes.push(v.name);
    }
    // The program's order is the dependency order; a pid mode names a container made before.
    const realIds = new Map<string, string>();
    const containers = run.byType('docker:index/container:Container');
    for (const c of containers) {
      const inputs = plain(c.inputs);
      const pidMode = inputs.pidMode?.replace(/^container:(.+)$/, (_: string, mock: string) => `container:${realIds.get(mock)}`);
      const id = await createFromGraph(docker, inputs, {
        image: imageFor(inputs.image), name: inputs.name, pidMode,
        // The socket proxy mounts the engine's socket: this engine's.
        binds: { '/var/run/docker.sock': docker.host.replace(/^unix:\/\//, '') },
      });
      realIds.set(`${c.name}-id`, id);
      made.containers.push(id);
    }
    expect(made.containers.length).toBe(containers.length);
    expect(containers.length).toBeGreaterThan(25);
  });

  it('reads back every container as the provider model says: a second `up` diffs against exactly that', async () => {
    const { docker } = engine();
    const problems: string[] = [];
    // The engine's socket path, read as the graph's (the bind the first test moved).
    const binds: Record<string, string> = { [docker.host.replace(/^unix:\/\//, '')]: '/var/run/docker.sock' };
    for (const c of run.byType('docker:index/container:Container')) {
      const sent = plain(c.inputs) as ContainerSpec & Record<string, any>;
      const model = readBack(sent);
      const got = (await docker.inspect<Inspected>('container', sent.name))!;
      const h = got.HostConfig;
      const same = (what: string, engineValue: unknown, expected: unknown) => {
        if (JSON.stringify(engineValue) !== JSON.stringify(expected)) problems.push(`${c.name} ${what}: engine ${JSON.stringify(engineValue)}, model ${JSON.stringify(expected)}`);
      };
      // The provider suppresses a diff when `user` is unset (the image's default user reads back).
      if (sent.user !== undefined) same('user', got.Config.User, sent.user);
      same('read-only root', h.ReadonlyRootfs, sent.readOnly === true);
      same('capabilities', { adds: h.CapAdd ?? [], drops: h.CapDrop ?? [] }, model.capabilities ?? { adds: [], drops: [] });
      same('security options', h.SecurityOpt ?? [], sent.securityOpts ?? []);
      same('memory', h.Memory / MiB, model.memory);
      same('memory swap', h.MemorySwap > 0 ? h.MemorySwap / MiB : h.MemorySwap, model.memorySwap);
      if (sent.cpus !== undefined) same('cpus', nanoInt64ToDecimalString(BigInt(h.NanoCpus)), model.cpus);
      same('process limit', (h.Ulimits ?? []).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`),
        (sent.ulimits ?? []).map((u: { name: string; soft: number; hard: number }) => `${u.name}=${u.soft}:${u.hard}`));
      same('tmpfs', h.Tmpfs ?? {}, sent.tmpfs ?? {});
      same('restart', h.RestartPolicy.Name, model.restart);
      same('pid namespace', h.PidMode.startsWith('container:'), (sent.pidMode ?? '').startsWith('container:'));
      same('mounts', got.Mounts.map((m) => `${m.Type}:${m.Type === 'volume' ? m.Name : binds[m.Source] ?? m.Source}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort(),
        (model.mounts ?? []).map((m) => `${m.type}:${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`).sort());
      for (const l of sent.labels ?? []) same(`label ${l.label}`, got.Config.Labels[l.label], l.value);
      for (const n of sent.networksAdvanced ?? []) {
        const joined = got.NetworkSettings.Networks[n.name];
        same(`network ${n.name}`, joined !== undefined && (n.aliases ?? []).every((a: string) => (joined.Aliases ?? []).includes(a)), true);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses an upload into a read-only container, which is why config files go through seeders', async () => {
    const { docker } = engine();
    const redis = plain(run.container('redis').inputs);
    expect(redis.readOnly).toBe(true);
    const r = await docker.run(['cp', '/etc/hostname', `${redis.name}:/`], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/read-only/i);
    // Its seeder took the same files (createFromGraph copied them in above, or it threw).
    expect(plain(run.container('redis-config').inputs).uploads.length).toBeGreaterThan(0);
  });
});
