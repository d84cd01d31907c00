// Changing a network of an existing stack, on a real engine: what `pulumi up` meets when the
// backend network gains its bridge option (placements/docker/networks.ts), the engine called as
// the provider calls it. The network before is the graph's without the option (what the placement
// made until then), the network after is the graph's own; one member (the base image, asleep)
// keeps a file in the graph's PostgreSQL data volume. It shows why the placement replaces a
// network delete-before-create, its containers first (README, "Changing a network"):
// - a new network beside the old one is refused, under the old name or a new one: the backend's
//   subnet is taken (the provider sends no duplicate-name check: only the subnet stops a second
//   network of the same name);
// - the old network cannot go while a member is attached, which the provider retries for 30 s and
//   then fails the `up` on: its containers must go first, as Pulumi orders them;
// - once they are gone the network is replaced, and they come back on it with the volume's data.
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { BRIDGE_OPTIONS } from '../placements/docker/networks.js';
import { runProgram } from '../test/pulumi-mocks.js';
import { engine } from './containers.js';
import { pollUntil } from './docker.js';
import { createNetwork, createVolume, plain } from './from-graph.js';
import { engineStackConfig } from './subnet.js';

const log = (m: string) => process.stderr.write(`[engine] ${m}\n`);
const made = { containers: [] as string[], networks: [] as string[], volumes: [] as string[] };

/** The engine's answer to POST /networks/create with the provider's fields (no CheckDuplicate). */
function createByApi(dockerHost: string, body: Record<string, unknown>): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: dockerHost.replace(/^unix:\/\//, ''), path: '/networks/create', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: text.trim() }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

afterAll(async () => {
  const { docker } = engine();
  for (const c of made.containers) await docker.run(['rm', '-f', c], { allowFailure: true });
  for (const n of made.networks) await docker.run(['network', 'rm', n], { allowFailure: true });
  for (const v of made.volumes) await docker.run(['volume', 'rm', '-f', v], { allowFailure: true });
});

describe('the backend network of a running stack gains its bridge option', () => {
  it('cannot be replaced beside the old one nor under its members; replaced after them, the data stays', async () => {
    const { docker, baseImage } = engine();
    const run = await runProgram('dev', engineStackConfig({}));
    const after = plain(run.byType('docker:index/network:Network').find((n) => n.name === 'backend')!.inputs) as Record<string, any>;
    expect(after.options).toEqual({ [BRIDGE_OPTIONS.noHostAddress]: 'true' });
    const before: Record<string, any> = { ...after, options: undefined };
    const data = plain(run.byType('docker:index/volume:Volume').find((v) => v.inputs.name === 'shortstack-dev-postgres-data')!.inputs) as Record<string, any>;

    await createNetwork(docker, before);
    made.networks.push(before.name);
    await createVolume(docker, data);
    made.volumes.push(data.name);
    const member = 'shortstack-dev-network-upgrade-member';
    made.containers.push(member);
    await docker.run(['run', '-d', '--name', member, '--network', before.name, '--mount', `type=volume,source=${data.name},target=/data`,
      baseImage, 'sh', '-c', 'echo kept > /data/row && exec sleep 600'], { timeoutMs: 300_000 });
    await pollUntil('the member\'s row in the volume', async () => (await docker.run(['exec', member, 'cat', '/data/row'], { allowFailure: true })).stdout.trim() === 'kept', 60_000, 250);

    // Create-before-delete: a second network on the subnet, named as the old one or anew.
    const api = { Driver: after.driver, Internal: after.internal, Options: after.options, IPAM: { Config: [{ Subnet: after.ipamConfigs[0].subnet }] } };
    made.networks.push(`${after.name}-next`);
    const beside = await Promise.all([after.name, `${after.name}-next`].map((Name: string) => createByApi(docker.host, { Name, ...api })));
    log(`a second network beside ${before.name}: ${beside.map((r) => `${r.status} ${r.message}`).join('; ')}`);
    expect(beside.map((r) => r.status)).toEqual([403, 403]);
    for (const r of beside) expect(r.message).toMatch(/overlaps/);
    expect((await docker.out(['network', 'ls', '--filter', `name=${after.name}`, '--format', '{{.Name}}'])).split('\n')).toEqual([after.name]);

    // The old network under a member.
    const rm = await docker.run(['network', 'rm', before.name], { allowFailure: true });
    log(`network rm under a member: ${rm.code} ${rm.stderr.trim()}`);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/has active endpoints/);

    // Delete-before-create: the member, the network; then the network, the member.
    await docker.run(['rm', '-f', member]);
    await docker.run(['network', 'rm', before.name]);
    await createNetwork(docker, after);
    const read = await docker.out(['run', '--rm', '--network', after.name, '--mount', `type=volume,source=${data.name},target=/data`, baseImage, 'cat', '/data/row'], { timeoutMs: 300_000 });
    expect(read).toBe('kept');
    const [record] = JSON.parse(await docker.out(['network', 'inspect', after.name])) as Array<{ Options: Record<string, string>; IPAM: { Config: Array<{ Subnet: string }> } }>;
    expect(record!.Options).toEqual(after.options);
    expect(record!.IPAM.Config.map((c) => c.Subnet)).toEqual([after.ipamConfigs[0].subnet]);
  });
});
