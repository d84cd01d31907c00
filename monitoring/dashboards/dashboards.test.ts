import { describe, expect, it } from 'vitest';
import { ALERTS } from '../../alerts/index.js';
import { DASHBOARDS, OVERVIEW_PANELS, SLO_PANELS, renderDashboards } from './index.js';
import { REQUEST_ID_LOGQL } from './overview.js';

interface Panel { type: string; title: string; targets?: { expr?: string; datasource?: { type?: string; uid?: string } }[]; gridPos?: { w: number; h: number } }
interface Dash { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } }

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
});
