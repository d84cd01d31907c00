import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertDefinitions, renderRuleFiles } from '../../alerts/index.js';
import { alertsContext } from '../../infra/topology/alerts-context.js';
import { DASHBOARDS, OVERVIEW_PANELS, SLO_PANELS, renderDashboards } from './index.js';
import { OVERVIEW_PANEL_IDS, SLO_PANEL_IDS, panelId } from '../contract/panels.js';
import { REQUEST_ID_LOGQL } from './overview.js';

interface Panel { id?: number; type: string; title: string; fieldConfig?: { defaults?: { mappings?: unknown[]; thresholds?: { steps: { value: number | null; color: string }[] }; unit?: string }; overrides?: unknown[] }; targets?: { expr?: string; datasource?: { type?: string; uid?: string } }[]; gridPos?: { w: number; h: number } }
interface Dash { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } }

const ALERTS = alertDefinitions(alertsContext());
const files = renderDashboards();
const dashboards = Object.fromEntries(Object.entries(files).map(([f, j]) => [f, JSON.parse(j) as Dash]));
const overview = dashboards[DASHBOARDS.overview.file]!;
const slos = dashboards[DASHBOARDS.slos.file]!;

describe('renderDashboards', () => {
  it('renders the overview and the SLO dashboards with stable uids', () => {
    expect(Object.keys(files).sort()).toEqual(['service-overview.json', 'slos.json']);
    expect(overview.uid).toBe('shortstack-overview');
    expect(slos.uid).toBe('shortstack-slos');
  });

  it('has every named panel, the golden signals first, and a row per component', () => {
    const titles = overview.panels.map((p) => p.title);
    for (const t of Object.values(OVERVIEW_PANELS)) expect(titles).toContain(t);
    expect(titles.slice(0, 5)).toEqual(['Golden signals', OVERVIEW_PANELS.traffic, OVERVIEW_PANELS.errors, OVERVIEW_PANELS.latency, OVERVIEW_PANELS.saturation]);
    const rows = overview.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(['nginx', 'App replicas', 'PgBouncer', 'PostgreSQL', 'Redis', 'Logs']));
    const sloTitles = slos.panels.map((p) => p.title);
    for (const t of Object.values(SLO_PANELS)) expect(sloTitles).toContain(t);
  });

  it('filters the Loki logs panel by the request_id variable', () => {
    const logs = overview.panels.find((p) => p.title === OVERVIEW_PANELS.logs)!;
    expect(logs.type).toBe('logs');
    expect(logs.targets?.[0]).toMatchObject({ expr: REQUEST_ID_LOGQL, datasource: { type: 'loki', uid: '${logs}' } });
    expect(overview.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual(
      expect.arrayContaining(['request_id:textbox', 'datasource:datasource', 'logs:datasource', 'instance:query']),
    );
  });

  it('queries Prometheus through the datasource variable in every metric panel', () => {
    const targets = Object.values(dashboards).flatMap((d) => d.panels.flatMap((p) => p.targets ?? []));
    const prom = targets.filter((t) => t.datasource?.type === 'prometheus');
    expect(prom.length).toBeGreaterThan(40);
    for (const t of prom) expect(t.datasource?.uid).toBe('${datasource}');
  });

  it('contains every panel a runbook sends the responder to', () => {
    const byTitle = new Map(Object.values(dashboards).map((d) => [d.title, new Set(d.panels.map((p) => p.title))]));
    const missing = ALERTS.filter((a) => !byTitle.get(a.runbook.diagnose.panel.dashboard)?.has(a.runbook.diagnose.panel.panel))
      .map((a) => `${a.name}: ${a.runbook.diagnose.panel.dashboard} / ${a.runbook.diagnose.panel.panel}`);
    expect(missing).toEqual([]);
  });

  it('gives every panel and row the id written in monitoring/contract/panels.ts, unique per dashboard', () => {
    for (const d of Object.values(dashboards)) {
      const ids = d.panels.map((p) => p.id);
      expect(ids.every((id) => typeof id === 'number'), d.title).toBe(true);
      expect(new Set(ids).size, d.title).toBe(ids.length);
    }
    expect(overview.panels.find((p) => p.title === OVERVIEW_PANELS.replicasUp)?.id).toBe(OVERVIEW_PANEL_IDS.replicasUp);
    expect(slos.panels.find((p) => p.title === SLO_PANELS.edgeBurn)?.id).toBe(SLO_PANEL_IDS.edgeBurn);
    // Stable: the ids links already sent point at (changing one breaks old notifications).
    expect([OVERVIEW_PANEL_IDS.traffic, OVERVIEW_PANEL_IDS.replicasUp, OVERVIEW_PANEL_IDS.logs, SLO_PANEL_IDS.availabilityBurn]).toEqual([1, 8, 27, 3]);
  });

  it('links each alert to its runbook panel by dashboard_url', () => {
    const rules = (parse(renderRuleFiles(alertsContext(), { grafanaUrl: 'https://grafana.example/' })['shortstack-alerts.yml']!).groups as { rules: { alert: string; annotations: Record<string, string> }[] }[]).flatMap((g) => g.rules);
    for (const r of rules) {
      const a = ALERTS.find((x) => x.name === r.alert)!;
      const d = Object.values(DASHBOARDS).find((x) => x.title === a.runbook.diagnose.panel.dashboard)!;
      const id = panelId(d.title, a.runbook.diagnose.panel.panel);
      expect(r.annotations.dashboard_url, r.alert).toBe(`https://grafana.example/d/${d.uid}?viewPanel=${id}`);
      const dash = Object.values(dashboards).find((x) => x.uid === d.uid)!;
      expect(dash.panels.find((p) => p.id === id)?.title, r.alert).toBe(a.runbook.diagnose.panel.panel);
    }
  });

  it('shows up/down stats as words and colours, not bare 0 and 1', () => {
    for (const t of [OVERVIEW_PANELS.nginxUp, OVERVIEW_PANELS.replicasUp, OVERVIEW_PANELS.pgbouncerUp, OVERVIEW_PANELS.postgresUp, OVERVIEW_PANELS.redisUp]) {
      const p = overview.panels.find((x) => x.title === t)!;
      expect(JSON.stringify(p.fieldConfig?.defaults?.mappings), t).toContain('"DOWN"');
      expect(p.fieldConfig?.defaults?.thresholds?.steps, t).toEqual([{ value: null, color: 'red' }, { value: 1, color: 'green' }]);
    }
  });

  it('has per-replica latency, CPU and heap panels, and a second axis wherever a panel mixes units', () => {
    const expr = (t: string) => overview.panels.find((p) => p.title === t)!.targets!.map((x) => x.expr).join(' ');
    expect(expr(OVERVIEW_PANELS.replicaLatency)).toContain('by (le, instance)');
    expect(expr(OVERVIEW_PANELS.replicaCpu)).toContain('process_cpu_seconds_total');
    expect(expr(OVERVIEW_PANELS.replicaHeap)).toContain('nodejs_heap_size_used_bytes');
    const click = overview.panels.find((p) => p.title === OVERVIEW_PANELS.clickBuffer)!;
    expect(JSON.stringify(click.fieldConfig?.overrides)).toContain('"value":"s"');
  });

  it('annotates deploys and firing alerts on the overview', () => {
    const d = JSON.parse(files[DASHBOARDS.overview.file]!) as { annotations: { list: { name: string; expr: string }[] } };
    expect(d.annotations.list.map((a) => a.name)).toEqual(['Deploys and restarts', 'Alerts']);
  });
});
