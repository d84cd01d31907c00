// Every PromQL query the project writes, with where it comes from: alert rules, recording
// rules, runbook diagnostics and dashboard panels. Tests check them all against the metrics
// catalogue and promtool.
import { RECORDING_GROUPS, type AlertDefinition } from '../alerts/index.js';
import { renderDashboards } from './dashboards/index.js';

export interface QuerySource {
  where: string;
  expr: string;
}

interface PanelJson {
  title?: string;
  targets?: { expr?: string; datasource?: { type?: string } }[];
  panels?: PanelJson[];
}

export function dashboardQueries(): QuerySource[] {
  const out: QuerySource[] = [];
  for (const [file, json] of Object.entries(renderDashboards())) {
    const walk = (panels: PanelJson[] = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) {
          if (t.datasource?.type === 'prometheus' && t.expr) out.push({ where: `${file}: ${p.title}`, expr: t.expr });
        }
        walk(p.panels);
      }
    };
    const d = JSON.parse(json) as { panels: PanelJson[]; annotations?: { list?: { name?: string; expr?: string }[] } };
    walk(d.panels);
    for (const a of d.annotations?.list ?? []) if (a.expr) out.push({ where: `${file}: annotation ${a.name}`, expr: a.expr });
  }
  return out;
}

/** The queries of these alerts (and their runbooks) and of every recording rule. */
export function ruleQueries(alerts: readonly AlertDefinition[]): QuerySource[] {
  return [
    ...alerts.map((a) => ({ where: `alert ${a.name}`, expr: a.expr })),
    ...RECORDING_GROUPS.flatMap((g) => g.rules.map((r) => ({ where: `recording ${r.record} (${g.name})`, expr: r.expr }))),
    ...alerts.flatMap((a) => a.runbook.diagnose.promql.map((expr) => ({ where: `runbook ${a.name}`, expr }))),
  ];
}

export function allQueries(alerts: readonly AlertDefinition[]): QuerySource[] {
  return [...ruleQueries(alerts), ...dashboardQueries()];
}
