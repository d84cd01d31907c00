// The Prometheus and Alertmanager files the Docker placement uploads, checked by promtool and
// amtool (Debian's 2.42 / 0.25: the pinned images are the same major versions).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { CONFIG_DIR, SECRETS_DIR } from '../topology/names.js';
import { resolveText, type Secrets } from '../topology/types.js';

const secrets: Secrets = {
  dbPassword: 'a', redisPassword: 'b', grafanaAdminPassword: 'c', adminApiKey: 'd', pgbouncerStatsPassword: 'e', backupCipherPass: 'f',
  discordWebhookUrl: 'https://discord.com/api/webhooks/1/abc', pagerdutyRoutingKey: 'R0UTINGKEY', smtpPassword: 'smtp-pw',
};
const config = parseStackConfig({
  replicas: 3,
  alerts: { smtp: { smarthost: 'smtp.example.com:587', from: 'alerts@example.com', to: ['oncall@example.com'] } },
});
const topo = buildTopology(config, 'dev');
const dir = mkdtempSync(join(tmpdir(), 'shortstack-monitoring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a component's files under DIR, with the container's config folder mapped onto it. */
function materialise(name: 'prometheus' | 'alertmanager'): string {
  const root = join(dir, name);
  // Config files (CONFIG_DIR) and secret files (SECRETS_DIR) both land in root.
  const local = (p: string) => join(root, p.startsWith(`${SECRETS_DIR}/`) ? p.slice(SECRETS_DIR.length) : p.slice(CONFIG_DIR.length));
  for (const f of topo.component(name).files) {
    const path = local(f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, resolveText(f.content, secrets).replaceAll(`${CONFIG_DIR}/`, `${root}/`).replaceAll(`${SECRETS_DIR}/`, `${root}/`));
  }
  return root;
}

const run = (cmd: string, args: string[]) => {
  try {
    return { ok: true, out: execFileSync(cmd, args, { stdio: 'pipe' }).toString() };
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, out: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
  }
};

describe('prometheus.yml as deployed', () => {
  it('passes promtool check config, rule files included', () => {
    const root = materialise('prometheus');
    const res = run('promtool', ['check', 'config', join(root, 'prometheus.yml')]);
    expect(res.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(res.ok).toBe(true);
  });

  it('scrapes every replica and exporter under the contract job names, alerting to Alertmanager', () => {
    const prom = parse(resolveText(topo.component('prometheus').files[0]!.content, secrets));
    const jobs = Object.fromEntries(prom.scrape_configs.map((j: any) => [j.job_name,
      j.static_configs.map((s: any) => `${s.labels.instance}=${s.targets[0]}`)]));
    expect(jobs).toEqual({
      app: ['app-1=app-1:9464', 'app-2=app-2:9464', 'app-3=app-3:9464'],
      // The blackbox exporter, probing the front door (the instance is what it probes).
      edge: ['front-door=blackbox-exporter:9115'],
      nginx: ['nginx=nginx-exporter:9113'],
      node: ['postgres=node-exporter:9100'],
      postgres: ['postgres=postgres-exporter:9187'],
      pgbouncer: ['pgbouncer=pgbouncer-exporter:9127'],
      redis: ['redis=redis-exporter:9121'],
      prometheus: ['prometheus=prometheus:9090'],
      alertmanager: ['alertmanager=alertmanager:9093'],
    });
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(prom.rule_files.every((f: string) => f.startsWith(`${CONFIG_DIR}/rules/`))).toBe(true);
  });

  it("measures PostgreSQL's disk where node-exporter sees its volume (Docker), or takes RDS's declared storage (AWS)", () => {
    const recording = (raw: Record<string, unknown>, region?: string) => {
      const t = buildTopology(parseStackConfig(raw, region ? { awsRegion: region } : {}), 'dev');
      const file = t.component('prometheus').files.find((f) => f.path.endsWith('shortstack-recording.yml'))!;
      const groups = parse(resolveText(file.content, secrets)).groups as { name: string; rules: { record: string; expr: string }[] }[];
      return groups.find((g) => g.name === 'shortstack-capacity')!.rules;
    };
    expect(recording({})).toEqual([
      { record: 'shortstack:postgres_volume_bytes', expr: 'max(node_filesystem_size_bytes{job="node", mountpoint="/data/postgres"})' },
      { record: 'shortstack:postgres_volume_avail_bytes', expr: 'max(node_filesystem_avail_bytes{job="node", mountpoint="/data/postgres"})' },
    ]);
    // The mount is node-exporter's: PostgreSQL's own volume, read-only (beside the backup figures' folder).
    const topology = buildTopology(parseStackConfig({}), 'dev');
    expect(topology.component('node-exporter').volumes).toContainEqual({ name: 'postgres-data', mountPath: '/data/postgres', owner: 'postgres', readOnly: true });
    expect(topology.component('node-exporter').volumes.filter((v) => !v.readOnly)).toEqual([]);
    const gib = 1024 ** 3;
    expect(recording({ placement: 'aws', aws: { rds: { allocatedStorageGiB: 50, maxAllocatedStorageGiB: 250 } } }, 'eu-west-1')).toEqual([
      { record: 'shortstack:postgres_volume_bytes', expr: `vector(${250 * gib})` },
      { record: 'shortstack:postgres_volume_avail_bytes', expr: `vector(${250 * gib}) - on() sum(pg_database_size_bytes)` },
    ]);
  });
});

describe('alertmanager.yml as deployed', () => {
  it('passes amtool check-config with every receiver set from secrets and stack config', () => {
    const root = materialise('alertmanager');
    const res = run('amtool', ['check-config', join(root, 'alertmanager.yml')]);
    expect(res.out).toContain('SUCCESS');
    expect(res.ok).toBe(true);
    const am = parse(resolveText(topo.component('alertmanager').files[0]!.content, secrets));
    const critical = am.receivers.find((r: any) => r.name === 'critical');
    expect(critical.pagerduty_configs[0].routing_key).toBe('R0UTINGKEY');
    expect(critical.discord_configs[0].webhook_url).toBe(secrets.discordWebhookUrl);
    expect(am.global.smtp_auth_password ?? critical.email_configs[0].auth_password).toBe('smtp-pw');
  });

  it('routes every tier even with no receiver configured (visibly disabled)', () => {
    const bare = buildTopology(parseStackConfig({}), 'dev');
    const am = parse(resolveText(bare.component('alertmanager').files[0]!.content,
      { dbPassword: 'a', redisPassword: 'b', grafanaAdminPassword: 'c', adminApiKey: 'd', pgbouncerStatsPassword: 'e', backupCipherPass: 'f' }));
    expect(am.receivers.map((r: any) => r.name).sort()).toEqual(expect.arrayContaining(['critical-disabled', 'info-disabled', 'warning-disabled']));
  });
});
