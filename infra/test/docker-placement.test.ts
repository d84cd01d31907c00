// The Docker placement's whole resource graph, under Pulumi mocks (no CLI, no Docker engine).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { join } from 'node:path';
import { REPO_ROOT } from '../placements/docker/images.js';
import { creationOrder } from '../placements/docker/index.js';
import { requireExitZero } from '../placements/docker/service.js';
import { buildTopology } from '../topology/build.js';
import { fromPulumiConfig, parseStackConfig } from '../topology/config.js';
import { resolveText, type Secrets } from '../topology/types.js';
import { isSecret, runProgram, valueOf, type MockRun, type Recorded } from './pulumi-mocks.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const isWrappedSecret = (v: unknown): v is { value: unknown } => typeof v === 'object' && v !== null && SECRET_SIG in v;
const unwrap = (v: any): any => (isWrappedSecret(v) ? unwrap(v.value) : v);

// The mocks answer RandomPassword with `generated-<name>`.
const generated: Secrets = {
  dbPassword: 'generated-dbPassword', redisPassword: 'generated-redisPassword',
  grafanaAdminPassword: 'generated-grafanaAdminPassword', adminApiKey: 'generated-adminApiKey',
  pgbouncerStatsPassword: 'generated-pgbouncerStatsPassword',
};

const CONTAINER = 'docker:index/container:Container';
const run2 = runProgram('dev', { 'shortstack:replicas': '2' });

/** The containers that run a service; the rest are config seeders (created, never started). */
const services = (run: MockRun) => run.byType(CONTAINER).filter((c) => !c.name.endsWith('-config'));
/** An instance's config files, as its seeder uploads them into the config volume. */
const uploadsOf = (run: MockRun, instance: string) => run.container(`${instance}-config`).inputs.uploads;
const labelOf = (c: Recorded, label: string) =>
  unwrap((unwrap(c.inputs.labels) as Array<{ label: string; value: unknown }>).find((l) => l.label === label)?.value);

describe('Docker placement (dev, 2 replicas)', () => {
  it('creates a container for every instance of every component', async () => {
    const run = await run2;
    const topo = buildTopology(parseStackConfig({ replicas: 2 }), 'dev');
    const expected = topo.components.flatMap((c) => topo.instances(c.name)).sort();
    expect(services(run).map((c) => c.name).sort()).toEqual(expected);
    expect(expected).toContain('app-2');
    for (const c of run.byType(CONTAINER)) expect(c.inputs.name).toBe(`shortstack-dev-${c.name}`);
    // A seeder for each instance that has config files, never started.
    const withFiles = topo.components.filter((c) => c.files.length > 0).flatMap((c) => topo.instances(c.name));
    const seeders = run.byType(CONTAINER).filter((c) => c.name.endsWith('-config'));
    expect(seeders.map((c) => c.name).sort()).toEqual(withFiles.map((i) => `${i}-config`).sort());
    for (const s of seeders) expect(s.inputs).toMatchObject({ start: false, mustRun: false, restart: 'no' });
  });

  it('groups them in component resources under one stack resource', async () => {
    const run = await run2;
    expect(run.byType('shortstack:docker:Stack').map((r) => r.name)).toEqual(['shortstack-dev']);
    expect(run.byType('shortstack:docker:Service').every((r) => !r.custom)).toBe(true);
    expect(run.byType('shortstack:docker:Service')).toHaveLength(15);
  });

  it('has an edge network for nginx alone and a backend network for all', async () => {
    const run = await run2;
    const nets = run.byType('docker:index/network:Network');
    expect(nets.map((n) => n.inputs.name).sort()).toEqual(['shortstack-dev-backend', 'shortstack-dev-edge']);
    expect(nets.find((n) => n.name === 'backend')!.inputs.ipamConfigs).toEqual([{ subnet: '172.30.213.0/24' }]);
    for (const c of services(run)) {
      const joined = c.inputs.networksAdvanced.map((n: { name: string }) => n.name).sort();
      expect(joined).toEqual(c.name === 'nginx' ? ['shortstack-dev-backend', 'shortstack-dev-edge'] : ['shortstack-dev-backend']);
    }
    const app1 = run.container('app-1').inputs.networksAdvanced[0];
    expect(app1.aliases).toEqual(['app-1', 'app']);
  });

  it('publishes nginx on every interface, the operator UIs on 127.0.0.1, nothing else', async () => {
    const run = await run2;
    const published = run.byType(CONTAINER).flatMap((c) =>
      (c.inputs.ports ?? []).map((p: any) => `${c.name} ${p.ip}:${p.external}->${p.internal}`)).sort();
    expect(published).toEqual([
      'alertmanager 127.0.0.1:9093->9093', 'grafana 127.0.0.1:3000->3000',
      'nginx 0.0.0.0:8080->8080', 'prometheus 127.0.0.1:9090->9090',
    ]);
  });

  it("uploads exactly each renderer's output", async () => {
    const run = await run2;
    const topo = buildTopology(parseStackConfig({ replicas: 2 }), 'dev');
    let compared = 0;
    for (const c of topo.components) {
      for (const instance of topo.instances(c.name)) {
        expect(run.container(instance).inputs.uploads).toBeUndefined();
        if (c.files.length === 0) continue;
        const uploads = unwrap(uploadsOf(run, instance)).map((u: any) => ({ file: u.file, content: unwrap(u.content) }));
        expect(uploads).toEqual(c.files.map((f) => ({ file: f.path, content: resolveText(f.content, generated) })));
        compared += uploads.length;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(8);
    const nginx = unwrap(uploadsOf(run, 'nginx'))[0].content as string;
    expect(nginx).toContain('server app-1:3000 max_fails=2');
  });

  it('keeps configs in a volume of their own, data in named volumes, roots read-only', async () => {
    const run = await run2;
    const volumes = run.byType('docker:index/volume:Volume').map((v) => v.inputs.name).sort();
    for (const v of ['postgres-data', 'prometheus-data', 'alertmanager-data', 'grafana-data', 'loki-data', 'alloy-data']) {
      expect(volumes).toContain(`shortstack-dev-${v}`);
    }
    const pg = run.container('postgres').inputs;
    expect(pg.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-postgres-data', target: '/var/lib/postgresql/data' });
    const nginx = run.container('nginx').inputs;
    expect(nginx.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-nginx-config', target: '/etc/shortstack', readOnly: true });
    expect(run.container('nginx-config').inputs.mounts).toEqual([{ type: 'volume', source: 'shortstack-dev-nginx-config', target: '/etc/shortstack' }]);
    // Alloy's data volume sits where the image has nothing: a new volume there is root's.
    expect(run.container('alloy').inputs.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-alloy-data', target: '/alloy-data' });
    for (const c of services(run)) {
      expect(c.inputs.readOnly).toBe(true);
      expect(c.inputs.capabilities).toEqual({ drops: ['ALL'] });
    }
    // Non-root everywhere but Alloy, which reads the (root-owned) Docker socket.
    const rootish = services(run).filter((c) => c.inputs.user === undefined).map((c) => c.name);
    expect(rootish).toEqual(['alloy']);
  });

  it('runs the migration once, to completion, and waits for health where others depend on it', async () => {
    const run = await run2;
    const m = run.container('migrate').inputs;
    expect(m).toMatchObject({ attach: true, restart: 'no', mustRun: false });
    expect(m.command).toEqual(['node', 'app/dist/migrate.js']);
    expect(m.healthcheck).toEqual({ tests: ['NONE'] });
    expect(run.container('app-1').inputs).toMatchObject({ restart: 'unless-stopped', wait: true, command: ['node', 'app/dist/main.js'] });
    expect(run.container('postgres').inputs.wait).toBe(true);
    expect(run.container('app-1').inputs.healthcheck.tests[0]).toBe('CMD');
    // Containers run images by id, which is what the provider reads back (no diff on the next
    // run); the built app image's repoDigest is its local id.
    expect(run.container('app-1').inputs.image).toBe('sha256:image-shortstack-app-dev');
    expect(run.container('nginx').inputs.image).toBe('sha256:id-image-nginx-1.26.3-alpine');
    // Pulumi runs the program from infra/: the build paths are absolute, from the repository root.
    expect(run.byType('docker:index/image:Image')[0]!.inputs).toMatchObject({
      imageName: 'shortstack-app:dev', skipPush: true, build: { context: REPO_ROOT, dockerfile: join(REPO_ROOT, 'app/Dockerfile') },
    });
    expect(readFileSync(join(REPO_ROOT, 'app/Dockerfile'), 'utf8')).toContain('FROM ');
    // The app starts only after the migration exited 0, and gets time to flush on replacement.
    expect(labelOf(run.container('app-1'), 'com.shortstack.after.migrate')).toBe('exited-0');
    expect(run.container('app-1').inputs.destroyGraceSeconds).toBe(15);
  });

  it('stops the deployment when the migration fails', () => {
    // Under mocks the failure would be an unhandled rejection; the wiring is checked above
    // (the label is the gate's value), the gate itself here.
    const gate = requireExitZero('migrate', 'app');
    expect(gate(0)).toBe('exited-0');
    expect(() => gate(1)).toThrow('migrate exited with code 1: app is not started (docker logs migrate)');
  });

  it('replaces a container when its config files change, and only then', async () => {
    const [two, three] = [await run2, await runProgram('dev', { 'shortstack:replicas': '3' })];
    const digest = (run: MockRun, instance: string) => labelOf(run.container(instance), 'com.shortstack.config');
    expect(digest(two, 'nginx')).toMatch(/^[0-9a-f]{16}$/);
    expect(digest(three, 'nginx')).not.toBe(digest(two, 'nginx')); // a third upstream
    expect(digest(three, 'redis')).toBe(digest(two, 'redis'));
  });

  it('restarts nginx whenever an app replica is replaced (it resolves them once)', async () => {
    const run = await run2;
    expect(labelOf(run.container('nginx'), 'com.shortstack.peers')).toBe('app-1-id,app-2-id');
  });

  it('generates missing secrets and hands them out only as secrets', async () => {
    const run = await run2;
    expect(run.byType('random:index/randomPassword:RandomPassword').map((r) => r.name).sort()).toEqual(
      ['adminApiKey', 'dbPassword', 'grafanaAdminPassword', 'pgbouncerStatsPassword', 'redisPassword']);
    expect(await isSecret(run.outputs.adminApiKey as any)).toBe(true);
    expect(await valueOf(run.outputs.adminApiKey as any)).toBe('generated-adminApiKey');
    expect(await isSecret(run.outputs.grafanaAdminPassword as any)).toBe(true);
    for (const name of ['app-1', 'postgres-exporter', 'pgbouncer-exporter', 'redis']) {
      expect(isWrappedSecret(run.container(name).inputs.envs)).toBe(true);
    }
    // PostgreSQL and Grafana read their passwords from uploaded files, not the environment.
    for (const name of ['pgbouncer', 'postgres', 'grafana']) expect(isWrappedSecret(uploadsOf(run, name))).toBe(true);
    expect(run.container('postgres').inputs.envs).toContain('POSTGRES_PASSWORD_FILE=/etc/shortstack/db-password');
    // No password on any command line (every process in the container can read those).
    const containers = run.byType('docker:index/container:Container');
    expect(containers.length).toBeGreaterThan(10);
    expect(containers.filter((c) => isWrappedSecret(c.inputs.command)).map((c) => c.name)).toEqual([]);
    // Nothing plain carries a secret value.
    const plain = JSON.stringify(run.resources.map((r: Recorded) => {
      const copy = { ...r.inputs };
      for (const [k, v] of Object.entries(copy)) if (isWrappedSecret(v)) delete copy[k];
      return copy;
    }));
    for (const v of Object.values(generated)) expect(plain).not.toContain(v);
  });

  it('reports the front door and operator URLs', async () => {
    const run = await run2;
    expect(run.outputs.frontDoorUrl).toBe('http://localhost:8080');
    expect(run.outputs.prometheusUrl).toBe('http://127.0.0.1:9090');
    expect(run.outputs.grafanaUrl).toBe('http://127.0.0.1:3000');
    expect(run.outputs.dashboardUrls).toEqual({
      'Shortstack / Service overview': 'http://127.0.0.1:3000/d/shortstack-overview',
      'Shortstack / SLOs': 'http://127.0.0.1:3000/d/shortstack-slos',
    });
  });
});

describe('Docker placement with config secrets and 3 replicas', () => {
  it('uses a configured secret instead of generating it, and moves nginx and Prometheus together', async () => {
    const run = await runProgram('staging', {
      'shortstack:replicas': '3', 'shortstack:dbPassword': 'from-config-pw',
    }, ['shortstack:dbPassword']);
    expect(run.byType('random:index/randomPassword:RandomPassword').map((r) => r.name)).not.toContain('dbPassword');
    const env = unwrap(run.container('app-3').inputs.envs) as string[];
    expect(env).toContain('DATABASE_URL=postgres://shortstack:from-config-pw@pgbouncer:6432/shortstack');
    const nginx = unwrap(uploadsOf(run, 'nginx'))[0].content as string;
    const prom = unwrap(uploadsOf(run, 'prometheus'))[0].content as string;
    expect(nginx.match(/server app-\d:3000/g)).toEqual(['server app-1:3000', 'server app-2:3000', 'server app-3:3000']);
    expect(prom.match(/app-\d:9464/g)).toEqual(['app-1:9464', 'app-2:9464', 'app-3:9464']);
    expect(run.byType(CONTAINER).map((c) => c.inputs.name)).toContain('shortstack-staging-app-3');
  });

  it('routes alerts to receivers given as secrets, and keeps alertmanager.yml secret', async () => {
    const run = await runProgram('alerts', {
      'shortstack:alerts': JSON.stringify({ smtp: { smarthost: 'smtp.example.com:587', from: 'a@example.com', to: ['oncall@example.com'] } }),
      'shortstack:discordWebhookUrl': 'https://discord.com/api/webhooks/9/xyz',
      'shortstack:pagerdutyRoutingKey': 'PDKEY',
      'shortstack:smtpPassword': 'smtp-secret',
    }, ['shortstack:alerts', 'shortstack:discordWebhookUrl', 'shortstack:pagerdutyRoutingKey', 'shortstack:smtpPassword']);
    const uploads = uploadsOf(run, 'alertmanager');
    expect(isWrappedSecret(uploads)).toBe(true);
    const am = parse(unwrap(uploads).find((u: any) => u.file.endsWith('alertmanager.yml')).content);
    const critical = am.receivers.find((r: any) => r.name === 'critical');
    expect(critical.discord_configs[0].webhook_url).toBe('https://discord.com/api/webhooks/9/xyz');
    expect(critical.pagerduty_configs[0].routing_key).toBe('PDKEY');
    expect(critical.email_configs[0].to).toBe('oncall@example.com');
  });

  it('refuses a bad stack config with every problem named', async () => {
    await expect(runProgram('bad', { 'shortstack:replicas': '0', 'shortstack:colour': 'blue' })).rejects.toThrow(
      /shortstack:colour is not a known key[\s\S]*shortstack:replicas must be an integer/);
  });
});

describe('creationOrder', () => {
  it('creates every dependency before its dependents', () => {
    const topo = buildTopology(parseStackConfig({}), 'dev');
    const order = creationOrder(topo).map((c) => c.name);
    expect(order).toHaveLength(topo.components.length);
    for (const c of topo.components) {
      for (const d of c.dependsOn) expect(order.indexOf(d.component)).toBeLessThan(order.indexOf(c.name));
    }
    expect(order.indexOf('migrate')).toBeLessThan(order.indexOf('app'));
  });

  it('names a dependency cycle', () => {
    const topo = buildTopology(parseStackConfig({}), 'dev');
    topo.component('postgres').dependsOn.push({ component: 'app', condition: 'started' });
    expect(() => creationOrder(topo)).toThrow(/dependency cycle: .*postgres -> app/);
  });
});

describe('stack files', () => {
  it.each(['Pulumi.dev.yaml', 'Pulumi.prod.yaml'])('%s is a valid stack config', (file) => {
    const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
    const asPulumi = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    expect(() => parseStackConfig(fromPulumiConfig(asPulumi))).not.toThrow();
  });

  it('Pulumi.yaml runs the TypeScript ESM program with tsx from infra/ on a local backend', () => {
    const project = parse(readFileSync(new URL('../../Pulumi.yaml', import.meta.url), 'utf8'));
    expect(project).toMatchObject({
      name: 'shortstack', main: 'infra/',
      runtime: { name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } },
      backend: { url: 'file://./.pulumi-state' },
    });
  });
});
