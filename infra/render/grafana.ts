// Grafana provisioning: the Prometheus and Loki data sources, and a file provider for the
// dashboards (rendered by monitoring/dashboards, uploaded into `dashboardsDir`).
import { stringify } from 'yaml';

/** Data source uids dashboards refer to. */
export const GRAFANA_DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', cloudwatch: 'cloudwatch' } as const;

/** Where the logs are: Loki (Docker, loopback) or CloudWatch Logs (AWS, with the task's role). */
export type LogsSource = { kind: 'loki'; url: string } | { kind: 'cloudwatch'; region: string };

export interface GrafanaProvisioningInput {
  /** URLs as Grafana's server reaches them. */
  prometheusUrl: string;
  logs: LogsSource;
  dashboardsDir: string;
  folder?: string;
  scrapeInterval?: string;
}

/** Files relative to Grafana's provisioning folder. */
export function renderGrafanaProvisioning(input: GrafanaProvisioningInput): Record<string, string> {
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus', uid: GRAFANA_DATASOURCE_UIDS.prometheus, type: 'prometheus', access: 'proxy',
        url: input.prometheusUrl, isDefault: true, editable: false,
        jsonData: { timeInterval: input.scrapeInterval ?? '15s' },
      },
      input.logs.kind === 'loki'
        ? { name: 'Loki', uid: GRAFANA_DATASOURCE_UIDS.loki, type: 'loki', access: 'proxy', url: input.logs.url, editable: false }
        : {
          name: 'CloudWatch', uid: GRAFANA_DATASOURCE_UIDS.cloudwatch, type: 'cloudwatch', editable: false,
          // The task role's credentials (the default chain): no keys in the provisioning file.
          jsonData: { authType: 'default', defaultRegion: input.logs.region },
        },
    ],
  };
  const dashboards = {
    apiVersion: 1,
    providers: [{
      name: 'shortstack', folder: input.folder ?? 'Shortstack', type: 'file',
      // Dashboards are code: edits in the UI would be lost on the next deploy, so refuse them.
      disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30,
      options: { path: input.dashboardsDir, foldersFromFilesStructure: false },
    }],
  };
  return {
    'datasources/shortstack.yaml': stringify(datasources, { lineWidth: 0 }),
    'dashboards/shortstack.yaml': stringify(dashboards, { lineWidth: 0 }),
  };
}
