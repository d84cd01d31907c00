// The Docker placement's whole resource graph (the dev stack's mock run), created on a real
// engine with the arguments the program gives the provider: every network, volume and
// container, in the program's order, with the app image built here, the nginx stand-in, and the
// tier's base image standing in for upstream images that cannot be pulled (nothing is started
// here, so only the arguments matter: the engine validates them at create). Then the engine's
// own record of each container is read the way the provider reads it back and compared with
// readback.ts's model: what a second `up` would diff against.
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../placements/docker/readback.js';
import { runProgram, type MockRun } from '../test/pulumi-mocks.js';
import { engine } from './containers.js';
import { createFromGraph, createNetworksAndVolumes, plain, removeNetworksAndVolumes } from './from-graph.js';
import { readBackProblems } from './readback-check.js';
import { engineStackConfig } from './subnet.js';
import { ensureNginxStandIn } from './nginx-image.js';

let run: MockRun;
const made = { containers: [] as string[], volumes: [] as string[], networks: [] as string[] };

afterAll(async () => {
  const { docker } = engine();
  for (const id of made.containers) await docker.run(['rm', '-f', id], { allowFailure: true });
  await removeNetworksAndVolumes(docker, made);
});

describe('the Docker placement\'s graph on an engine', () => {
  it('creates every network, volume and container of the dev stack with the graph\'s exact arguments', async () => {
    const { docker, image: appImage, baseImage } = engine();
    const nginxImage = await ensureNginxStandIn(docker, baseImage);
    run = await runProgram('dev', engineStackConfig({ 'shortstack:replicas': '2' }));
    const imageFor = (ref: string) => (ref.includes('shortstack-app') ? appImage : ref.includes('nginx') ? nginxImage : baseImage);

    await createNetworksAndVolumes(docker, run, made);
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
      problems.push(...await readBackProblems(docker, plain(c.inputs) as ContainerSpec & Record<string, any>, c.name, binds));
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
