// SLO spec -> Sloth-style recording rules and multi-window multi-burn-rate alerts (SRE workbook,
// 30-day budget): page on 14.4x over 1h and 5m or 6x over 6h and 30m; ticket on 3x over 1d and
// 2h or 1x over 3d and 6h. The short window makes an alert stop soon after the burn stops.
import type { AlertDefinition, RecordingGroup, Severity } from '../types.js';
import { SLO_PERIOD_DAYS, SLO_SERVICE, type SloSpec } from './spec.js';

export interface BurnWindow {
  factor: number;
  long: string;
  short: string;
}

export const PAGE_WINDOWS: BurnWindow[] = [
  { factor: 14.4, long: '1h', short: '5m' },
  { factor: 6, long: '6h', short: '30m' },
];
export const TICKET_WINDOWS: BurnWindow[] = [
  { factor: 3, long: '1d', short: '2h' },
  { factor: 1, long: '3d', short: '6h' },
];

export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export const errorRatioMetric = (window: string) => `slo:sli_error:ratio_rate${window}`;

function sloLabels(slo: SloSpec): Record<string, string> {
  return { service: SLO_SERVICE, slo: slo.id };
}

/** Error budget as a decimal literal without float noise (1 - 0.999 = 0.0010000000000000009). */
export function errorBudget(slo: SloSpec): number {
  return Number((1 - slo.objective).toPrecision(12));
}

export function sloRecordingGroup(slo: SloSpec): RecordingGroup {
  const labels = sloLabels(slo);
  const sel = `{slo="${slo.id}"}`;
  const budget = errorBudget(slo);
  return {
    name: `slo-${slo.id}`,
    rules: [
      ...SLI_WINDOWS.map((w) => ({ record: errorRatioMetric(w), expr: `${slo.errors(w)}\n/\n${slo.total(w)}`, labels })),
      // The period ratio as the mean of the 5m ratios, as Sloth does: 30 days of raw counters
      // would be too costly to read at every evaluation.
      {
        record: errorRatioMetric(`${SLO_PERIOD_DAYS}d`),
        expr: `sum_over_time(${errorRatioMetric('5m')}${sel}[${SLO_PERIOD_DAYS}d]) / count_over_time(${errorRatioMetric('5m')}${sel}[${SLO_PERIOD_DAYS}d])`,
        labels,
      },
      { record: 'slo:objective:ratio', expr: String(slo.objective), labels },
      { record: 'slo:error_budget:ratio', expr: String(budget), labels },
      { record: 'slo:time_period:days', expr: String(SLO_PERIOD_DAYS), labels },
      { record: 'slo:current_burn_rate:ratio', expr: `${errorRatioMetric('5m')}${sel} / ${budget}`, labels },
      { record: 'slo:period_burn_rate:ratio', expr: `${errorRatioMetric(`${SLO_PERIOD_DAYS}d`)}${sel} / ${budget}`, labels },
      { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels },
    ],
  };
}

function burnExpr(slo: SloSpec, windows: BurnWindow[]): string {
  const sel = `{slo="${slo.id}"}`;
  const budget = errorBudget(slo);
  return windows
    .map((w) => `(\n  ${errorRatioMetric(w.long)}${sel} > (${w.factor} * ${budget})\nand\n  ${errorRatioMetric(w.short)}${sel} > (${w.factor} * ${budget})\n)`)
    .join('\nor\n');
}

function burnAlert(slo: SloSpec, kind: 'Page' | 'Ticket', severity: Severity, windows: BurnWindow[]): AlertDefinition {
  const name = `${slo.alertPrefix}BudgetBurn${kind}`;
  const windowsText = windows.map((w) => `${w.factor}x over ${w.long} and ${w.short}`).join(', or ');
  const pct = `${Number((slo.objective * 100).toPrecision(6))}%`;
  return {
    name,
    group: 'shortstack-slo',
    expr: burnExpr(slo, windows),
    for: kind === 'Page' ? '2m' : '15m',
    severity,
    component: 'app',
    labels: { slo: slo.id },
    summary: `${slo.id} SLO: error budget burning too fast (${kind.toLowerCase()})`,
    description: `The ${slo.id} SLO (${pct} over ${SLO_PERIOD_DAYS} days: ${slo.description}) burns its error budget at ${windowsText}. Error ratio now: {{ $value | printf "%.4f" }}.`,
    runbook: {
      ...slo.runbook,
      meaning: `${slo.runbook.meaning} Burn rates: ${windowsText} (1x spends the ${SLO_PERIOD_DAYS}-day budget in exactly ${SLO_PERIOD_DAYS} days).`,
      escalate: kind === 'Page'
        ? 'Paged: at this rate the monthly budget is gone in days. Open an incident; call the app team lead if the cause is not found in 30 minutes.'
        : 'Ticket for the app team this working day; review what spent the budget.',
    },
  };
}

export function sloAlerts(slo: SloSpec): AlertDefinition[] {
  return [burnAlert(slo, 'Page', 'critical', PAGE_WINDOWS), burnAlert(slo, 'Ticket', 'warning', TICKET_WINDOWS)];
}
