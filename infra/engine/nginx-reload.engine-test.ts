// A new nginx config on Docker, applied as the placement applies it, on a real engine: nginx,
// its config one-shot and its signal one-shot created with the arguments of the Docker
// placement's mock graph (user, read-only root, capabilities, pid namespace, mounts, uploads),
// on a stand-in nginx image (see nginx-image.ts). Requests run through nginx the whole time,
// one of them slow enough to be in flight at the reload.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../loopback/servers/ports.js';
import { PORTS } from '../topology/names.js';
import { runProgram, type MockRun } from '../test/pulumi-mocks.js';
import { engine, logs, uniqueName } from './containers.js';
import { pollUntil } from './docker.js';
import { createFromGraph, plain } from './from-graph.js';
import { before1273, ensureNginxStandIn } from './nginx-image.js';

const LIVE_VOLUME = 'shortstack-dev-nginx-config';

let image: string;
let port: number;
let statusPort: number;
let backendPort: number;
let backend: http.Server;
let volume: string;
let nginxId: string;
const created: string[] = [];

/** The graph's container, its nginx.conf pointed at this test's ports and backend (no `app` here). */
function adapted(run: MockRun, instance: string): Record<string, any> {
  const inputs = { ...run.container(instance).inputs };
  if (inputs.uploads) {
    inputs.uploads = plain(inputs.uploads).map((u: { file: string; content: string }) => ({
      ...u,
      content: before1273(u.content)
        .replace(/server app:\d+[^;]*;/, `server 127.0.0.1:${backendPort};`)
        .replaceAll(`listen ${PORTS.nginx.http}`, `listen 127.0.0.1:${port}`)
        .replaceAll(`listen ${PORTS.nginx.status}`, `listen 127.0.0.1:${statusPort}`),
    }));
  }
  delete inputs.networksAdvanced;
  delete inputs.ports;
  return inputs;
}

async function oneShot(inputs: Record<string, any>, extra: { pidMode?: string } = {}): Promise<{ code: number; output: string }> {
  const { docker } = engine();
  const id = await createFromGraph(docker, inputs, { image, name: uniqueName('oneshot'), network: 'host', volumes: { [LIVE_VOLUME]: volume }, ...extra });
  created.push(id);
  const r = await docker.run(['start', '-a', id], { allowFailure: true, timeoutMs: 120_000 });
  const code = Number(await docker.out(['inspect', '--format', '{{.State.ExitCode}}', id]));
  return { code, output: r.stdout + r.stderr };
}

/** nginx's processes as the host sees them: the master (pid 1 in the container) and its workers. */
async function processes(): Promise<{ master: string | undefined; workers: string[] }> {
  const lines = (await engine().docker.out(['top', nginxId, '-eo', 'pid,args'])).split('\n').slice(1);
  const pids = (what: string) => lines.filter((l) => l.includes(what)).map((l) => l.trim().split(/\s+/)[0]!);
  return { master: pids('master process')[0], workers: pids('worker process') };
}

const get = (path: string) => new Promise<number>((resolve) => {
  const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  });
  req.on('error', () => resolve(0));
});

beforeAll(async () => {
  const { docker, baseImage } = engine();
  image = await ensureNginxStandIn(docker, baseImage, (m) => process.stderr.write(`[engine] ${m}\n`));
  [port, statusPort, backendPort] = (await freePorts(3)) as [number, number, number];
  backend = http.createServer((req, res) => {
    // /slow is still being answered when the reload happens: the old worker must finish it.
    setTimeout(() => res.end('ok'), req.url === '/slow' ? 3000 : 0);
  });
  await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
  volume = uniqueName('nginx-config');
  await docker.run(['volume', 'create', volume]);
});

afterAll(async () => {
  const { docker } = engine();
  for (const id of [...created, nginxId].filter(Boolean)) await docker.run(['rm', '-f', id], { allowFailure: true });
  await docker.run(['volume', 'rm', '-f', volume], { allowFailure: true });
  await new Promise((r) => backend?.close(r));
});

describe('nginx config reload on Docker (the placement\'s containers, a stand-in nginx image)', () => {
  it('starts nginx from a checked config, then applies a new one by SIGHUP: same container, new workers, no failed request', async () => {
    const { docker } = engine();
    const before = await runProgram('dev', { 'shortstack:replicas': '2' });
    const after = await runProgram('dev', { 'shortstack:replicas': '2', 'shortstack:nginx': JSON.stringify({ requestsPerSecondPerAddress: 150 }) });

    // First up: the config one-shot fills the volume, then nginx starts on it, read-only.
    const first = await oneShot(adapted(before, 'nginx-config'));
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('config applied: 1 files');
    nginxId = await createFromGraph(docker, adapted(before, 'nginx'), { image, name: uniqueName('nginx'), network: 'host', volumes: { [LIVE_VOLUME]: volume } });
    await docker.run(['start', nginxId]);
    await pollUntil('nginx to answer', async () => (await get('/abc')) === 200, 120_000, 250)
      .catch(async (err: unknown) => { throw new Error(`${(err as Error).message}\n${await logs(docker, nginxId)}`); });
    const startedAt = await docker.out(['inspect', '--format', '{{.State.StartedAt}}', nginxId]);
    const old = await processes();
    expect(old.workers.length).toBeGreaterThan(0);

    // Traffic the whole time: a steady trickle (under the per-address rate of both configs), and
    // one slow request in flight across the reload.
    let running = true;
    const statuses: number[] = [];
    const trickle = (async () => {
      while (running) {
        statuses.push(await get('/abc'));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const slow = get('/slow');
    await new Promise((r) => setTimeout(r, 300));

    const sync = await oneShot(adapted(after, 'nginx-config'));
    expect(sync.code, sync.output).toBe(0);
    expect((await docker.out(['exec', nginxId, 'cat', '/etc/shortstack/nginx.conf']))).toContain('rate=150r/s');
    const signal = await oneShot(adapted(after, 'nginx-reload'), { pidMode: `container:${nginxId}` });
    expect(signal.code, signal.output).toBe(0);
    // New workers under the same master: a reload, not a restart.
    await pollUntil('new nginx workers', async () => {
      const now = await processes();
      return now.workers.length > 0 && now.workers.every((w) => !old.workers.includes(w));
    }, 60_000, 200);
    expect((await processes()).master).toBe(old.master);
    expect(await slow).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await trickle;

    expect(await docker.out(['inspect', '--format', '{{.State.StartedAt}} {{.RestartCount}} {{.State.Running}}', nginxId]))
      .toBe(`${startedAt} 0 true`);
    process.stderr.write(`[engine] nginx reload under traffic: ${statuses.length} requests, ${statuses.filter((s) => s !== 200).length} failed; the one in flight: ${await slow}\n`);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('leaves nginx and its files alone when the new config fails nginx -t', async () => {
    const { docker } = engine();
    const run = await runProgram('dev', { 'shortstack:replicas': '2' });
    const broken = adapted(run, 'nginx-config');
    broken.uploads = broken.uploads.map((u: { content: string }) => ({ ...u, content: u.content.replace('http {', 'http { no_such_directive on;') }));
    const current = await docker.out(['exec', nginxId, 'cat', '/etc/shortstack/nginx.conf']);
    const r = await oneShot(broken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('unknown directive "no_such_directive"');
    expect(await docker.out(['exec', nginxId, 'cat', '/etc/shortstack/nginx.conf'])).toBe(current);
    expect(await get('/abc')).toBe(200);
  });
});
