// Every alert and recording rule of Shortstack, and the rule files Prometheus loads.
import { capacityRecordingGroup, DEFAULT_POSTGRES_DISK } from './capacity.js';
import { placementCommands } from './commands.js';
import type { AlertsContext } from './context.js';
import { renderAlertFile, renderRecordingFile, type RenderOptions } from './render.js';
import { appAlerts } from './rules/app.js';
import { certificateAlerts } from './rules/certificates.js';
import { clickAlerts } from './rules/clicks.js';
import { backupAlerts } from './rules/backups.js';
import { dataAlerts } from './rules/data.js';
import { inhibitorAlerts } from './rules/inhibitors.js';
import { invalidationAlerts } from './rules/invalidations.js';
import { listAlerts } from './rules/lists.js';
import { observabilityAlerts } from './rules/observability.js';
import { webhookAlerts } from './rules/webhooks.js';
import { sloAlerts, sloRecordingGroup } from './slo/rules.js';
import { SLOS } from './slo/spec.js';
import type { AlertDefinition, RecordingGroup } from './types.js';

/** Every alert, its runbook's commands written for the deployment `ctx` describes. */
export function alertDefinitions(ctx: AlertsContext): AlertDefinition[] {
  const cmd = placementCommands(ctx);
  return [
    ...appAlerts(cmd),
    ...dataAlerts(cmd),
    ...invalidationAlerts(cmd),
    ...backupAlerts(cmd),
    ...clickAlerts(cmd),
    ...webhookAlerts(cmd),
    ...listAlerts(cmd),
    ...certificateAlerts(cmd),
    ...observabilityAlerts(cmd),
    ...SLOS.flatMap((s) => sloAlerts(s, cmd)),
    ...inhibitorAlerts(cmd),
  ];
}

export const RECORDING_GROUPS: readonly RecordingGroup[] = SLOS.map(sloRecordingGroup);

export const RULE_FILES = {
  recording: 'shortstack-recording.yml',
  alerts: 'shortstack-alerts.yml',
} as const;

export function renderRuleFiles(ctx: AlertsContext, opts: RenderOptions = {}): Record<string, string> {
  const alerts = alertDefinitions(ctx);
  const names = new Set<string>();
  for (const a of alerts) {
    if (names.has(a.name)) throw new Error(`duplicate alert ${a.name}`);
    names.add(a.name);
  }
  return {
    [RULE_FILES.recording]: renderRecordingFile([capacityRecordingGroup(opts.postgresDisk ?? DEFAULT_POSTGRES_DISK), ...RECORDING_GROUPS]),
    [RULE_FILES.alerts]: renderAlertFile(alerts, opts),
  };
}

export type { AlertsContext } from './context.js';
export type { AlertDefinition, AlertSeverity, RecordingGroup, Severity } from './types.js';
