// The SLOs with their error budgets, one row per SLO of alerts/slo/spec.ts.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { BURN_RATE_WINDOWS, errorRatioMetric } from '../../alerts/slo/rules.js';
import { SLO_PERIOD_DAYS, SLOS, type SloSpec } from '../../alerts/slo/spec.js';
import { datasourceVariables, graph, q, row, single } from './builders.js';
import { DASHBOARDS, SLO_PANELS, SLO_ROW_IDS } from '../contract/panels.js';

const TITLES: Record<string, { sli: string; budget: string; burn: string }> = {
  availability: { sli: SLO_PANELS.availabilitySli, budget: SLO_PANELS.availabilityBudget, burn: SLO_PANELS.availabilityBurn },
  'redirect-latency': { sli: SLO_PANELS.latencySli, budget: SLO_PANELS.latencyBudget, burn: SLO_PANELS.latencyBurn },
  'edge-availability': { sli: SLO_PANELS.edgeSli, budget: SLO_PANELS.edgeBudget, burn: SLO_PANELS.edgeBurn },
};

function sloRow(d: dashboard.DashboardBuilder, slo: SloSpec): dashboard.DashboardBuilder {
  const titles = TITLES[slo.id];
  if (!titles) throw new Error(`no panel titles for SLO ${slo.id}`);
  const sel = `{slo="${slo.id}"}`;
  return d
    .withRow(row(`SLO ${slo.id}: ${Number((slo.objective * 100).toPrecision(6))}% — ${slo.description}`, SLO_ROW_IDS[slo.id]!))
    .withPanel(single(titles.sli, 'percentunit', [
      q(`1 - ${errorRatioMetric(`${SLO_PERIOD_DAYS}d`)}${sel}`, `${SLO_PERIOD_DAYS} d`),
      q(`slo:objective:ratio${sel}`, 'objective'),
    ], 12))
    .withPanel(single(titles.budget, 'percentunit', [q(`slo:period_error_budget_remaining:ratio${sel}`, 'budget left')], 12))
    .withPanel(
      graph(
        titles.burn,
        'x',
        BURN_RATE_WINDOWS.map((w) => q(`${errorRatioMetric(w)}${sel} / on(slo) slo:error_budget:ratio${sel}`, w)),
        'Burn rate per window: 1 spends the budget in exactly the SLO period. Pages at 14.4 (1h and 5m) and 6 (6h and 30m); tickets at 3 (1d and 2h) and 1 (3d and 6h).',
      ).span(24),
    );
}

export function sloDashboard(): dashboard.DashboardBuilder {
  const d = DASHBOARDS.slos;
  const base = new dashboard.DashboardBuilder(d.title)
    .uid(d.uid)
    .tags(['shortstack', 'slo'])
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .readonly()
    .variables(datasourceVariables());
  return SLOS.reduce(sloRow, base);
}
