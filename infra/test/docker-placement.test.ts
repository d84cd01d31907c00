// The Docker placement's whole resource graph, under Pulumi mocks (no CLI, no Docker engine).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { join } from 'node:path';
import { REPO_ROOT } from '../placements/docker/images.js';
import { creationOrder } from '../placements/docker/index.js';
import { configSyncScript, LIVE_DIR } from '../placements/docker/config-reload.js';
import { BRIDGE_OPTIONS, bridgeOptions } from '../placements/docker/networks.js';
import { requireExitZero } from '../placements/docker/one-shots.js';
import { checkSecretPlacement } from '../placements/docker/service.js';
import { buildTopology } from '../topology/build.js';
import { APP_STOP_GRACE_S, DISCOVERY_DRAIN_S } from '../topology/components/app.js';
import { fromPulumiConfig, parseStackConfig } from '../topology/config.js';
import type { ComponentName } from '../topology/names.js';
import { DEFAULT_IMAGES, DIGEST_PINNED, NOT_YET_PINNED, PINNED_IMAGE_KEYS, type PinnedImageKey } from '../topology/images.js';
import { resolveText, secretText, type Secrets } from '../topology/types.js';
import { isSecret, runProgram, sharedRun, valueOf, type MockRun, type Recorded } from './pulumi-mocks.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const isWrappedSecret = (v: unknown): v is { value: unknown } => typeof v === 'object' && v !== null && SECRET_SIG in v;
const unwrap = (v: any): any => (isWrappedSecret(v) ? unwrap(v.value) : v);

// The mocks answer RandomPassword with `generated-<name>`.
const generated: Secrets = {
  dbPassword: 'generated-dbPassword', redisPassword: 'generated-redisPassword',
  grafanaAdminPassword: 'generated-grafanaAdminPassword', adminApiKey: 'generated-adminApiKey',
  pgbouncerStatsPassword: 'generated-pgbouncerStatsPassword',
  backupCipherPass: 'generated-backupCipherPass',
};

const CONTAINER = 'docker:index/container:Container';
const NETWORK = 'docker:index/network:Network';
const run2 = sharedRun('dev', { 'shortstack:replicas': '2' });

/**
 * The containers that run a service; the rest are config seeders (created, never started) and
 * the config and signal one-shots of a component that reloads (nginx).
 */
const services = (run: MockRun) => run.byType(CONTAINER).filter((c) => !/-(config|reload)$/.test(c.name));
/** An instance's config files, as its seeder (or config one-shot) uploads them. */
const uploadsOf = (run: MockRun, instance: string) => run.container(`${instance}-config`).inputs.uploads;
const byFile = (a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file);
const labelOf = (c: Recorded, label: string) =>
  unwrap((unwrap(c.inputs.labels) as Array<{ label: string; value: unknown }>).find((l) => l.label === label)?.value);

describe('Docker placement (dev, 2 replicas)', () => {
  it('creates a container for every instance of every component', async () => {
    const run = await run2;
    const topo = buildTopology(parseStackConfig({ replicas: 2 }), 'dev');
    const expected = topo.components.flatMap((c) => topo.instances(c.name)).sort();
    expect(services(run).map((c) => c.name).sort()).toEqual(expected);
    expect(expected).toContain('app-2');
    // App replicas carry a generation suffix (replaced create-before-delete); the rest a fixed name.
    for (const c of run.byType(CONTAINER)) {
      const generational = /^app-\d$|^nginx-(config|reload)$/.test(c.name);
      expect(c.inputs.name).toMatch(generational ? new RegExp(`^shortstack-dev-${c.name}-[0-9a-f]{8}$`) : new RegExp(`^shortstack-dev-${c.name}$`));
      // The provider asks for delete-before-create on every container; a name per generation
      // lets the program say otherwise, and a fixed name leaves it to the provider.
      expect(c.deleteBeforeReplace, c.name).toBe(generational ? false : undefined);
    }
    // A seeder for each instance that has config files, never started (nginx reloads instead).
    const withFiles = topo.components.filter((c) => c.files.length > 0 && !c.reload).flatMap((c) => topo.instances(c.name));
    const seeders = run.byType(CONTAINER).filter((c) => c.name.endsWith('-config') && c.inputs.start === false);
    expect(seeders.map((c) => c.name).sort()).toEqual(withFiles.map((i) => `${i}-config`).sort());
    for (const s of seeders) expect(s.inputs).toMatchObject({ start: false, mustRun: false, restart: 'no' });
  });

  it('groups them in component resources under one stack resource', async () => {
    const run = await run2;
    expect(run.byType('shortstack:docker:Stack').map((r) => r.name)).toEqual(['shortstack-dev']);
    expect(run.byType('shortstack:docker:Service').every((r) => !r.custom)).toBe(true);
    expect(run.byType('shortstack:docker:Service')).toHaveLength(21);
  });

  it("mounts PostgreSQL's data volume into node-exporter read-only, to measure its disk", async () => {
    const run = await run2;
    const mounts = run.container('node-exporter').inputs.mounts as Array<{ source: string; target: string; readOnly?: boolean }>;
    expect(mounts.find((m) => m.target === '/data/postgres')).toMatchObject({ source: 'shortstack-dev-postgres-data', readOnly: true });
    const pg = run.container('postgres').inputs.mounts as Array<{ source: string; target: string; readOnly?: boolean }>;
    expect(pg.find((m) => m.source === 'shortstack-dev-postgres-data')!.readOnly).toBeUndefined();
  });

  it('joins every service to the backend, nginx also to the edge, and the UIs to ops', async () => {
    const run = await run2;
    const nets = run.byType('docker:index/network:Network');
    expect(nets.map((n) => n.inputs.name).sort()).toEqual([
      'shortstack-dev-backend', 'shortstack-dev-docker-api', 'shortstack-dev-edge', 'shortstack-dev-egress', 'shortstack-dev-ops']);
    expect(nets.find((n) => n.name === 'backend')!.inputs.ipamConfigs).toEqual([{ subnet: '172.30.213.0/24' }]);
    const joined = Object.fromEntries(services(run).map((c) =>
      [c.name, c.inputs.networksAdvanced.map((n: { name: string }) => n.name.replace('shortstack-dev-', '')).sort().join(',')]));
    const expected: Record<string, string> = {
      nginx: 'backend,edge', prometheus: 'backend,ops', grafana: 'backend,ops', alertmanager: 'backend,egress',
      'app-1': 'backend,egress', 'app-2': 'backend,egress',
      alloy: 'backend,docker-api', 'docker-socket-proxy': 'docker-api',
    };
    for (const [name, nets] of Object.entries(joined)) expect([name, nets]).toEqual([name, expected[name] ?? 'backend']);
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
        expect(uploads.sort(byFile)).toEqual(c.files.map((f) => ({ file: f.path, content: resolveText(f.content, generated) })).sort(byFile));
        compared += uploads.length;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(8);
    const nginx = unwrap(uploadsOf(run, 'nginx'))[0].content as string;
    expect(nginx).toContain('server app:3000 max_fails=2');
  });

  it('keeps configs in a volume of their own, data in named volumes, roots read-only', async () => {
    const run = await run2;
    const volumes = run.byType('docker:index/volume:Volume').map((v) => v.inputs.name).sort();
    for (const v of ['postgres-data', 'prometheus-data', 'alertmanager-data', 'grafana-data', 'loki-data', 'alloy-state']) {
      expect(volumes).toContain(`shortstack-dev-${v}`);
    }
    const pg = run.container('postgres').inputs;
    expect(pg.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-postgres-data', target: '/var/lib/postgresql/data' });
    const redis = run.container('redis').inputs;
    // Named by the files' digest: a new set of files gets a new, empty volume.
    const configVolume = volumes.find((v) => /^shortstack-dev-redis-config-[0-9a-f]{16}$/.test(v))!;
    expect(configVolume).toBeDefined();
    expect(redis.mounts).toContainEqual({ type: 'volume', source: configVolume, target: '/etc/shortstack', readOnly: true });
    expect(run.container('redis-config').inputs.mounts).toContainEqual({ type: 'volume', source: configVolume, target: '/etc/shortstack' });
    // nginx reloads: one volume for life, filled by its config one-shot.
    expect(run.container('nginx').inputs.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-nginx-config', target: '/etc/shortstack', readOnly: true });
    // Alloy's state volume sits on the image's own (alloy-owned) folder: a new volume takes its owner.
    expect(run.container('alloy').inputs.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-alloy-state', target: '/var/lib/alloy' });
    expect(run.container('alloy').inputs.user).toBe('473:473');
    for (const c of services(run)) {
      expect(c.inputs.readOnly).toBe(true);
      expect(c.inputs.capabilities).toEqual({ drops: ['ALL'] });
    }
    // Non-root everywhere but the socket proxy, which reads the (root-owned) Docker socket.
    const rootish = services(run).filter((c) => c.inputs.user === undefined).map((c) => c.name);
    expect(rootish).toEqual(['docker-socket-proxy']);
  });

  it('runs the migration once, to completion, and waits for health where others depend on it', async () => {
    const run = await run2;
    const m = run.container('migrate').inputs;
    expect(m).toMatchObject({ attach: true, restart: 'no', mustRun: false });
    expect(m.command).toEqual(['node', 'app/dist/migrate.js']);
    expect(m.healthcheck).toMatchObject({ tests: ['NONE'] });
    expect(run.container('app-1').inputs).toMatchObject({ restart: 'unless-stopped', wait: true, command: ['node', 'app/dist/main.js'] });
    expect(run.container('postgres').inputs.wait).toBe(true);
    expect(run.container('app-1').inputs.healthcheck.tests[0]).toBe('CMD');
    // Containers run images by id, which is what the provider reads back (no diff on the next
    // run); the built app image's repoDigest is its local id.
    expect(run.container('app-1').inputs.image).toBe('sha256:image-shortstack-app-dev');
    // The RemoteImage is named by name:tag (a new digest updates it), and pulls name:tag@digest.
    expect(run.container('nginx').inputs.image).toBe('sha256:id-image-nginx-1.28.0-alpine');
    expect(run.byType('docker:index/remoteImage:RemoteImage').find((i) => i.name === 'image-nginx-1.28.0-alpine')!.inputs.name)
      .toMatch(/^nginx:1\.28\.0-alpine@sha256:[0-9a-f]{64}$/);
    // Pulumi runs the program from infra/: the build paths are absolute, from the repository root.
    expect(run.byType('docker:index/image:Image')[0]!.inputs).toMatchObject({
      imageName: 'shortstack-app:dev', skipPush: true, build: { context: REPO_ROOT, dockerfile: join(REPO_ROOT, 'app/Dockerfile') },
    });
    expect(readFileSync(join(REPO_ROOT, 'app/Dockerfile'), 'utf8')).toContain('FROM ');
    // The app starts only after the migration exited 0, and on replacement gets time to serve on
    // while nginx re-resolves the replicas (found by a DNS name here), then to flush.
    expect(labelOf(run.container('app-1'), 'com.shortstack.after.migrate')).toBe('exited-0');
    expect(run.container('app-1').inputs.envs).toContain(`SHUTDOWN_DELAY_MS=${DISCOVERY_DRAIN_S * 1000}`);
    expect(run.container('app-1').inputs.destroyGraceSeconds).toBe(DISCOVERY_DRAIN_S + APP_STOP_GRACE_S);
  });

  it('stops the deployment when the migration fails', () => {
    // Under mocks the failure would be an unhandled rejection; the wiring is checked above
    // (the label is the gate's value), the gate itself here.
    const urn = 'urn:pulumi:dev::shortstack::shortstack:docker:Stack$shortstack:docker:Service$docker:index/container:Container::migrate';
    const gate = requireExitZero('migrate', 'shortstack-dev-migrate', 'app', urn);
    expect(gate(0)).toBe('exited-0');
    // What failed, where its output is, and how to run it again.
    expect(() => gate(1)).toThrow(
      "migrate (the schema migration) failed with exit code 1; app was not started or replaced. Its output: docker logs shortstack-dev-migrate. "
      + 'Fix the cause, then run `npm run up` again: it re-runs a failed migrate (safe to repeat). '
      + `With the Pulumi CLI alone: pulumi up --replace '${urn}'.`);
    expect(() => requireExitZero('set-grafana-password', 'shortstack-dev-set-grafana-password')(2)).toThrow(/^set-grafana-password \(resetting Grafana's admin password\) failed with exit code 2\. /);
  });

  it('replaces a container when its config files change, and only then', async () => {
    const [two, three] = [await run2, await runProgram('dev', { 'shortstack:replicas': '3' })];
    const digest = (run: MockRun, instance: string) => labelOf(run.container(instance), 'com.shortstack.config');
    expect(digest(two, 'redis')).toMatch(/^[0-9a-f]{16}$/);
    // nginx follows the replicas by name (DNS): a third one changes neither its file nor it.
    expect(digest(two, 'nginx-config')).toMatch(/^[0-9a-f]{16}$/);
    expect(digest(three, 'nginx-config')).toBe(digest(two, 'nginx-config'));
    expect(digest(three, 'prometheus')).not.toBe(digest(two, 'prometheus')); // a third target
    expect(digest(three, 'redis')).toBe(digest(two, 'redis'));
    // Each set of files gets a volume named by its digest: nothing of the old set lingers.
    const configVolume = (run: MockRun, instance: string) => run.byType('docker:index/volume:Volume')
      .find((v) => v.name === `${instance}-config`)!.inputs.name as string;
    expect(configVolume(two, 'redis')).toMatch(/^shortstack-dev-redis-config-[0-9a-f]{16}$/);
    expect(configVolume(three, 'prometheus')).not.toBe(configVolume(two, 'prometheus'));
    expect(configVolume(three, 'redis')).toBe(configVolume(two, 'redis'));
  });

  it('applies a new nginx config by checking it and sending SIGHUP, keeping the container (and its connections)', async () => {
    const run = await run2;
    const nginx = run.container('nginx').inputs;
    const sync = run.container('nginx-config').inputs;
    const signal = run.container('nginx-reload').inputs;
    // The config one-shot: the files at the paths nginx reads, checked by nginx itself on its
    // networks, then moved into the volume nginx mounts read-only.
    expect(sync).toMatchObject({ attach: true, restart: 'no', mustRun: false, image: nginx.image, user: '0:0' });
    expect(sync.entrypoints[2]).toContain("'nginx' '-t' '-q' '-c' '/etc/shortstack/nginx.conf'");
    expect(sync.mounts).toEqual([{ type: 'volume', source: 'shortstack-dev-nginx-config', target: LIVE_DIR }]);
    expect(sync.networksAdvanced.map((n: { name: string }) => n.name).sort()).toEqual(['shortstack-dev-backend', 'shortstack-dev-edge']);
    expect(sync.capabilities).toEqual({ drops: ['ALL'], adds: ['CAP_CHOWN'] });
    // The signal one-shot: nginx's user, in nginx's pid namespace (the master is pid 1 there).
    expect(signal).toMatchObject({
      entrypoints: ['/bin/sh', '-c', 'kill -s HUP 1'], user: nginx.user, pidMode: 'container:nginx-id', networkMode: 'none',
      readOnly: true, capabilities: { drops: ['ALL'] }, attach: true,
    });
    // It runs only after the check passed, and again for every new set of files.
    expect(labelOf(run.container('nginx-reload'), 'com.shortstack.after.nginx-config')).toBe('exited-0');
    expect(labelOf(run.container('nginx-reload'), 'com.shortstack.config')).toBe(labelOf(run.container('nginx-config'), 'com.shortstack.config'));
    expect(labelOf(run.container('nginx'), 'com.shortstack.config')).toBeUndefined();

    const stricter = await runProgram('dev', { 'shortstack:replicas': '2', 'shortstack:nginx': JSON.stringify({ requestsPerSecondPerAddress: 150 }) });
    // nginx itself is unchanged (same name, same inputs: no replacement); its config and signal
    // one-shots are new (new names, so created before the old ones go).
    expect(stricter.container('nginx').inputs).toEqual(nginx);
    expect(stricter.container('nginx-config').inputs.name).not.toBe(sync.name);
    expect(stricter.container('nginx-reload').inputs.name).not.toBe(signal.name);
    expect(unwrap(uploadsOf(stricter, 'nginx'))[0].content).toContain('rate=150r/s');
  });

  it('checks a new config before anything sees it, and replaces files one rename at a time', () => {
    const script = configSyncScript(['nginx', '-t', '-c', "/etc/it's.conf"]);
    expect(script.split('\n').slice(0, 2)).toEqual(['set -eu', `'nginx' '-t' '-c' '/etc/it'\\''s.conf'`]);
    expect(script).toContain('cp "$f" "/live/$f.next" && mv "/live/$f.next" "/live/$f"');
  });

  it('keeps data volumes on `down` (retainOnDelete), and nothing else', async () => {
    const run = await run2;
    const volumes = run.byType('docker:index/volume:Volume');
    const retained = volumes.filter((v) => v.retainOnDelete).map((v) => v.inputs.name).sort();
    expect(retained).toEqual(['alertmanager-data', 'alloy-state', 'backup-repo', 'grafana-data', 'loki-data', 'postgres-data', 'prometheus-data']
      .map((v) => `shortstack-dev-${v}`));
    // Config, secrets, the socket and the backup figures go with the stack; nothing is protected (down works).
    expect(volumes.filter((v) => !v.retainOnDelete).every((v) => /-(config|secrets)-[0-9a-f]{16}$|-postgres-socket$|-nginx-config$|-backup-metrics$/.test(v.inputs.name))).toBe(true);
    expect(run.resources.filter((r) => r.protect)).toEqual([]);
  });

  it('sets the database and Grafana passwords from the current secrets, before anything logs in with them', async () => {
    const run = await run2;
    const db = run.container('set-db-password').inputs;
    expect(db).toMatchObject({ attach: true, restart: 'no', mustRun: false, user: '70:70' });
    expect(db.command).toEqual(['psql', '-h', '/var/run/postgresql', '-U', 'shortstack', '-d', 'shortstack', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-f', '/etc/shortstack/set-db-password.sql']);
    const sql = unwrap(uploadsOf(run, 'set-db-password')).find((u: any) => u.file.endsWith('.sql')).content;
    expect(sql).toBe("\\set password `cat /run/secrets/db-password`\nALTER ROLE \"shortstack\" WITH PASSWORD :'password';\n");
    // The socket folder is a volume of PostgreSQL's, mounted by the one-shot and the backup container alone.
    const socket = (k: Recorded) => (k.inputs.mounts ?? []).some((m: any) => m.source === 'shortstack-dev-postgres-socket');
    expect(run.byType(CONTAINER).filter(socket).map((k) => k.name).sort()).toEqual(['postgres', 'postgres-backup', 'set-db-password']);
    // PgBouncer, the migration (and so the app) start only after it exited 0.
    for (const name of ['pgbouncer', 'migrate']) expect(labelOf(run.container(name), 'com.shortstack.after.set-db-password')).toBe('exited-0');
    const gf = run.container('set-grafana-password').inputs;
    expect(gf.entrypoints).toEqual(['/bin/sh', '-c']);
    expect(gf.command).toEqual(['exec grafana cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin < /run/secrets/grafana-admin-password']);
    expect(gf.mounts).toContainEqual({ type: 'volume', source: 'shortstack-dev-grafana-data', target: '/var/lib/grafana' });
    expect(run.container('grafana').inputs.wait).toBe(true);
    // A new password replaces both one-shots (their files change), so they run again.
    const rotated = await runProgram('dev', { 'shortstack:replicas': '2', 'shortstack:dbPassword': 'new-pw', 'shortstack:grafanaAdminPassword': 'new-gf' },
      ['shortstack:dbPassword', 'shortstack:grafanaAdminPassword']);
    for (const name of ['set-db-password', 'set-grafana-password', 'pgbouncer']) {
      expect(labelOf(rotated.container(name), 'com.shortstack.config')).not.toBe(labelOf(run.container(name), 'com.shortstack.config'));
    }
  });

  it("probes PgBouncer with the database named (no warning at every probe)", async () => {
    const run = await run2;
    expect(run.container('pgbouncer').inputs.healthcheck.tests).toEqual(
      ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', '6432', '-U', 'shortstack', '-d', 'shortstack']);
  });

  it('refuses a cpus value the provider cannot read back as itself', async () => {
    await expect(runProgram('cpus', { 'shortstack:resources': JSON.stringify({ 'nginx-exporter': { cpus: 0.05 } }) })).rejects.toThrow(
      /shortstack:resources\.nginx-exporter\.cpus 0\.05 cannot be kept by the Docker provider: cpus 0\.05 reads back from the Docker provider as "0\.1"/);
  });

  it('keeps nginx when app replicas are replaced: it re-resolves their shared name', async () => {
    const run = await run2;
    expect(labelOf(run.container('nginx'), 'com.shortstack.peers')).toBeUndefined();
    const conf = unwrap(uploadsOf(run, 'nginx'))[0].content as string;
    expect(conf).toContain('server app:3000 max_fails=2 fail_timeout=16s resolve;');
    expect(conf).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
    // Every replica answers to the component's name on the backend network.
    for (const i of ['app-1', 'app-2']) {
      expect((run.container(i).inputs.networksAdvanced as Array<{ aliases: string[] }>)[0]!.aliases).toEqual([i, 'app']);
    }
  });

  it('replaces a replica create-before-delete on a new app image, and nothing else with it', async () => {
    const before = await run2;
    const after = await runProgram('dev', { 'shortstack:replicas': '2', 'shortstack:build': JSON.stringify({ version: '0.2.0', commit: 'abc' }) });
    const name = (run: MockRun, i: string) => run.container(i).inputs.name as string;
    // A new name per generation: the new container can exist beside the old one, which Pulumi's
    // default replacement (create, then delete) needs; the old one gets its stop grace to drain.
    for (const i of ['app-1', 'app-2']) {
      expect(name(after, i)).not.toBe(name(before, i));
      expect(before.container(i).inputs.destroyGraceSeconds).toBeGreaterThanOrEqual(15);
      expect(before.container(i).custom).toBe(true);
    }
    // nginx, PostgreSQL, Redis and every volume: the same inputs, so no replacement.
    for (const i of ['nginx', 'postgres', 'redis', 'pgbouncer']) expect(after.container(i).inputs).toEqual(before.container(i).inputs);
    const volumes = (run: MockRun) => run.byType('docker:index/volume:Volume').map((v) => JSON.stringify(v.inputs)).sort();
    expect(volumes(after)).toEqual(volumes(before));
    // An unchanged replica keeps its name: no rename, so no replacement, on a second up.
    expect(name(await runProgram('dev', { 'shortstack:replicas': '2' }), 'app-1')).toBe(name(before, 'app-1'));
  });

  it('generates missing secrets and hands them out only as secrets', async () => {
    const run = await run2;
    expect(run.byType('random:index/randomPassword:RandomPassword').map((r) => r.name).sort()).toEqual(
      ['adminApiKey', 'backupCipherPass', 'dbPassword', 'grafanaAdminPassword', 'pgbouncerStatsPassword', 'redisPassword']);
    expect(await isSecret(run.outputs.adminApiKey as any)).toBe(true);
    expect(await valueOf(run.outputs.adminApiKey as any)).toBe('generated-adminApiKey');
    expect(await isSecret(run.outputs.grafanaAdminPassword as any)).toBe(true);
    // Secret files, and only they, are uploaded as secrets (see the hygiene tests below).
    for (const name of ['app-1', 'migrate', 'pgbouncer', 'postgres', 'postgres-backup', 'grafana', 'redis', 'alertmanager',
      'postgres-exporter', 'pgbouncer-exporter', 'redis-exporter']) expect(isWrappedSecret(uploadsOf(run, name))).toBe(true);
    expect(run.container('postgres').inputs.envs).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/db-password');
    // No secret on any command line or in any environment (docker inspect shows both).
    const containers = run.byType('docker:index/container:Container');
    expect(containers.length).toBeGreaterThan(10);
    expect(containers.filter((c) => isWrappedSecret(c.inputs.command) || isWrappedSecret(c.inputs.envs)).map((c) => c.name)).toEqual([]);
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
  it('uses a configured secret instead of generating it; Prometheus lists the replicas, nginx follows their name', async () => {
    const run = await runProgram('staging', {
      'shortstack:replicas': '3', 'shortstack:dbPassword': 'from-config-pw',
    }, ['shortstack:dbPassword']);
    expect(run.byType('random:index/randomPassword:RandomPassword').map((r) => r.name)).not.toContain('dbPassword');
    const env = run.container('app-3').inputs.envs as string[];
    expect(env).toContain('DATABASE_URL_FILE=/run/secrets/database-url');
    const file = unwrap(uploadsOf(run, 'app-3')).find((u: any) => u.file === '/run/secrets/database-url');
    expect(unwrap(file.content)).toBe('postgres://shortstack:from-config-pw@pgbouncer:6432/shortstack');
    const nginx = unwrap(uploadsOf(run, 'nginx'))[0].content as string;
    const prom = unwrap(uploadsOf(run, 'prometheus'))[0].content as string;
    expect(nginx.match(/server app[-\d]*:3000[^;]*;/g)).toEqual(['server app:3000 max_fails=2 fail_timeout=16s resolve;']);
    expect(prom.match(/app-\d:9464/g)).toEqual(['app-1:9464', 'app-2:9464', 'app-3:9464']);
    expect(run.byType(CONTAINER).map((c) => c.inputs.name)).toContainEqual(expect.stringMatching(/^shortstack-staging-app-3-[0-9a-f]{8}$/));
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
  it.each(['Pulumi.dev.yaml', 'Pulumi.prod.yaml', 'Pulumi.staging.yaml'])('%s is a valid stack config', (file) => {
    const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
    const asPulumi = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const region = doc.config['aws:region'] as string | undefined;
    expect(() => parseStackConfig(fromPulumiConfig(asPulumi), region === undefined ? {} : { awsRegion: region })).not.toThrow();
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

// Security issue, item 9: Docker placement hygiene. Each block below fails on the placement as
// it was before (secrets in env, one flat non-internal backend, the raw Docker socket in
// Alloy, Prometheus' lifecycle API, no process limit, images by tag only).
describe('Docker placement hygiene', () => {
  const topo = buildTopology(parseStackConfig({ replicas: 2 }), 'dev');
  const secretValues = Object.values(generated).flatMap((v) => [v, encodeURIComponent(v)]);
  const envOf = (run: MockRun, instance: string) => run.container(instance).inputs.envs as string[];
  const secretUploads = (run: MockRun, instance: string) =>
    (unwrap(uploadsOf(run, instance)) as any[]).filter((u) => u.file.startsWith('/run/secrets/'));

  describe('a. secrets reach containers as files only', () => {
    it('puts no secret in any environment, command line, entrypoint or health check', async () => {
      const run = await run2;
      for (const c of run.byType(CONTAINER)) {
        for (const key of ['envs', 'command', 'entrypoints', 'healthcheck']) {
          const v = c.inputs[key];
          expect(isWrappedSecret(v), `${c.name}.${key} is a secret output`).toBe(false);
          const text = JSON.stringify(v ?? null);
          for (const secret of secretValues) expect(text, `${c.name}.${key}`).not.toContain(secret);
        }
      }
    });

    it('hands the app, the migration, the exporters and Redis their secrets through *_FILE or a config file', async () => {
      const run = await run2;
      const has = (instance: string, ...vars: string[]) => expect(envOf(run, instance)).toEqual(expect.arrayContaining(vars));
      const lacks = (instance: string, ...names: string[]) => {
        for (const n of names) expect(envOf(run, instance).filter((e) => e.startsWith(`${n}=`)), `${instance} ${n}`).toEqual([]);
      };
      for (const app of ['app-1', 'app-2']) {
        has(app, 'DATABASE_URL_FILE=/run/secrets/database-url', 'REDIS_URL_FILE=/run/secrets/redis-url', 'ADMIN_API_KEYS_FILE=/run/secrets/admin-api-keys');
        lacks(app, 'DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEYS');
      }
      has('migrate', 'DATABASE_URL_FILE=/run/secrets/database-url', 'MIGRATE_DATABASE_URL_FILE=/run/secrets/migrate-database-url');
      lacks('migrate', 'DATABASE_URL', 'MIGRATE_DATABASE_URL');
      has('postgres-exporter', 'DATA_SOURCE_PASS_FILE=/run/secrets/db-password', 'DATA_SOURCE_USER=shortstack',
        'DATA_SOURCE_URI=postgres:5432/shortstack?sslmode=disable');
      lacks('postgres-exporter', 'DATA_SOURCE_NAME', 'DATA_SOURCE_PASS');
      has('pgbouncer-exporter', 'PGPASSFILE=/run/secrets/pgpass',
        'PGBOUNCER_EXPORTER_CONNECTION_STRING=postgres://pgbouncer_exporter@pgbouncer:6432/pgbouncer?sslmode=disable');
      has('redis-exporter', 'REDIS_PASSWORD_FILE=/run/secrets/redis-passwords.json', 'REDIS_ADDR=redis://redis:6379');
      lacks('redis-exporter', 'REDIS_PASSWORD');
      lacks('redis', 'REDISCLI_AUTH');
      has('postgres', 'POSTGRES_PASSWORD_FILE=/run/secrets/db-password');
      has('grafana', 'GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password');

      // What the files hold, in the formats the programs read.
      const file = (instance: string, path: string) => unwrap(secretUploads(run, instance).find((u) => u.file === path)?.content);
      expect(file('app-1', '/run/secrets/database-url')).toBe('postgres://shortstack:generated-dbPassword@pgbouncer:6432/shortstack');
      expect(file('app-1', '/run/secrets/redis-url')).toBe('redis://:generated-redisPassword@redis:6379');
      expect(file('app-1', '/run/secrets/admin-api-keys')).toBe('generated-adminApiKey');
      expect(file('migrate', '/run/secrets/migrate-database-url')).toBe('postgres://shortstack:generated-dbPassword@postgres:5432/shortstack');
      expect(file('postgres-exporter', '/run/secrets/db-password')).toBe('generated-dbPassword');
      expect(file('pgbouncer-exporter', '/run/secrets/pgpass')).toBe('pgbouncer:6432:pgbouncer:pgbouncer_exporter:generated-pgbouncerStatsPassword\n');
      expect(JSON.parse(file('redis-exporter', '/run/secrets/redis-passwords.json'))).toEqual({ 'redis://redis:6379': 'generated-redisPassword' });
      // Redis: the plain redis.conf includes the secret one; its health check reads the password file.
      const conf = unwrap(uploadsOf(run, 'redis')).find((u: any) => u.file === '/etc/shortstack/redis.conf').content as string;
      expect(conf).not.toMatch(/requirepass/);
      expect(conf).toContain('include "/run/secrets/redis-auth.conf"');
      expect(file('redis', '/run/secrets/redis-auth.conf')).toBe('requirepass "generated-redisPassword"\n');
      expect(run.container('redis').inputs.healthcheck.tests).toEqual(
        ['CMD-SHELL', 'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli ping | grep -qx PONG']);
    });

    it('writes every secret file 0400, owned by the container user, into a secrets volume of that instance alone', async () => {
      const run = await run2;
      let checked = 0;
      for (const c of topo.components) {
        const secretFiles = c.files.filter((f) => typeof f.content !== 'string');
        // Files with secrets live under /run/secrets, and only those.
        for (const f of c.files) expect([c.name, f.path.startsWith('/run/secrets/')]).toEqual([c.name, typeof f.content !== 'string']);
        for (const instance of topo.instances(c.name)) {
          const volume = run.byType('docker:index/volume:Volume').map((v) => v.inputs.name as string)
            .find((n) => new RegExp(`^shortstack-dev-${instance}-secrets-[0-9a-f]{16}$`).test(n)) ?? 'none';
          const mounting = run.byType(CONTAINER).filter((k) =>
            (k.inputs.mounts ?? []).some((m: any) => m.source === volume)).map((k) => k.name).sort();
          if (secretFiles.length === 0) {
            expect(mounting).toEqual([]);
            continue;
          }
          // The instance and its never-started seeder; no other container.
          expect(mounting).toEqual([instance, `${instance}-config`].sort());
          expect(run.container(instance).inputs.mounts).toContainEqual({ type: 'volume', source: volume, target: '/run/secrets', readOnly: true });
          const [uid = '0', gid = uid] = (c.user ?? '0:0').split(':');
          const uploads = secretUploads(run, instance);
          expect(uploads.map((u) => u.file).sort()).toEqual(secretFiles.map((f) => f.path).sort());
          for (const u of uploads) {
            expect([u.file, u.permissions, u.owner, u.group]).toEqual([u.file, '0400', uid, gid]);
            checked++;
          }
          // The rest (the config volume) carries no secret value.
          const plain = JSON.stringify((unwrap(uploadsOf(run, instance)) as any[]).filter((u) => !u.file.startsWith('/run/secrets/')).map((u) => unwrap(u.content)));
          for (const secret of Object.values(generated)) expect(plain).not.toContain(secret);
        }
      }
      expect(checked).toBeGreaterThanOrEqual(17);
    });

    it('keeps secret values Pulumi secrets: the uploads of every seeder with a secret file are a secret output', async () => {
      const run = await run2;
      const withSecrets = topo.components.filter((x) => x.files.some((f) => typeof f.content !== 'string'));
      expect(withSecrets.length).toBeGreaterThanOrEqual(10);
      for (const c of withSecrets) {
        for (const instance of topo.instances(c.name)) expect(isWrappedSecret(uploadsOf(run, instance)), instance).toBe(true);
      }
    });

    it('refuses a component that puts a secret anywhere but a file under /run/secrets', () => {
      const withEnv = { ...topo.component('app'), env: { X: secretText(['dbPassword'], (s) => s.dbPassword) } };
      expect(() => checkSecretPlacement(withEnv)).toThrow('app: a secret in environment variable X; use a file in /run/secrets');
      const withArg = { ...topo.component('redis'), command: ['redis-server', secretText(['redisPassword'], (s) => s.redisPassword)] };
      expect(() => checkSecretPlacement(withArg)).toThrow('redis: a secret in command argument');
      const misfiled = { ...topo.component('postgres'), files: [{ path: '/etc/shortstack/pw', content: secretText(['dbPassword'], (s) => s.dbPassword) }] };
      expect(() => checkSecretPlacement(misfiled)).toThrow('files with secrets go in /run/secrets, and only those');
      for (const c of topo.components) expect(() => checkSecretPlacement(c)).not.toThrow();
    });
  });

  describe('b. networks', () => {
    it('makes the backend internal; only Alertmanager sits on a network with a way out', async () => {
      const run = await run2;
      const net = (name: string) => run.byType('docker:index/network:Network').find((n) => n.name === name)!.inputs;
      expect(net('backend').internal).toBe(true);
      expect(net('docker-api').internal).toBe(true);
      // Published ports need a non-internal network: edge and ops publish, but do no source NAT.
      for (const n of ['edge', 'ops']) {
        expect(net(n).internal).toBe(false);
        expect(net(n).options).toEqual({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });
      }
      expect(net('egress')).toMatchObject({ internal: false });
      expect(net('egress').options).toBeUndefined();
      const on = (n: string) => services(run).filter((c) => c.inputs.networksAdvanced.some((x: any) => x.name === `shortstack-dev-${n}`)).map((c) => c.name).sort();
      expect(on('egress')).toEqual(['alertmanager', 'app-1', 'app-2']);
      expect(on('edge')).toEqual(['nginx']);
      expect(on('ops')).toEqual(['grafana', 'prometheus']);
      expect(on('docker-api')).toEqual(['alloy', 'docker-socket-proxy']);
      expect(run.container('nginx').inputs.networksAdvanced.map((x: any) => x.name).sort()).toEqual(['shortstack-dev-backend', 'shortstack-dev-edge']);
      // Every published container sits on a non-internal network.
      for (const c of services(run).filter((x) => (x.inputs.ports ?? []).length > 0)) {
        expect(c.inputs.networksAdvanced.some((x: any) => !net(x.name.replace('shortstack-dev-', '')).internal), c.name).toBe(true);
      }
    });

    it('keeps the host off the internal networks: no address of its own on their bridges', async () => {
      const run = await run2;
      const options = Object.fromEntries(run.byType(NETWORK).map((n) => [n.name, n.inputs.options]));
      const noHost = { [BRIDGE_OPTIONS.noHostAddress]: 'true' };
      expect(options).toEqual({
        edge: { [BRIDGE_OPTIONS.masquerade]: 'false' }, ops: { [BRIDGE_OPTIONS.masquerade]: 'false' },
        backend: noHost, 'docker-api': noHost, egress: undefined,
      });
      // The host's address is what publishing and a way out go through: a spec without it must be internal.
      expect(() => bridgeOptions({ name: 'edge', internal: false, outbound: false, hostAddress: false })).toThrow('network edge: without the host\'s address it can neither publish a port nor route out; make it internal');
      expect(() => bridgeOptions({ name: 'backend', internal: true, outbound: true, hostAddress: false })).toThrow('network backend');
    });

    it('replaces a changed network delete-before-create, its containers first, and never a volume with it', async () => {
      const run = await run2;
      // The name stays and the backend's subnet with it: a second network beside the old one
      // cannot be, so a network goes before its replacement comes.
      for (const n of run.byType(NETWORK)) expect(n.deleteBeforeReplace, n.name).toBe(true);
      // What Pulumi deletes before a network: the containers whose inputs came from it. Each one on
      // a network takes its name from the network's resource, so each is in that chain.
      const urnOf = (name: string) => (urn: string) => urn.endsWith(`$${NETWORK}::${name}`);
      for (const c of run.byType(CONTAINER)) {
        const on = (unwrap(c.inputs.networksAdvanced) as Array<{ name: string }> | undefined ?? []).map((x) => x.name.replace('shortstack-dev-', ''));
        const from = run.byType(NETWORK).map((n) => n.name).filter((n) => (c.propertyDependencies.networksAdvanced ?? []).some(urnOf(n)));
        expect(from.sort(), c.name).toEqual([...on].sort());
      }
      // A volume's inputs come from no other resource: no replacement reaches one, and data
      // volumes outlive even their own deletion.
      for (const v of run.byType('docker:index/volume:Volume')) expect(Object.values(v.propertyDependencies).flat(), v.name).toEqual([]);
    });
  });

  describe('c. Alloy reads logs through a read-only Docker socket proxy', () => {
    it('mounts the socket into the proxy alone, which allows GETs of containers (and logs) only', async () => {
      const run = await run2;
      const binds = run.byType(CONTAINER).flatMap((c) => (c.inputs.mounts ?? []).filter((m: any) => m.type === 'bind').map((m: any) => ({ c: c.name, ...m })));
      expect(binds).toEqual([{ c: 'docker-socket-proxy', type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true }]);
      const proxy = run.container('docker-socket-proxy').inputs;
      expect(run.byType('docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name))
        .toContainEqual(expect.stringMatching(/^tecnativa\/docker-socket-proxy:[\w.-]+@sha256:[0-9a-f]{64}$/));
      expect(proxy.envs).toEqual(expect.arrayContaining(['CONTAINERS=1', 'POST=0', 'EVENTS=0', 'EXEC=0', 'IMAGES=0', 'VOLUMES=0', 'INFO=0']));
      expect(proxy.ports ?? []).toEqual([]);
      expect(proxy).toMatchObject({ readOnly: true, capabilities: { drops: ['ALL'] } });
    });

    it("points Alloy's discovery and log source at the proxy, and publishes no Alloy port", async () => {
      const run = await run2;
      const alloy = run.container('alloy').inputs;
      expect(alloy.ports ?? []).toEqual([]);
      expect(alloy.mounts.filter((m: any) => m.type === 'bind')).toEqual([]);
      expect(alloy.command).toContain('--server.http.listen-addr=127.0.0.1:12345');
      const conf = unwrap(uploadsOf(run, 'alloy')).find((u: any) => u.file.endsWith('config.alloy')).content as string;
      expect(conf.match(/host\s+= "tcp:\/\/docker-socket-proxy:2375"/g)).toHaveLength(2);
      expect(conf).not.toContain('unix://');
    });
  });

  it('d. runs Prometheus without the lifecycle API', async () => {
    const run = await run2;
    expect(run.container('prometheus').inputs.command).not.toContain('--web.enable-lifecycle');
    expect(JSON.stringify(run.byType(CONTAINER).map((c) => c.inputs.command))).not.toContain('enable-lifecycle');
  });

  it("e. gives every container a process limit, from the topology's resources", async () => {
    const run = await run2;
    const containers = run.byType(CONTAINER);
    for (const c of containers) {
      const component = topo.component((labelOf(c, 'com.shortstack.component') as string).replace(/-(config|reload)$/, '') as ComponentName);
      const pids = component.resources.pids;
      expect([c.name, c.inputs.ulimits]).toEqual([c.name, [{ name: 'nproc', soft: pids, hard: pids }]]);
    }
    expect(containers.length).toBeGreaterThan(20);
    // One place: the stack config overrides it per component.
    const custom = await runProgram('pids', { 'shortstack:resources': JSON.stringify({ app: { pids: 99 } }) });
    expect(custom.container('app-1').inputs.ulimits).toEqual([{ name: 'nproc', soft: 99, hard: 99 }]);
  });

  describe('f. images pinned by digest', () => {
    it('pins every default upstream image as name:tag@sha256:<digest>, or lists it, with its reason, as not yet pinned', () => {
      for (const [key, ref] of Object.entries(DEFAULT_IMAGES) as [PinnedImageKey, string][]) {
        const reason = NOT_YET_PINNED[key];
        if (reason === undefined) expect([key, ref]).toEqual([key, expect.stringMatching(DIGEST_PINNED)]);
        else expect([key, reason.length > 10, DIGEST_PINNED.test(ref)]).toEqual([key, true, false]);
      }
      // Every listed key is a real image, still unpinned (a stale entry hides nothing).
      for (const key of Object.keys(NOT_YET_PINNED)) expect(PINNED_IMAGE_KEYS).toContain(key);
    });

    it('pulls exactly those references (every RemoteImage of the graph)', async () => {
      const run = await run2;
      const pulled = run.byType('docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name as string).sort();
      expect(pulled).toEqual([...new Set(Object.values(DEFAULT_IMAGES))].sort());
      for (const ref of pulled) {
        const key = PINNED_IMAGE_KEYS.find((k) => DEFAULT_IMAGES[k] === ref)!;
        expect(DIGEST_PINNED.test(ref) || NOT_YET_PINNED[key] !== undefined, ref).toBe(true);
      }
    });

    it('accepts name:tag@sha256 in the stack config, and still refuses an image without tag or digest', () => {
      const digest = 'a'.repeat(64);
      expect(parseStackConfig({ images: { redis: `redis:7.2.6-alpine@sha256:${digest}` } }).images.redis).toBe(`redis:7.2.6-alpine@sha256:${digest}`);
      expect(() => parseStackConfig({ images: { redis: 'redis' } })).toThrow(/images\.redis must be an image pinned/);
    });
  });
});
