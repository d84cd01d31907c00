// The Docker placement's dev graph STARTED on a real engine: every network, volume and container
// created from the mock graph's own arguments (from-graph.ts), then the front door's path
// started in the program's order, as `pulumi up` would: the seeders stay created (they only carry
// files), the one-shots run to completion and must exit 0 (set-db-password, migrate, nginx's
// config check and its reload signal), the services start and, where the graph waits for them,
// turn healthy by their own health checks (PostgreSQL, PgBouncer, Redis, two app replicas, nginx).
// The monitoring and logging containers (exporters, Prometheus, Alertmanager, Grafana, Loki,
// Alloy, the socket proxy) are created with their exact arguments but not started: their
// upstream images cannot be had here and the tier's base image stands in for them.
//
// Images: the app image is built from app/Dockerfile. Stand-ins, built from the tier's bookworm
// base with Debian's packages (each module says how it differs from upstream):
// - nginx-image.ts's NGINX_RESOLVE_RECIPE for nginx:1.28.0-alpine: Debian's current nginx (1.27.3
//   or later, from sid), so the rendered nginx.conf runs unchanged, `resolve` included;
// - postgres-image.ts for postgres:15.13-alpine: Debian's PostgreSQL 15, uid 70, an entrypoint
//   with the official one's contract (POSTGRES_PASSWORD_FILE, PGDATA, initdb, pg_hba);
// - pgbackrest-image.ts for the postgres-pgbackrest image PostgreSQL runs: its own Dockerfile on
//   that stand-in, Debian's pgbackrest for Alpine's;
// - pgbouncer-image.ts for edoburu/pgbouncer:v1.23.1-p2: PgBouncer 1.18 at /usr/bin/pgbouncer;
// - redis-image.ts for redis:7.2.5-alpine: Redis 7.0, uid 999 gid 1000.
// Health checks are the graph's, stored by the CLI as shell commands (from-graph.ts). nginx's
// published port is moved to a free one (the graph's 8080 may be taken on a shared machine).
//
// The backend network's isolation, shown on an engine that has no iptables rules to give it
// (MACHINE-NOTES.md): Docker 20.10 still gives a member of an `--internal` network a default route
// to the bridge's gateway, an address of the host, and without the graph's bridge option a
// container on the backend alone reached the host's published port and, the host forwarding,
// nginx's edge address (measured before the option). With it (`inhibit_ipv4`, placements/docker/
// networks.ts) the host holds no address on that bridge: the same container reaches its neighbours
// and nothing else, while the host still reaches nginx on its published port.
//
// The rollout under load (issue 19 item 3): replicas replaced create-before-delete while nginx
// follows the `app` name by `resolve` (Debian sid's nginx as the stand-in). Two defects of the
// mechanism made it lose a redirect in 2 runs of 5: a new replica is in the name before it
// listens, so nginx held its first refusals against it for the fail timeout; and nginx learns new
// addresses only at its next resolution. A stopping replica now serves on for the discovery
// drain (SHUTDOWN_DELAY_MS, infra/topology/components/app.ts) before it refuses anything. A
// third showed here with the drain alone: a gone replica's address, probed after its fail timeout,
// timed out while nginx's resolution dropped it, and least_conn refused the retry ("no live
// upstreams"); with `resolve` the fail timeout now lasts until that resolution (render/nginx.ts).
//
// Each run picks a backend subnet of its own (subnet.ts): another engine on the host may hold
// the graph's default.
//
// One stack serves every assertion of this file: it is started once, in beforeAll.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../app/src/service.js';
import { call as harnessCall, type CallOptions } from '../../app/test/support/harness.js';
import type { ContainerSpec } from '../placements/docker/readback.js';
import { freePorts } from '../loopback/servers/ports.js';
import { runProgram, type MockRun } from '../test/pulumi-mocks.js';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { DISCOVERY_DRAIN_S } from '../topology/components/app.js';
import { CONTAINER_LABELS } from '../topology/context.js';
import { SERVICE_DNS_TTL_S } from '../topology/platform.js';
import type { ComponentName } from '../topology/names.js';
import { engine, waitHealthy } from './containers.js';
import { pollUntil, type DockerClient } from './docker.js';
import { createFromGraph, createNetworksAndVolumes, plain, removeNetworksAndVolumes } from './from-graph.js';
import { ensureNginxResolveStandIn } from './nginx-image.js';
import { ensurePgbackrestStandIn } from './pgbackrest-image.js';
import { ensurePgbouncerStandIn } from './pgbouncer-image.js';
import { ensurePostgresStandIn } from './postgres-image.js';
import { readBackProblems, type Inspected } from './readback-check.js';
import { ensureRedisStandIn } from './redis-image.js';
import { engineStackConfig, inSubnet } from './subnet.js';

const STACK_CONFIG = engineStackConfig({ 'shortstack:replicas': '2' });
const log = (m: string) => process.stderr.write(`[engine] ${m}\n`);
const CONTAINER = 'docker:index/container:Container';

type Inputs = Record<string, any>;

let run: MockRun;
let port: number;
let docker: DockerClient;
/** Engine ids by the graph's resource name. */
const ids = new Map<string, string>();
/** What the start did with each container, by resource name. */
const outcome = new Map<string, 'created' | 'started' | 'exited-0'>();
const made = { volumes: [] as string[], networks: [] as string[] };
const fileStarted = Date.now();

/** nginx and everything it depends on, transitively: the front door's path (from the topology). */
function frontDoorPath(): Set<ComponentName> {
  const topology = buildTopology(parseStackConfig({ replicas: Number(STACK_CONFIG['shortstack:replicas']) }), 'dev');
  const path = new Set<ComponentName>();
  const visit = (n: ComponentName) => {
    if (path.has(n)) return;
    path.add(n);
    for (const d of topology.component(n).dependsOn) visit(d.component);
  };
  visit('nginx');
  return path;
}

const componentOf = (inputs: Inputs) => (inputs.labels ?? []).find((l: { label: string }) => l.label === CONTAINER_LABELS.component)?.value as string;
const inputsOf = (r: MockRun, name: string) => plain(r.byType(CONTAINER).find((c) => c.name === name)!.inputs) as Inputs;
const envOf = (inputs: Inputs, key: string) => (inputs.envs as string[]).find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);

/** This host's IPv4 addresses. */
const hostAddresses = () => Object.values(networkInterfaces()).flat().filter((a) => a?.family === 'IPv4').map((a) => a?.address);

async function inspect(name: string): Promise<Inspected> {
  const got = await docker.inspect<Inspected>('container', name);
  if (!got) throw new Error(`no container ${name}`);
  return got;
}

beforeAll(async () => {
  const e = engine();
  docker = e.docker;
  const t0 = Date.now();
  const [nginx, postgres, pgbouncer, redis] = [
    await ensureNginxResolveStandIn(docker, e.baseImage, log), await ensurePostgresStandIn(docker, e.baseImage, log),
    await ensurePgbouncerStandIn(docker, e.baseImage, log), await ensureRedisStandIn(docker, e.baseImage, log),
  ];
  log(`stand-in images ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  run = await runProgram('dev', STACK_CONFIG);
  // PostgreSQL's image with pgBackRest, built from its Dockerfile on the PostgreSQL stand-in with
  // the graph's build arguments (pgbackrest-image.ts), as the backup tier runs it.
  const pgbackrestBuild = run.byType('docker:index/image:Image').map((r) => plain(r.inputs) as Record<string, any>)
    .find((i) => String(i.imageName).startsWith('shortstack-postgres-pgbackrest:'))!;
  const pgbackrest = await ensurePgbackrestStandIn(docker, e.baseImage, pgbackrestBuild.build.args as Record<string, string>, log);
  const imageFor = (ref: string) => (ref.includes('shortstack-app') ? e.image
    : ref.includes('nginx-1.28') ? nginx : ref.includes('postgres-pgbackrest') ? pgbackrest : ref.includes('postgres-15') ? postgres
      : ref.includes('edoburu-pgbouncer') ? pgbouncer : ref.includes('redis-7') ? redis : e.baseImage);
  [port] = (await freePorts(1)) as [number];
  const publicPort = (inputsOf(run, 'nginx').ports as Array<{ external: number }>)[0]!.external;
  const path = frontDoorPath();

  const t1 = Date.now();
  await createNetworksAndVolumes(docker, run, made);
  // The program's order is the dependency order: each container is created, then started or
  // run as `pulumi up` does, before the next one.
  for (const c of run.byType(CONTAINER)) {
    const inputs = plain(c.inputs);
    const pidMode = inputs.pidMode?.replace(/^container:(.+)$/, (_: string, mock: string) => `container:${ids.get(mock.replace(/-id$/, ''))}`);
    const id = await createFromGraph(docker, inputs, {
      image: imageFor(inputs.image), name: inputs.name!, pidMode,
      binds: { '/var/run/docker.sock': docker.host.replace(/^unix:\/\//, '') },
      hostPorts: { [publicPort]: port },
    });
    ids.set(c.name, id);
    // A one-shot of nginx's reload (nginx-config, nginx-reload) belongs to nginx's path.
    const component = componentOf(inputs).replace(/-(config|reload)$/, '') as ComponentName;
    if (inputs.start === false || !path.has(component)) {
      outcome.set(c.name, 'created');
      continue;
    }
    if (inputs.attach) {
      const r = await docker.run(['start', '-a', id], { allowFailure: true, timeoutMs: 300_000 });
      const code = Number(await docker.out(['inspect', '--format', '{{.State.ExitCode}}', id]));
      if (code !== 0) throw new Error(`${c.name} (a one-shot) exited ${code}:\n${r.stdout}${r.stderr}`);
      outcome.set(c.name, 'exited-0');
    } else {
      await docker.run(['start', id]);
      outcome.set(c.name, 'started');
      // `wait: true`: the provider waits for the container's health check before going on.
      if (inputs.wait) await waitHealthy(docker, id, 300_000);
    }
  }
  await waitHealthy(docker, ids.get('nginx')!, 300_000);
  log(`graph applied and its front door path started: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}, 1_200_000);

afterAll(async () => {
  if (!docker) return;
  const ids = (await docker.out(['ps', '-aq', '--filter', `label=${CONTAINER_LABELS.stack}=dev`], { allowFailure: true })).split(/\s+/).filter(Boolean);
  if (ids.length > 0) await docker.run(['rm', '-f', '-v', ...ids], { allowFailure: true, timeoutMs: 300_000 });
  await removeNetworksAndVolumes(docker, made);
  log(`stack.engine-test.ts wall time (images, apply, assertions, removal): ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
}, 600_000);

const front = () => `http://127.0.0.1:${port}`;

/** A request to the front door with the contract tests' helper: no key unless one is given. */
const call = (method: string, path: string, opts: CallOptions = {}) => harnessCall({ url: front() } as Service, method, path, { key: null, ...opts });

/** The admin key the graph gives the replicas: the file their ADMIN_API_KEYS_FILE names, as seeded. */
function adminKey(): string {
  const file = envOf(inputsOf(run, 'app-1'), 'ADMIN_API_KEYS_FILE')!;
  const upload = inputsOf(run, 'app-1-config').uploads.find((u: { file: string }) => u.file === file);
  return String(upload.content).split(',')[0]!.trim();
}

describe('the Docker placement\'s dev graph started on an engine (stand-in data images)', () => {
  it('runs the front door\'s path from the graph\'s own arguments; seeders and the monitoring side stay created', async () => {
    const problems: string[] = [];
    const status = (name: string) => docker.out(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', ids.get(name)!]);
    for (const c of run.byType(CONTAINER)) {
      const inputs = plain(c.inputs) as Inputs;
      const o = outcome.get(c.name)!;
      const expected = { created: 'created 0', 'exited-0': 'exited 0', started: inputs.healthcheck ? 'running 0 healthy' : 'running 0' }[o];
      // A service nothing waits for may still be on its first checks: its own check decides.
      if (o === 'started' && inputs.healthcheck) await waitHealthy(docker, ids.get(c.name)!, 240_000);
      const now = await status(c.name);
      if (now !== expected) problems.push(`${c.name}: ${now}, expected ${expected}`);
    }
    expect(problems).toEqual([]);
    const by = (o: string) => [...outcome].filter(([, v]) => v === o).map(([k]) => k).sort();
    log(`started: ${by('started').join(', ')}; ran to exit 0: ${by('exited-0').join(', ')}; created only: ${by('created').length}`);
    expect(by('started')).toEqual(['app-1', 'app-2', 'nginx', 'pgbouncer', 'postgres', 'redis']);
    expect(by('exited-0')).toEqual(['migrate', 'nginx-config', 'nginx-reload', 'set-db-password']);
  });

  it('creates a user and a short link through nginx\'s published port; the redirect is a 302 to it, answered by an app replica', async () => {
    const admin = adminKey();
    const user = await call('POST', '/users', { key: admin, body: { username: 'engine', email: 'engine@example.com' } });
    expect(user.status).toBe(201);
    const key = await call('POST', `/users/${user.body.id}/keys`, { key: admin });
    expect(key.status).toBe(201);
    const target = 'https://example.com/engine/p%C3%A4th?q=1';
    const link = await call('POST', '/urls', { key: key.body.key, body: { original_url: target } });
    expect(link.status).toBe(201);
    expect(link.body.user_id).toBe(user.body.id);
    expect(link.body.short_url).toBe(`${envOf(inputsOf(run, 'app-1'), 'PUBLIC_BASE_URL')}/${link.body.short_code}`);

    const requestId = `engine-redirect-${Date.now()}`;
    const redirect = await call('GET', `/${link.body.short_code}`, { headers: { 'x-request-id': requestId } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(target);
    expect(redirect.headers.get('x-request-id')).toBe(requestId);

    // Who answered: nginx's access log names the upstream address of this request; the
    // replicas' addresses on the backend network are the engine's.
    const backend = inputsOf(run, 'app-1').networksAdvanced[0].name as string;
    let line: { upstream_addr: string; status: number } | undefined;
    await pollUntil('nginx\'s access log line of the redirect', async () => {
      const out = (await docker.run(['logs', ids.get('nginx')!])).stdout;
      const found = out.split('\n').find((l) => l.includes(`"request_id":"${requestId}"`));
      line = found ? JSON.parse(found) : undefined;
      return line !== undefined;
    }, 60_000, 500);
    const replicas = await Promise.all(['app-1', 'app-2'].map(async (r) => ({ r, ip: (await inspect(inputsOf(run, r).name)).NetworkSettings.Networks[backend]!.IPAddress })));
    const servedBy = replicas.find((x) => line!.upstream_addr === `${x.ip}:${envOf(inputsOf(run, 'app-1'), 'PORT')}`);
    log(`redirect ${requestId}: ${line!.status} from ${line!.upstream_addr} (${servedBy?.r ?? 'no replica'})`);
    expect(line!.status).toBe(302);
    expect(servedBy?.r).toMatch(/^app-[12]$/);
  });

  it('publishes nginx alone: no other container of the stack holds a host port, and the port answers as nginx', async () => {
    const published: string[] = [];
    for (const c of run.byType(CONTAINER)) {
      if (outcome.get(c.name) !== 'started') continue;
      const got = await inspect(plain(c.inputs).name);
      for (const [p, bindings] of Object.entries(got.NetworkSettings.Ports ?? {})) {
        for (const b of bindings ?? []) published.push(`${c.name} ${b.HostIp}:${b.HostPort}->${p}`);
      }
    }
    const nginxPort = inputsOf(run, 'nginx').ports[0].internal;
    expect(published).toEqual([`nginx 0.0.0.0:${port}->${nginxPort}/tcp`]);
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('server')).toBe('nginx');
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('changes nothing on a second application of the unchanged graph (the provider\'s read-back forms, the engine\'s record before and after)', async () => {
    const state = async () => Object.fromEntries(await Promise.all(run.byType(CONTAINER).map(async (c) => {
      const got = await inspect(plain(c.inputs).name);
      return [c.name, `${got.Id} ${got.State.StartedAt} ${got.RestartCount} ${got.State.Running}`] as const;
    })));
    const before = await state();
    const second = await runProgram('dev', STACK_CONFIG);
    // What `up` would do: replace a container whose arguments changed or whose engine record
    // differs from the provider's model of them; create one it does not find.
    const changes: string[] = [];
    const binds: Record<string, string> = { [docker.host.replace(/^unix:\/\//, '')]: '/var/run/docker.sock' };
    for (const c of second.byType(CONTAINER)) {
      const now = plain(c.inputs) as Inputs;
      const then = inputsOf(run, c.name);
      if (JSON.stringify(now) !== JSON.stringify(then)) changes.push(`${c.name}: arguments changed`);
      changes.push(...await readBackProblems(docker, now as ContainerSpec, c.name, binds));
    }
    expect(second.byType(CONTAINER).map((c) => c.name)).toEqual(run.byType(CONTAINER).map((c) => c.name));
    expect(changes).toEqual([]);
    expect(await state()).toEqual(before);
    // And the stack still serves.
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('gives the backend network no way out on this engine without iptables: a container on it alone reaches its neighbours and nothing else', async () => {
    const networks = run.byType('docker:index/network:Network').map((r) => plain(r.inputs));
    const backend = networks.find((n) => n.name.endsWith('-backend'))!;
    const edge = networks.find((n) => n.name.endsWith('-edge'))!;
    const subnet = STACK_CONFIG['shortstack:backendSubnet']!;
    const record = async (name: string) => (await docker.run(['network', 'inspect', name])).stdout;
    type NetworkRecord = { Internal: boolean; Options: Record<string, string>; IPAM: { Config: Array<{ Subnet: string; Gateway?: string }> } };
    const [b] = JSON.parse(await record(backend.name)) as NetworkRecord[];
    const [e] = JSON.parse(await record(edge.name)) as NetworkRecord[];
    expect(b!.Internal).toBe(true);
    expect(b!.IPAM.Config.map((c) => c.Subnet)).toEqual([subnet]);
    // The graph's bridge options as the engine holds them: the host takes no address on the
    // backend's bridge, while the edge's gateway is the host's (its published port goes that way).
    expect(b!.Options).toEqual(backend.options);
    expect(hostAddresses().filter((a) => inSubnet(a, subnet))).toEqual([]);
    expect(e!.Internal).toBe(false);
    expect(hostAddresses()).toContain(e!.IPAM.Config[0]!.Gateway);

    const nginxEdge = (await inspect(inputsOf(run, 'nginx').name)).NetworkSettings.Networks[edge.name]!.IPAddress;
    const nginxPort = inputsOf(run, 'nginx').ports[0].internal as number;
    const appPort = envOf(inputsOf(run, 'app-1'), 'PORT')!;
    // A container on the backend network alone, TCP connects from it: to the replicas by their
    // name (its neighbours: the probe works), and to every way out there was without the option:
    // the gateway of its own default route, the host's published port on each of the host's
    // addresses (the edge bridge's among them), nginx's edge address, and an address beyond the host.
    const neighbour = `app:${appPort}`;
    const ways = [`gateway:${port}`, ...hostAddresses().filter((a) => !a.startsWith('127.')).map((a) => `${a}:${port}`),
      `${nginxEdge}:${nginxPort}`, '1.1.1.1:443'];
    const probe = `const net = require('net');
      const routes = require('fs').readFileSync('/proc/net/route', 'utf8').trim().split('\\n').slice(1).map((l) => l.trim().split(/\\s+/));
      const ip = (hex) => hex.match(/../g).reverse().map((h) => parseInt(h, 16)).join('.');
      const gateway = routes.filter((f) => f[1] === '00000000').map((f) => ip(f[2]));
      const connect = (t) => new Promise((res) => { const [name, p] = t.split(':'); const host = name === 'gateway' ? gateway[0] : name;
        if (!host) return res('no route');
        const s = net.connect({ host, port: +p, timeout: 5000 });
        s.on('connect', () => { s.destroy(); res('connected'); }); s.on('timeout', () => { s.destroy(); res('timeout'); }); s.on('error', (err) => res(err.code)); });
      Promise.all(process.argv.slice(1).map(connect)).then((r) => console.log(JSON.stringify({ gateway, reached: r })));`;
    const targets = [neighbour, ...ways];
    const out = await docker.out(['run', '--rm', '--network', backend.name, '--read-only', '--cap-drop', 'ALL', '--user', '1000', engine().baseImage, 'node', '-e', probe, ...targets], { timeoutMs: 120_000 });
    const got = JSON.parse(out) as { gateway: string[]; reached: string[] };
    log(`a container on ${backend.name} alone: default route via ${got.gateway.join(', ') || 'none'}; ${targets.map((t, i) => `${t} ${got.reached[i]}`).join(', ')}`);
    expect(Object.fromEntries(targets.map((t, i) => [t, got.reached[i] === 'connected']))).toEqual(Object.fromEntries(targets.map((t) => [t, t === neighbour])));
    // Its default route, if it has one, leads to an address no one holds: not the host's.
    for (const g of got.gateway) expect(hostAddresses()).not.toContain(g);
    // And the host still reaches nginx, and only nginx, on the published port.
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('server')).toBe('nginx');
  });

  // Last: it changes the stack. The Docker placement's rollout (issue 20): replicas are named by a
  // digest of their arguments, so a new build creates new containers beside the old ones (Pulumi's
  // create-before-delete), each waited healthy; then the old ones are deleted, which the provider
  // does by stopping each with its destroy grace and removing it.
  // nginx is not touched: it finds the replicas by re-resolving `app` (`server ... resolve`,
  // resolver valid=SERVICE_DNS_TTL_S), which needs nginx 1.27.3 or later.
  it('replaces both replicas under load as the program orders it: no request fails, and nginx moves to the new ones on its own', async () => {
    // Each step's time, so a slow or stuck one is named in the output.
    const t0 = Date.now();
    const step = (what: string) => log(`rollout +${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    const admin = adminKey();
    const link = await call('POST', '/urls', { key: admin, body: { original_url: 'https://example.com/rollout' } });
    expect(link.status).toBe(201);
    const next = await runProgram('dev', { ...STACK_CONFIG, 'shortstack:build': JSON.stringify({ version: '0.1.1-rollout', commit: 'engine-test' }) });
    const replicas = run.byType(CONTAINER).filter((c) => componentOf(plain(c.inputs)) === 'app').map((c) => c.name);
    expect(replicas).toEqual(['app-1', 'app-2']);
    // Only the replicas change with a new build.
    const changed = next.byType(CONTAINER).filter((c) => JSON.stringify(plain(c.inputs)) !== JSON.stringify(inputsOf(run, c.name))).map((c) => c.name);
    expect(changed).toEqual(replicas);
    const nginxBefore = await inspect(inputsOf(run, 'nginx').name);

    // Load through the front door the whole time, under the per-address rate: redirects (the
    // admin key, which the app's own limit exempts) and creates, each status checked.
    // Past nginx's own timeouts: a request still unanswered then is stuck, and counted failed.
    const REQUEST_TIMEOUT_MS = 60_000;
    // Well inside the test's time, so a replica that never turns healthy fails with its health
    // log and its last words rather than with the test's timeout.
    const ROLLOUT_HEALTHY_MS = 150_000;
    let running = true;
    const results: Array<{ what: string; ok: boolean; status: number | string; at: string }> = [];
    const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const create = (i + n) % 5 === 0;
        try {
          const r = create
            ? await call('POST', '/urls', { key: admin, body: { original_url: `https://example.com/rollout/${n}/${i}` }, timeoutMs: REQUEST_TIMEOUT_MS })
            : await call('GET', `/${link.body.short_code}`, { key: admin, timeoutMs: REQUEST_TIMEOUT_MS });
          results.push({ what: create ? 'create' : 'redirect', ok: r.status === (create ? 201 : 302), status: r.status, at: at() });
        } catch (err) {
          results.push({ what: create ? 'create' : 'redirect', ok: false, status: String((err as Error).cause ?? err), at: at() });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const workers = [0, 1, 2].map(worker);
    await new Promise((r) => setTimeout(r, 2000));

    // Create-before-delete: the new generation first, each healthy before the next step...
    const fresh: string[] = [];
    for (const r of replicas) {
      const inputs = plain(next.byType(CONTAINER).find((c) => c.name === r)!.inputs);
      expect(inputs.name).not.toBe(inputsOf(run, r).name);
      const id = await createFromGraph(docker, inputs, { image: engine().image, name: inputs.name });
      step(`${inputs.name} created`);
      await docker.run(['start', id]);
      step(`${inputs.name} started`);
      await waitHealthy(docker, id, ROLLOUT_HEALTHY_MS);
      step(`${inputs.name} healthy`);
      fresh.push(inputs.name);
    }
    // A replica's warnings and errors (a 503's cause among them), kept for the failure's story:
    // the old ones are removed before the requests are judged.
    const replicaWarnings: string[] = [];
    const keepWarnings = async (name: string) => {
      const r = await docker.run(['logs', name]);
      for (const l of `${r.stdout}\n${r.stderr}`.split('\n')) if (/"level":(4|5|6)\d/.test(l)) replicaWarnings.push(`${name}: ${l}`);
    };
    // ...then the old ones go, together (Pulumi deletes what nothing depends on in parallel), each
    // stopped within its destroy grace: it serves on for the discovery drain, then refuses,
    // drains and flushes. Then removed.
    await Promise.all(replicas.map(async (r) => {
      const old = inputsOf(run, r);
      expect(envOf(old, 'SHUTDOWN_DELAY_MS')).toBe(String(DISCOVERY_DRAIN_S * 1000));
      // The engine kills it at the grace's end: a stop that outlasts it by a minute is stuck.
      await docker.run(['stop', '-t', String(old.destroyGraceSeconds), old.name], { timeoutMs: (old.destroyGraceSeconds + 60) * 1000 });
      step(`${old.name} stopped`);
      expect(await docker.out(['inspect', '--format', '{{.State.ExitCode}}', old.name])).toBe('0');
      await keepWarnings(old.name);
      await docker.run(['rm', old.name]);
    }));
    // nginx drops the old addresses and takes the new ones at its next resolution.
    await new Promise((r) => setTimeout(r, (SERVICE_DNS_TTL_S + 5) * 1000));
    running = false;
    step('load stopping');
    await Promise.all(workers);
    step('load stopped');

    const failed = results.filter((r) => !r.ok);
    log(`rollout under load: ${results.length} requests (${results.filter((r) => r.what === 'create').length} creates), ${failed.length} failed${failed.length ? `: ${JSON.stringify(failed.slice(0, 20))}` : ''}`);
    if (failed.length > 0) {
      // Why, in nginx's words: its failed answers (upstream address and status) and its errors.
      const r = await docker.run(['logs', ids.get('nginx')!]);
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /"status":5\d\d|\[(error|warn|crit)\]/.test(l) && !l.includes('limiting requests'));
      log(`nginx on the failures:\n${lines.slice(-30).join('\n')}`);
      for (const n of fresh) await keepWarnings(n);
      log(`the replicas' warnings and errors:\n${replicaWarnings.slice(-30).join('\n')}`);
    }
    expect(results.length).toBeGreaterThan(100);
    expect(failed).toEqual([]);

    // Requests now reach the new replicas, and only those; nginx itself was never restarted.
    const backend = inputsOf(run, 'app-1').networksAdvanced[0].name as string;
    const appPort = envOf(inputsOf(run, 'app-1'), 'PORT');
    const freshAddrs = await Promise.all(fresh.map(async (n) => `${(await inspect(n)).NetworkSettings.Networks[backend]!.IPAddress}:${appPort}`));
    const after = `engine-after-rollout-${Date.now()}`;
    for (let i = 0; i < 10; i++) expect((await call('GET', `/${link.body.short_code}`, { key: admin, headers: { 'x-request-id': `${after}-${i}` } })).status).toBe(302);
    let upstreams: string[] = [];
    await pollUntil('nginx\'s log lines of the requests after the rollout', async () => {
      const out = (await docker.run(['logs', ids.get('nginx')!])).stdout.split('\n').filter((l) => l.includes(`"request_id":"${after}-`));
      upstreams = out.map((l) => (JSON.parse(l) as { upstream_addr: string }).upstream_addr);
      return upstreams.length === 10;
    }, 60_000, 500);
    expect(upstreams.filter((u) => !freshAddrs.includes(u))).toEqual([]);
    const nginxAfter = await inspect(inputsOf(run, 'nginx').name);
    expect(`${nginxAfter.Id} ${nginxAfter.State.StartedAt} ${nginxAfter.RestartCount}`).toBe(`${nginxBefore.Id} ${nginxBefore.State.StartedAt} ${nginxBefore.RestartCount}`);
  // Above the sum of its steps' own bounds (two healthy waits of 150 s, a stop's grace and a
  // minute, the resolution, the log poll: about 470 s), so the step that overran fails with its
  // own message.
  }, 540_000);
});
