// Grafana provisioning: the Prometheus and Loki data sources, and a file provider for the
// dashboards (rendered by monitoring/dashboards, uploaded into `dashboardsDir`).
import { stringify } from 'yaml';

/** Data source uids dashboards refer to. */
export const GRAFANA_DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki' } as const;

export interface GrafanaProvisioningInput {
  /** URLs as Grafana's server reaches them. */
  prometheusUrl: string;
  lokiUrl: string;
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
      {
        name: 'Loki', uid: GRAFANA_DATASOURCE_UIDS.loki, type: 'loki', access: 'proxy',
        url: input.lokiUrl, editable: false,
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
