// Definitions -> Prometheus rule files (pure).
import { stringify } from 'yaml';
import { runbookUrl } from './runbook-url.js';
import type { AlertDefinition, RecordingGroup } from './types.js';

export interface RenderOptions {
  runbookBaseUrl?: string;
  /** Size of the disk the PostgreSQL data lives on (per stack; see capacity.ts). */
  postgresVolumeBytes?: number;
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
