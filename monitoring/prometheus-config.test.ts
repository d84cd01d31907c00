import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { edgeScrapeTarget } from './edge.js';
import { renderPrometheusConfig, type PrometheusConfigInput } from './prometheus-config.js';
import { PROMTOOL, runTool, withFiles } from './tools/validators.js';

const input: PrometheusConfigInput = {
  targets: [
    { job: 'app', instance: 'app-1', address: 'app-1:9464' },
    { job: 'app', instance: 'app-2', address: 'app-2:9464' },
    { job: 'postgres', instance: 'postgres', address: 'postgres-exporter:9187' },
    { job: 'prometheus', instance: 'prometheus', address: 'localhost:9090', labels: { team: 'sre' } },
  ],
  ruleFiles: ['shortstack-alerts.yml'],
  alertmanagers: ['alertmanager:9093'],
  scrapeInterval: '5s',
  externalLabels: { stack: 'dev' },
};

describe('renderPrometheusConfig', () => {
  it('groups targets into one job per watched component, each with instance and component labels', () => {
    const cfg = parse(renderPrometheusConfig(input));
    expect(cfg.global).toEqual({ scrape_interval: '5s', evaluation_interval: '15s', external_labels: { stack: 'dev' } });
    expect(cfg.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['app', 'postgres', 'prometheus']);
    expect(cfg.scrape_configs[0].static_configs).toEqual([
      { targets: ['app-1:9464'], labels: { component: 'app', instance: 'app-1' } },
      { targets: ['app-2:9464'], labels: { component: 'app', instance: 'app-2' } },
    ]);
    expect(cfg.scrape_configs[2].static_configs[0].labels).toEqual({ team: 'sre', component: 'prometheus', instance: 'prometheus' });
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(cfg.rule_files).toEqual(['shortstack-alerts.yml']);
  });

  it('refuses a duplicate instance and a job whose targets disagree on the metrics path', () => {
    const dup = { ...input, targets: [input.targets[0]!, input.targets[0]!] };
    expect(() => renderPrometheusConfig(dup)).toThrow(/duplicate scrape target app\/app-1/);
    const paths = { ...input, targets: [input.targets[0]!, { ...input.targets[1]!, metricsPath: '/m' }] };
    expect(() => renderPrometheusConfig(paths)).toThrow(/metrics path/);
  });

  it('passes promtool check config with its rule file beside it', () => {
    const r = withFiles(
      { 'prometheus.yml': renderPrometheusConfig(input), 'shortstack-alerts.yml': 'groups: []\n' },
      (dir) => runTool(PROMTOOL, ['check', 'config', 'prometheus.yml'], dir),
    );
    expect(r.output).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('renders the edge probe job: the exporter asked to probe the front door with the edge module', () => {
    const withEdge = { ...input, targets: [...input.targets, edgeScrapeTarget('blackbox-exporter:9115', 'http://nginx:8080/')] };
    const cfg = parse(renderPrometheusConfig(withEdge));
    const edge = cfg.scrape_configs.find((j: { job_name: string }) => j.job_name === 'edge');
    expect(edge).toEqual({
      job_name: 'edge',
      metrics_path: '/probe',
      params: { module: ['http_edge'], target: ['http://nginx:8080/urls'] },
      static_configs: [{ targets: ['blackbox-exporter:9115'], labels: { component: 'edge', instance: 'front-door' } }],
    });
    const r = withFiles({ 'prometheus.yml': renderPrometheusConfig(withEdge), 'shortstack-alerts.yml': 'groups: []\n' },
      (dir) => runTool(PROMTOOL, ['check', 'config', 'prometheus.yml'], dir));
    expect(r.code, r.output).toBe(0);
  });
});
