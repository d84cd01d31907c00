import { describe, expect, it } from 'vitest';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { serviceAddressing } from '../topology/addressing.js';
import { loadConfig } from '../../app/src/config.js';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { appEnv, DISCOVERY_DRAIN_S } from '../topology/components/app.js';
import { COMPONENT_NAMES, type ComponentName } from '../topology/names.js';
import { isSecretText, resolveText, type Secrets } from '../topology/types.js';

const secrets: Secrets = {
  dbPassword: 'db pw/with:odd@chars', redisPassword: 'redis-pw', grafanaAdminPassword: 'gf-pw',
  adminApiKey: 'admin-key', pgbouncerStatsPassword: 'stats-pw', backupCipherPass: 'cipher-pw',
};

describe('buildTopology', () => {
  const topo = buildTopology(parseStackConfig({ replicas: 3 }));

  it("gives the app what its own parser reads as its defaults, and a stop grace that outlasts the app's shutdown deadline", () => {
    const env = appEnv({ config: parseStackConfig({}), addr: serviceAddressing(2), stackName: 'dev', platform: { kind: 'docker' } });
    const app = loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveText(v, { ...secrets, adminApiKey: 'a-key-long-enough-to-pass' })])));
    const shared = ['port', 'metricsPort', 'shutdownTimeoutMs', 'dbPoolMax', 'rateLimitMax', 'rateLimitWindowMs', 'rateLimitExemptAdmin',
      'cacheLruEnabled', 'cacheLruMax', 'cacheLruTtlMs', 'cacheNegativeTtlMs', 'logLevel', 'clickFlushIntervalMs', 'clickFlushBatch',
      'clickRollupDelayMs', 'clickRollupDelayFrom'] as const;
    expect(Object.fromEntries(shared.map((k) => [k, app[k]]))).toEqual(APP_DEFAULTS);
    expect(topo.component('app').ports).toEqual({ http: app.port, metrics: app.metricsPort });
    expect(topo.component('app').stopGraceS * 1000).toBeGreaterThan(app.shutdownTimeoutMs + app.shutdownDelayMs);
    // Replicas found by a DNS name serve on while nginx re-resolves it; addresses given one by
    // one (the loopback's) need no such wait.
    expect(app.shutdownDelayMs).toBe(DISCOVERY_DRAIN_S * 1000);
    const named = serviceAddressing(2);
    const byAddress = { endpoint: (c: ComponentName, p: string, i?: number) => named.endpoint(c, p, i) };
    expect(appEnv({ config: parseStackConfig({}), addr: byAddress, stackName: 'dev', platform: { kind: 'docker' } }).SHUTDOWN_DELAY_MS).toBeUndefined();
  });

  it('has every component once, and N app replicas', () => {
    // The certificate manager runs only on a stack with a domain (docker-placement.test.ts).
    expect(topo.components.map((c) => c.name).sort()).toEqual(COMPONENT_NAMES.filter((c) => !c.startsWith('cert-')).sort());
    expect(topo.instances('app')).toEqual(['app-1', 'app-2', 'app-3']);
    expect(topo.instances('postgres')).toEqual(['postgres']);
  });

  it('puts nginx alone on the edge, Alertmanager and the app (webhooks) alone on egress, everything else but the socket proxy on the backend', () => {
    for (const c of topo.components) {
      expect(c.networks.includes('backend')).toBe(c.name !== 'docker-socket-proxy');
      expect(c.networks.includes('edge')).toBe(c.name === 'nginx');
      expect(c.networks.includes('egress')).toBe(c.name === 'alertmanager' || c.name === 'app');
      expect(c.networks.includes('docker-api')).toBe(c.name === 'alloy' || c.name === 'docker-socket-proxy');
    }
    const internal = topo.networks.filter((n) => n.internal).map((n) => n.name).sort();
    expect(internal).toEqual(['backend', 'docker-api']);
    expect(topo.networks.filter((n) => n.outbound).map((n) => n.name)).toEqual(['egress']);
  });

  it('publishes nginx publicly, the operator UIs on loopback, nothing else', () => {
    const published = topo.components.flatMap((c) => c.publish.map((p) => `${c.name}:${p.on}:${p.hostPort}`)).sort();
    expect(published).toEqual(['alertmanager:loopback:9093', 'grafana:loopback:3000', 'nginx:public:8080', 'prometheus:loopback:9090']);
  });

  it('runs migrate once, before the replicas', () => {
    expect(topo.component('migrate').oneShot).toBe(true);
    expect(topo.component('app').dependsOn).toContainEqual({ component: 'migrate', condition: 'completed' });
  });

  it('keeps secrets as references in files under /run/secrets, and resolves them exactly', () => {
    const app = topo.component('app');
    for (const k of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEYS']) {
      expect(app.env[k]).toBeUndefined();
      const path = app.env[`${k}_FILE`] as string;
      expect(path).toMatch(/^\/run\/secrets\//);
      expect(isSecretText(app.files.find((f) => f.path === path)!.content)).toBe(true);
    }
    const dbUrl = app.files.find((f) => f.path === app.env.DATABASE_URL_FILE)!.content;
    expect(resolveText(dbUrl, secrets)).toBe('postgres://shortstack:db%20pw%2Fwith%3Aodd%40chars@pgbouncer:6432/shortstack');
    expect(new URL(resolveText(dbUrl, secrets)).password).toBe(encodeURIComponent(secrets.dbPassword));
    // The loopback's inline environment (a child process's own) resolves to the same URL.
    expect(resolveText(appEnv({ config: parseStackConfig({ replicas: 3 }), addr: serviceAddressing(3), stackName: 'dev', platform: { kind: 'docker' } }).DATABASE_URL!, secrets))
      .toBe(resolveText(dbUrl, secrets));
    // Every secret-bearing text is a file; no env value or command argument is.
    for (const c of topo.components) {
      expect(Object.values(c.env).filter(isSecretText), c.name).toEqual([]);
      expect((c.command ?? []).filter(isSecretText), c.name).toEqual([]);
    }
    const userlist = topo.component('pgbouncer').files.find((f) => f.path.endsWith('userlist.txt'))!;
    expect(isSecretText(userlist.content)).toBe(true);
    expect(resolveText(userlist.content, secrets)).toContain('"pgbouncer_exporter" "stats-pw"');
    // No plain text anywhere carries a secret value.
    const plain = topo.components.flatMap((c) => [...Object.values(c.env), ...c.files.map((f) => f.content), ...(c.command ?? [])])
      .filter((t): t is string => typeof t === 'string').join('\n');
    for (const v of Object.values(secrets)) expect(plain).not.toContain(v);
  });

  it('stateful components have volumes; every read-only root fs gets a scratch folder where needed', () => {
    const withVolumes = topo.components.filter((c) => c.volumes.length > 0).map((c) => c.name).sort();
    expect(withVolumes).toEqual(['alertmanager', 'alloy', 'grafana', 'loki', 'node-exporter', 'postgres', 'postgres-backup', 'prometheus', 'set-db-password', 'set-grafana-password']);
    // The one-shots only mount volumes their owner has: PostgreSQL's socket, Grafana's data;
    // node-exporter PostgreSQL's data, read-only, to measure its disk, and the backup figures;
    // the backup container the repository, the cluster (read-only) and the socket.
    const borrowed = topo.components.flatMap((c) => c.volumes.filter((v) => v.owner).map((v) => `${c.name}->${v.owner}:${v.name}${v.readOnly ? ' (ro)' : ''}`));
    expect(borrowed.sort()).toEqual([
      'node-exporter->postgres-backup:backup-metrics (ro)', 'node-exporter->postgres:postgres-data (ro)',
      'postgres-backup->postgres:backup-repo', 'postgres-backup->postgres:postgres-data (ro)', 'postgres-backup->postgres:postgres-socket',
      'set-db-password->postgres:postgres-socket', 'set-grafana-password->grafana:grafana-data']);
    for (const c of topo.components) {
      for (const v of c.volumes.filter((x) => x.owner)) expect(topo.component(v.owner!).volumes.map((x) => x.name)).toContain(v.name);
    }
  });

  it('gives every component a process limit, overridable per component in the stack config', () => {
    for (const c of topo.components) expect(c.resources.pids, c.name).toBeGreaterThanOrEqual(16);
    const custom = buildTopology(parseStackConfig({ resources: { redis: { pids: 32 } } }));
    expect(custom.component('redis').resources).toEqual({ cpus: 0.5, memoryMb: 320, pids: 32 });
    expect(() => parseStackConfig({ resources: { redis: { pids: 1 } } })).toThrow(/resources\.redis\.pids must be an integer/);
    // Components sharing a uid share the kernel's per-uid count: they get one ceiling.
    const byUid = new Map<string, Set<number>>();
    for (const c of topo.components.filter((x) => x.user !== undefined && !x.oneShot)) {
      const uid = c.user!.split(':')[0]!;
      byUid.set(uid, (byUid.get(uid) ?? new Set()).add(c.resources.pids));
    }
    for (const [uid, limits] of byUid) expect([uid, [...limits]]).toEqual([uid, [[...limits][0]]]);
  });

  it('changing replicas changes the Prometheus targets; nginx follows the replicas by their shared name', () => {
    const conf = (n: number) => {
      const t = buildTopology(parseStackConfig({ replicas: n }));
      const nginx = resolveText(t.component('nginx').files[0]!.content, secrets);
      const prom = resolveText(t.component('prometheus').files[0]!.content, secrets);
      return { upstreams: nginx.match(/server app[-\d]*:3000/g), targets: prom.match(/app-\d+:9464/g), nginx };
    };
    expect(conf(2).upstreams).toEqual(['server app:3000']);
    expect(conf(2).targets).toEqual(['app-1:9464', 'app-2:9464']);
    expect(conf(3).targets).toEqual(['app-1:9464', 'app-2:9464', 'app-3:9464']);
    expect(conf(3).nginx).toBe(conf(2).nginx);
  });
});
