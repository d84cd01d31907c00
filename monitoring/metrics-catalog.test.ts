import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertDefinitions } from '../alerts/index.js';
import { createMetrics } from '../app/src/metrics/metrics.js';
import { alertsContext } from '../infra/topology/alerts-context.js';
import { APP_METRICS, APP_DEFAULT_METRICS, knownSeriesNames, metricsCatalog } from './metrics-catalog.js';
import { grafanaToPromql, metricNames } from './promql.js';
import { allQueries, dashboardQueries, ruleQueries } from './queries.js';
import { PROMTOOL, runTool, withFiles } from './tools/validators.js';

const ALERTS = alertDefinitions(alertsContext());

describe('metricNames', () => {
  it('lists series names, not functions, labels, keywords, strings or durations', () => {
    expect(metricNames('sum by (instance) (rate(http_requests_total{job="app", status_code=~"5.."}[5m])) / on(instance) group_left sum without (le) (up offset 1h) > 1e3 and bool x:y:z'))
      .toEqual(['http_requests_total', 'up', 'x:y:z']);
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket{instance=~"$instance"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('vector(10737418240)')).toEqual([]);
  });

  it('turns Grafana variables into valid PromQL', () => {
    expect(grafanaToPromql('rate(x{instance=~"$instance", a="${b}"}[$__rate_interval])')).toBe('rate(x{instance=~".*", a=".*"}[5m])');
  });
});

describe('metrics catalogue', () => {
  it('lists every metric that a panel, alert, recording rule or runbook query reads', () => {
    const known = knownSeriesNames();
    const unknown = allQueries(ALERTS).flatMap((q) => metricNames(q.expr).filter((n) => !known.has(n)).map((n) => `${q.where}: ${n}`));
    expect(unknown).toEqual([]);
    expect(dashboardQueries().length).toBeGreaterThan(40);
    expect(ruleQueries(ALERTS).length).toBeGreaterThan(60);
  });

  it('holds no metric twice', () => {
    const names = metricsCatalog().map((e) => e.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it('agrees with what the app registers, name and type', async () => {
    const { registry } = createMetrics({ version: 'test', commit: 'test' });
    const registered = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    for (const e of [...APP_METRICS, ...APP_DEFAULT_METRICS]) {
      expect(registered.get(e.name), e.name).toBe(e.type);
    }
    const contract = registered.size - [...registered.keys()].filter((n) => /^(process|nodejs)_/.test(n)).length;
    expect(APP_METRICS.length).toBe(contract);
  });
});

describe('panel and runbook PromQL', () => {
  it('passes promtool check rules (each query written as a recording rule)', () => {
    const queries = [...dashboardQueries(), ...ruleQueries(ALERTS).filter((q) => q.where.startsWith('runbook'))];
    const rules = queries.map((q, i) => ({ record: `shortstack:check:${i}`, expr: grafanaToPromql(q.expr) }));
    const file = stringify({ groups: [{ name: 'panel-queries', rules }] });
    const r = withFiles({ 'queries.yml': file }, (dir) => runTool(PROMTOOL, ['check', 'rules', 'queries.yml'], dir));
    expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(r.code).toBe(0);
  });
});
