// Definitions -> Prometheus rule files (pure).
import { stringify } from 'yaml';
import { DEFAULT_GRAFANA_URL, panelUrl } from '../monitoring/contract/panels.js';
import type { PostgresDisk } from './capacity.js';
import { runbookUrl } from './runbook-url.js';
import type { AlertDefinition, RecordingGroup } from './types.js';

export interface RenderOptions {
  runbookBaseUrl?: string;
  /** How the disk PostgreSQL's data lives on is measured (per placement; see capacity.ts). */
  postgresDisk?: PostgresDisk;
  /** Grafana's root URL as a responder opens it, for each alert's dashboard_url. */
  grafanaUrl?: string;
}

export function alertRule(a: AlertDefinition, opts: RenderOptions = {}) {
  return {
    alert: a.name,
    expr: a.expr,
    for: a.for,
    labels: { severity: a.severity, component: a.component, ...a.labels },
    annotations: {
      summary: a.summary,
      description: a.description,
      runbook_url: runbookUrl(a.name, opts.runbookBaseUrl),
      // The panel the runbook sends the responder to, opened alone.
      dashboard_url: panelUrl(a.runbook.diagnose.panel.dashboard, a.runbook.diagnose.panel.panel, opts.grafanaUrl ?? DEFAULT_GRAFANA_URL),
    },
  };
}

/** One rule group per concern, in first-seen order. */
export function renderAlertFile(alerts: AlertDefinition[], opts: RenderOptions = {}): string {
  const groups = new Map<string, ReturnType<typeof alertRule>[]>();
  for (const a of alerts) {
    const list = groups.get(a.group) ?? [];
    list.push(alertRule(a, opts));
    groups.set(a.group, list);
  }
  return stringify({ groups: [...groups].map(([name, rules]) => ({ name, rules })) }, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function renderRecordingFile(groups: RecordingGroup[]): string {
  return stringify({ groups: groups.map((g) => ({ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules: g.rules })) }, { lineWidth: 0, aliasDuplicateObjects: false });
}
