// SLO spec -> Sloth-style recording rules and multi-window multi-burn-rate alerts (SRE workbook,
// 30-day budget): page on 14.4x over 1h and 5m or 6x over 6h and 30m; ticket on 3x over 1d and
// 2h or 1x over 3d and 6h. The short window makes an alert stop soon after the burn stops.
import type { Commands } from '../commands.js';
import { durationSeconds } from '../duration.js';
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

/**
 * Every window an SLI ratio is recorded over, derived once (as Sloth does) from the burn windows
 * and the SLO period, shortest first: the alerts and the dashboards read these recordings.
 */
/** The windows the burn-rate alerts read, in the order they are listed (page first). */
export const BURN_RATE_WINDOWS = [...new Set([...PAGE_WINDOWS, ...TICKET_WINDOWS].flatMap((w) => [w.long, w.short]))];
const ALL_SLI_WINDOWS = [...new Set([...BURN_RATE_WINDOWS, `${SLO_PERIOD_DAYS}d`])]
  .sort((a, b) => durationSeconds(a) - durationSeconds(b));
/** Windows computed from the raw counters: shorter than a day, short enough to read at every evaluation. */
export const SLI_WINDOWS = ALL_SLI_WINDOWS.filter((w) => durationSeconds(w) < 86_400);
/**
 * Windows computed from the recorded 5-minute sums: sum_over_time(bad) / sum_over_time(all),
 * which weighs each 5 minutes by its traffic (a mean of 5-minute ratios would count an idle
 * night's one failed request like a busy hour's thousand).
 */
export const LONG_SLI_WINDOWS = ALL_SLI_WINDOWS.filter((w) => durationSeconds(w) >= 86_400);

export const errorRatioMetric = (window: string) => `slo:sli_error:ratio_rate${window}`;
/** Bad events and all events over the last 5 minutes, recorded at every evaluation; 0, never absent. */
export const ERROR_EVENTS_5M = 'slo:sli_error_events:increase5m';
export const ALL_EVENTS_5M = 'slo:sli_events:increase5m';

function sloLabels(slo: SloSpec): Record<string, string> {
  return { service: SLO_SERVICE, slo: slo.id };
}

/** Error budget as a decimal literal without float noise (1 - 0.999 = 0.0010000000000000009). */
export function errorBudget(slo: SloSpec): number {
  return Number((1 - slo.objective).toPrecision(12));
}

/**
 * bad / all, where no event at all is a ratio of 0, not NaN: `all > 0` drops an idle window's
 * 0/0, and `or vector(0)` stands in. The bad side `or vector(0)`: until a replica has answered
 * one 5xx (and after each deploy) that series does not exist, and an absent numerator would
 * make the whole ratio absent instead of 0.
 */
function ratio(bad: string, all: string): string {
  return `(\n  (${bad} or vector(0))\n  /\n  (${all} > 0)\n)\nor vector(0)`;
}

export function sloRecordingGroup(slo: SloSpec): RecordingGroup {
  const labels = sloLabels(slo);
  const sel = `{slo="${slo.id}"}`;
  const budget = errorBudget(slo);
  return {
    name: `slo-${slo.id}`,
    rules: [
      { record: ERROR_EVENTS_5M, expr: `${slo.errors('5m')} or vector(0)`, labels },
      { record: ALL_EVENTS_5M, expr: `${slo.total('5m')} or vector(0)`, labels },
      ...SLI_WINDOWS.map((w) => ({ record: errorRatioMetric(w), expr: ratio(slo.errors(w), slo.total(w)), labels })),
      ...LONG_SLI_WINDOWS.map((w) => ({
        record: errorRatioMetric(w),
        expr: ratio(`sum(sum_over_time(${ERROR_EVENTS_5M}${sel}[${w}]))`, `sum(sum_over_time(${ALL_EVENTS_5M}${sel}[${w}]))`),
        labels,
      })),
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

function burnAlert(slo: SloSpec, cmd: Commands, kind: 'Page' | 'Ticket', severity: Severity, windows: BurnWindow[]): AlertDefinition {
  const runbook = slo.runbook(cmd);
  const name = `${slo.alertPrefix}BudgetBurn${kind}`;
  const windowsText = windows.map((w) => `${w.factor}x over ${w.long} and ${w.short}`).join(', or ');
  const pct = `${Number((slo.objective * 100).toPrecision(6))}%`;
  return {
    name,
    group: 'shortstack-slo',
    expr: burnExpr(slo, windows),
    for: kind === 'Page' ? '2m' : '15m',
    severity,
    component: slo.id === 'edge-availability' ? 'edge' : 'app',
    labels: { slo: slo.id },
    summary: `${slo.id} SLO: error budget burning too fast (${kind.toLowerCase()})`,
    description: `The ${slo.id} SLO (${pct} over ${SLO_PERIOD_DAYS} days: ${slo.description}) burns its error budget at ${windowsText}. Error ratio now: {{ $value | printf "%.4f" }}.`,
    runbook: {
      ...runbook,
      meaning: `${runbook.meaning} Burn rates: ${windowsText} (1x spends the ${SLO_PERIOD_DAYS}-day budget in exactly ${SLO_PERIOD_DAYS} days).`,
      escalate: kind === 'Page'
        ? 'Paged: at this rate the monthly budget is gone in days. Open an incident; call the app team lead if the cause is not found in 30 minutes.'
        : 'Ticket for the app team this working day; review what spent the budget.',
    },
  };
}

export function sloAlerts(slo: SloSpec, cmd: Commands): AlertDefinition[] {
  return [burnAlert(slo, cmd, 'Page', 'critical', PAGE_WINDOWS), burnAlert(slo, cmd, 'Ticket', 'warning', TICKET_WINDOWS)];
}
