// Grafana dashboards as JSON files, for the provisioning folder of every placement.
import { overviewDashboard } from './overview.js';
import { DASHBOARDS } from '../contract/panels.js';
import { sloDashboard } from './slos.js';

export function renderDashboards(): Record<string, string> {
  return {
    [DASHBOARDS.overview.file]: `${JSON.stringify(overviewDashboard().build(), null, 2)}\n`,
    [DASHBOARDS.slos.file]: `${JSON.stringify(sloDashboard().build(), null, 2)}\n`,
  };
}

export { DASHBOARDS, OVERVIEW_PANELS, SLO_PANELS } from '../contract/panels.js';
