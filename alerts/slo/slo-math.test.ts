// The SLO arithmetic at low and zero traffic, on the rendered recording rules, by promtool:
// an idle window is a ratio of 0 (not NaN, not absent), a deploy's counter reset costs nothing,
// and the 30-day ratio is the true error share, weighted by traffic.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PROMTOOL, runTool, withFiles } from '../../monitoring/tools/validators.js';
import { renderRuleFiles, RULE_FILES } from '../index.js';
import { TEST_CONTEXT } from '../test/context.js';

const recording = renderRuleFiles(TEST_CONTEXT)[RULE_FILES.recording]!;
const app = (instance: string, route: string, status: string) =>
  `http_requests_total{job="app", instance="${instance}", component="app", method="GET", route="${route}", status_code="${status}"}`;
const avail = '{slo="availability"}';
const LABELS = '{service="shortstack", slo="availability"}';

interface ExprCheck { expr: string; eval_time: string; exp_samples: { labels?: string; value: number }[] }

function promtoolTest(evaluationInterval: string, tests: { name: string; interval: string; input_series: { series: string; values: string }[]; promql_expr_test: ExprCheck[] }[]) {
  const file = stringify({ rule_files: ['recording.yml'], evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 });
  return withFiles({ 'recording.yml': recording, 'tests.yml': file }, (dir) => runTool(PROMTOOL, ['test', 'rules', 'tests.yml'], dir));
}

/** `expr` is within `tolerance` of `value` (promtool compares samples exactly). */
const near = (expr: string, value: number, tolerance: number) => `abs(${expr} - ${value}) < bool ${tolerance}`;

describe('SLO recording rules at low and zero traffic', () => {
  it('record 0 (not NaN, not absent) for an idle window and for a service that never answered a 5xx', () => {
    const r = promtoolTest('1m', [{
      name: 'idle after some traffic, no 5xx series at all',
      interval: '1m',
      // 10 minutes of traffic, then none: the counter stays flat. No status_code="500" series
      // ever exists (no replica has served a 5xx since it started).
      input_series: [{ series: app('app-1', '/:code', '302'), values: '0+60x10 600x80' }],
      promql_expr_test: [
        { expr: `slo:sli_error:ratio_rate5m${avail}`, eval_time: '5m', exp_samples: [{ labels: 'slo:sli_error:ratio_rate5m{service="shortstack", slo="availability"}', value: 0 }] },
        // Idle for 30 minutes: 0/0 would be NaN.
        { expr: `slo:sli_error:ratio_rate5m${avail}`, eval_time: '50m', exp_samples: [{ labels: 'slo:sli_error:ratio_rate5m{service="shortstack", slo="availability"}', value: 0 }] },
        { expr: `slo:sli_error:ratio_rate30m${avail}`, eval_time: '50m', exp_samples: [{ labels: 'slo:sli_error:ratio_rate30m{service="shortstack", slo="availability"}', value: 0 }] },
        { expr: `slo:sli_error_events:increase5m${avail}`, eval_time: '50m', exp_samples: [{ labels: 'slo:sli_error_events:increase5m{service="shortstack", slo="availability"}', value: 0 }] },
        // The idle window does not poison the long windows and the budget.
        { expr: `slo:sli_error:ratio_rate30d${avail}`, eval_time: '80m', exp_samples: [{ labels: 'slo:sli_error:ratio_rate30d{service="shortstack", slo="availability"}', value: 0 }] },
        { expr: `slo:period_error_budget_remaining:ratio${avail}`, eval_time: '80m', exp_samples: [{ labels: 'slo:period_error_budget_remaining:ratio{service="shortstack", slo="availability"}', value: 1 }] },
      ],
    }, {
      name: 'no app series at all (a stack before its first request): every SLO reads 0',
      interval: '1m',
      input_series: [{ series: 'up{job="prometheus", instance="prometheus"}', values: '1x20' }],
      promql_expr_test: [
        { expr: `slo:sli_error:ratio_rate1h${avail}`, eval_time: '10m', exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{service="shortstack", slo="availability"}', value: 0 }] },
        { expr: 'slo:period_error_budget_remaining:ratio{slo="edge-availability"}', eval_time: '10m', exp_samples: [{ labels: 'slo:period_error_budget_remaining:ratio{service="shortstack", slo="edge-availability"}', value: 1 }] },
      ],
    }]);
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
  });

  it('see through a deploy: every counter back to 0 changes neither the short nor the long ratios', () => {
    const r = promtoolTest('1m', [{
      name: 'deploy at 30m',
      interval: '1m',
      // 100 requests a minute, 1 of them a 500, throughout; the process restarts at 30m.
      input_series: [
        { series: app('app-1', '/:code', '302'), values: '0+99x29 0+99x30' },
        { series: app('app-1', '/:code', '500'), values: '0+1x29 0+1x30' },
        // Health checks every few seconds: not traffic.
        { series: app('app-1', '/health', '200'), values: '0+20x29 0+20x30' },
      ],
      promql_expr_test: [
        { expr: near(`slo:sli_error:ratio_rate1h${avail}`, 0.01, 0.0005), eval_time: '59m', exp_samples: [{ labels: LABELS, value: 1 }] },
        { expr: near(`slo:sli_error:ratio_rate5m${avail}`, 0.01, 0.0005), eval_time: '32m', exp_samples: [{ labels: LABELS, value: 1 }] },
        { expr: near(`slo:sli_error:ratio_rate30m${avail}`, 0.01, 0.0005), eval_time: '45m', exp_samples: [{ labels: LABELS, value: 1 }] },
      ],
    }]);
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
  });

  it('weigh the 30-day ratio by traffic: busy days with few errors, quiet nights with many', () => {
    // 30 days of 12 busy hours (1000 requests every 5 minutes, 1 error) and 12 quiet hours
    // (10 requests, 5 errors). True share: (144 * 1 + 144 * 5) / (144 * 1000 + 144 * 10) = 0.594%.
    // A mean of 5-minute ratios would say (0.001 + 0.5) / 2 = 25%.
    const steps = 30 * 24 * 12;
    const total: number[] = [0];
    const errors: number[] = [0];
    for (let i = 1; i <= steps; i++) {
      const busy = Math.floor((i - 1) / 144) % 2 === 0;
      total.push(total[i - 1]! + (busy ? 1000 : 10));
      errors.push(errors[i - 1]! + (busy ? 1 : 5));
    }
    const ok = total.map((t, i) => t - errors[i]!);
    const share = (144 + 720) / (144_000 + 1440);
    // Evaluated hourly (every 5 minutes would be 8640 evaluations of 30-day ranges): each
    // half-day is steady, so one 5-minute window an hour weighs the same as twelve.
    const r = promtoolTest('1h', [{
      name: '30 days, traffic-weighted',
      interval: '5m',
      input_series: [
        { series: app('app-1', '/:code', '302'), values: ok.join(' ') },
        { series: app('app-1', '/:code', '500'), values: errors.join(' ') },
      ],
      promql_expr_test: [
        { expr: near(`slo:sli_error:ratio_rate30d${avail}`, share, share * 0.02), eval_time: '30d', exp_samples: [{ labels: LABELS, value: 1 }] },
        { expr: near(`slo:period_burn_rate:ratio${avail}`, share / 0.001, share / 0.001 * 0.02), eval_time: '30d', exp_samples: [{ labels: LABELS, value: 1 }] },
      ],
    }]);
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
  }, 240_000);
});
