// Prometheus' and Alertmanager's own metric names in the catalogue (the alerts that watch the
// alerting pipeline read them), checked against the Debian binaries' real /metrics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAlertmanagerConfig } from '../alerts/alertmanager-config.js';
import { renderRuleFiles } from '../alerts/index.js';
import { alertsContext } from '../infra/topology/alerts-context.js';
import { alertmanagerServer, prometheusServer } from '../infra/loopback/components.js';
import { freePorts } from '../infra/loopback/servers/ports.js';
import { SELF_METRICS } from './metrics-catalog.js';
import { renderPrometheusConfig } from './prometheus-config.js';

describe('Prometheus and Alertmanager self-metrics in the catalogue', () => {
  let dir: string;
  let am: ReturnType<typeof alertmanagerServer>;
  let prom: ReturnType<typeof prometheusServer>;
  let exposition = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shortstack-self-'));
    const [amPort, promPort] = (await freePorts(2)) as [number, number];
    writeFileSync(join(dir, 'alertmanager.yml'), renderAlertmanagerConfig({ receivers: {} }));
    am = alertmanagerServer({ dir, port: amPort, configFile: join(dir, 'alertmanager.yml') });
    const rules = renderRuleFiles(alertsContext());
    for (const [f, y] of Object.entries(rules)) writeFileSync(join(dir, f), y);
    writeFileSync(join(dir, 'prometheus.yml'), renderPrometheusConfig({
      targets: [{ job: 'prometheus', instance: 'prometheus', address: `127.0.0.1:${promPort}` }],
      ruleFiles: Object.keys(rules).map((f) => join(dir, f)),
      alertmanagers: [`127.0.0.1:${amPort}`],
      evaluationInterval: '1s',
    }));
    prom = prometheusServer({ dir, port: promPort, configFile: join(dir, 'prometheus.yml') });
    await Promise.all([am.start(), prom.start()]);
    // Until the Watchdog (always firing) has been sent: the per-Alertmanager series exist then.
    for (let i = 0; i < 100; i++) {
      const texts = await Promise.all([amPort, promPort].map(async (p) => (await fetch(`http://127.0.0.1:${p}/metrics`)).text()));
      exposition = texts.join('\n');
      if (/^prometheus_notifications_sent_total\{[^}]*\} [1-9]/m.test(exposition)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([am?.stop(), prom?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('are exported, with their type, by the Debian prometheus and alertmanager', () => {
    const missing = SELF_METRICS.filter((e) => !new RegExp(`^# TYPE ${e.name} ${e.type}$`, 'm').test(exposition)).map((e) => `${e.source}: ${e.name} (${e.type})`);
    expect(missing).toEqual([]);
  });

  it('report a healthy pipeline: configs loaded, one Alertmanager discovered, no rule failing', () => {
    expect(exposition).toMatch(/^prometheus_config_last_reload_successful 1$/m);
    expect(exposition).toMatch(/^alertmanager_config_last_reload_successful 1$/m);
    expect(exposition).toMatch(/^prometheus_notifications_alertmanagers_discovered 1$/m);
    const failures = [...exposition.matchAll(/^prometheus_rule_evaluation_failures_total\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((v) => v === 0)).toBe(true);
  });
});
