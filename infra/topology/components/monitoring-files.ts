// The files whose content the monitoring engineer's modules own: alert and recording rules,
// Alertmanager's routing tree, the dashboards. Infra only places them.
import { renderAlertmanagerConfig, type AlertReceivers, type AlertTiming } from '../../../alerts/alertmanager-config.js';
import { renderRuleFiles } from '../../../alerts/index.js';
import { renderDashboards } from '../../../monitoring/dashboards/index.js';
import { alertsContext } from '../alerts-context.js';
import type { SmtpSettings, StackConfig } from '../config.js';
import type { PostgresDisk } from '../../../alerts/capacity.js';
import type { BuildContext } from '../context.js';
import { NODE_JOB } from '../wiring.js';
import { POSTGRES_VOLUME_MOUNT } from './exporters.js';
import { secretText, type Secrets, type Text } from '../types.js';

export interface MonitoringFiles {
  /** File name -> YAML, loaded by Prometheus. */
  rules: Record<string, string>;
  alertmanager: Text;
  /** File name -> dashboard JSON, provisioned into Grafana. */
  dashboards: Record<string, string>;
}

/** The receivers Alertmanager gets: the secrets that are set, plus the stack's SMTP settings. */
export function alertReceivers(smtp: SmtpSettings | undefined, s: Secrets): AlertReceivers {
  const r: AlertReceivers = {};
  if (s.discordWebhookUrl) r.discordWebhookUrl = s.discordWebhookUrl;
  if (s.pagerdutyRoutingKey) r.pagerdutyRoutingKey = s.pagerdutyRoutingKey;
  if (s.deadMansSwitchUrl) r.deadMansSwitchUrl = s.deadMansSwitchUrl;
  if (smtp) r.email = { ...smtp, ...(s.smtpPassword ? { password: s.smtpPassword } : {}) };
  return r;
}

/** alertmanager.yml's input for this stack: its receivers (secrets among them) and timing. */
export function alertmanagerConfInput(config: StackConfig, s: Secrets): { receivers: AlertReceivers; timing: AlertTiming } {
  return { receivers: alertReceivers(config.alerts.smtp, s), timing: config.alerts.timing };
}

export function monitoringFiles(ctx: BuildContext): MonitoringFiles {
  const { aws } = ctx.config;
  // Docker: node-exporter measures the volume's disk; AWS: RDS's storage, as declared (its
  // autoscaling ceiling), is the disk.
  const postgresDisk: PostgresDisk = aws
    ? { kind: 'declared', bytes: aws.rds.maxAllocatedStorageGiB * 1024 ** 3 }
    : { kind: 'filesystem', job: NODE_JOB, mountpoint: POSTGRES_VOLUME_MOUNT };
  return {
    rules: renderRuleFiles(alertsContext(), { postgresDisk, grafanaUrl: `http://127.0.0.1:${ctx.config.localPorts.grafana}` }),
    alertmanager: secretText(['discordWebhookUrl', 'pagerdutyRoutingKey', 'smtpPassword', 'deadMansSwitchUrl'], (s) =>
      renderAlertmanagerConfig(alertmanagerConfInput(ctx.config, s))),
    dashboards: renderDashboards(),
  };
}
