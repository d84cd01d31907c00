// The files whose content the monitoring engineer's modules own: alert and recording rules,
// Alertmanager's routing tree, the dashboards. Infra only places them.
import { renderRuleFiles } from '../../../alerts/index.js';
import type { BuildContext } from '../context.js';
import type { Text } from '../types.js';

export interface MonitoringFiles {
  /** File name -> YAML, loaded by Prometheus. */
  rules: Record<string, string>;
  alertmanager: Text;
  /** File name -> dashboard JSON, provisioned into Grafana. */
  dashboards: Record<string, string>;
}

export function monitoringFiles(_ctx: BuildContext): MonitoringFiles {
  return { rules: renderRuleFiles(), alertmanager: '', dashboards: {} };
}
