import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROMTOOL, runTool, runToolAsync, withFiles, withFilesAsync } from '../../monitoring/tools/validators.js';
import { alertDefinitions, renderRuleFiles, RULE_FILES } from '../index.js';
import { TEST_CONTEXT } from '../test/context.js';
import { ALERT_CASES, type AlertCase } from './cases.js';
import { renderPromtoolTestFiles, shardCases } from './render-tests.js';

/** Always firing by design: its "quiet" is the dead man's switch noticing it stopped. */
const NEVER_QUIET = new Set(['Watchdog']);
import { expandTemplate } from './template.js';

const ALERTS = alertDefinitions(TEST_CONTEXT);
const ruleFiles = renderRuleFiles(TEST_CONTEXT);

describe('rendered rule files', () => {
  it('pass promtool check rules', () => {
    const r = withFiles(ruleFiles, (dir) => runTool(PROMTOOL, ['check', 'rules', '--lint=all', '--lint-fatal', ...Object.keys(ruleFiles)], dir));
    expect(r.output).not.toContain('FAILED');
    expect(r.output).not.toMatch(/lint|duplicate/i);
    expect(r.code).toBe(0);
  });

  it('give every alert a severity tier (or none: the Watchdog and inhibitors), a component, a runbook_url to its own anchor and a dashboard_url', () => {
    const groups = parse(ruleFiles['shortstack-alerts.yml']!).groups as { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual(ALERTS.map((a) => a.name).sort());
    for (const r of rules) {
      expect(['critical', 'warning', 'info', 'none']).toContain(r.labels.severity);
      if (r.labels.severity === 'none') expect(['Watchdog', 'RootCauseRecentlyFiring']).toContain(r.alert);
      expect(r.annotations.dashboard_url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/d\/shortstack-(overview|slos)\?viewPanel=\d+$/);
      expect(r.labels.component).toBeTruthy();
      expect(r.annotations.runbook_url).toBe(`https://github.com/shortstack/shortstack/blob/main/RUNBOOK.md#${r.alert.toLowerCase()}`);
    }
  });

  it('take the runbook base URL as an option', () => {
    const files = renderRuleFiles(TEST_CONTEXT, { runbookBaseUrl: 'https://git.example/RUNBOOK.md' });
    expect(files['shortstack-alerts.yml']).toContain('runbook_url: https://git.example/RUNBOOK.md#appreplicadown');
  });
});

describe('promtool unit tests', () => {
  it('exist for every alert: one case that fires it and one that must not', () => {
    const missing = ALERTS.flatMap((a) =>
      (['fires', 'quiet'] as const)
        .filter((kind) => !(kind === 'quiet' && NEVER_QUIET.has(a.name)))
        .filter((kind) => !ALERT_CASES.some((c) => c.alert === a.name && c.kind === kind))
        .map((kind) => `${a.name} (${kind})`),
    );
    expect(missing).toEqual([]);
  });

  it('pass: each alert fires at the expected time with the expected labels and annotations, and stays quiet otherwise', async () => {
    // Two promtool processes side by side, half the cases each: one promtool uses one core.
    const split = shardCases(ALERT_CASES, 2);
    // Every case in exactly one shard.
    expect(split.flat()).toHaveLength(ALERT_CASES.length);
    expect(new Set(split.flat())).toEqual(new Set(ALERT_CASES));
    // Each case over its alert's rules only (renderPromtoolTestFiles): a file set per rule subset.
    const shards = split.map((cases, i) => renderPromtoolTestFiles(ruleFiles, ALERTS, cases, {}, `shard${i}`));
    // Weeks of rule evaluation, CPU-bound: a few seconds of CPU over the rule subsets (about 90
    // over the full files). The test's own bound stays above the tool's.
    const files = Object.assign({}, ...shards.map((s) => s.files)) as Record<string, string>;
    const results = await withFilesAsync(files, (dir) =>
      Promise.all(shards.map((s) => runToolAsync(PROMTOOL, ['test', 'rules', ...s.tests], dir, 540_000))));
    for (const r of results) {
      expect(r.output).not.toContain('FAILED');
      expect(r.code).toBe(0);
    }
  }, 600_000);

  it("compare the databases' size with a managed database's declared storage where no disk can be measured (RDS)", () => {
    const gib = 1024 ** 3;
    const opts = { postgresDisk: { kind: 'declared' as const, bytes: 200 * gib } };
    const files = renderRuleFiles(TEST_CONTEXT, opts);
    const size = (values: string) => [{ series: 'pg_database_size_bytes{job="postgres", instance="postgres", component="postgres", datname="shortstack"}', values }];
    const cases: AlertCase[] = [
      // 150 GiB: far past the default 10 GiB, three quarters of this stack's 200 GiB.
      { alert: 'PostgresVolumeAlmostFull', kind: 'quiet', series: size(`${150 * gib}x20`), at: '15m' },
      { alert: 'PostgresVolumeAlmostFull', kind: 'fires', series: size(`${150 * gib} ${190 * gib}x20`), before: '5m', at: '6m',
        expect: [{ labels: {}, value: 0.95 }] },
      { alert: 'PostgresVolumeFilling', kind: 'quiet', interval: '10m', series: size(`${100 * gib}+${0.1 * gib}x20`), at: '3h' },
    ];
    const tests = renderPromtoolTestFiles(files, ALERTS, cases, opts);
    const r = withFiles(tests.files, (dir) => runTool(PROMTOOL, ['test', 'rules', ...tests.tests], dir));
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
    expect(files['shortstack-recording.yml']).toContain(`vector(${200 * gib})`);
  });

  it('catch a wrong expectation (the harness can fail)', () => {
    const wrong = ALERT_CASES.filter((c) => c.alert === 'AppReplicaDown' && c.kind === 'fires').map((c) => ({ ...c, before: c.at }));
    const tests = renderPromtoolTestFiles(ruleFiles, ALERTS, wrong);
    const r = withFiles(tests.files, (dir) => runTool(PROMTOOL, ['test', 'rules', ...tests.tests], dir));
    expect(r.output).toMatch(/alertname: AppReplicaDown, time: \d+m,\s+exp:\[\],\s+got:\[\s*0:/);
    expect(r.code).toBe(1);
  });

  it('catch a rule set missing a recording rule its alert reads (a subset cannot drop one unseen)', () => {
    const cases = ALERT_CASES.filter((c) => c.alert === 'AvailabilityBudgetBurnPage' && c.kind === 'fires');
    const tests = renderPromtoolTestFiles(ruleFiles, ALERTS, cases);
    const recording = Object.keys(tests.files).filter((f) => f.endsWith(RULE_FILES.recording));
    expect(recording).toHaveLength(1);
    // The same groups, so the evaluation order still names them, with no rules.
    const groups = (parse(tests.files[recording[0]!]!) as { groups: { name: string }[] }).groups.map((g) => ({ ...g, rules: [] }));
    const files = { ...tests.files, [recording[0]!]: stringify({ groups }) };
    const r = withFiles(files, (dir) => runTool(PROMTOOL, ['test', 'rules', ...tests.tests], dir));
    expect(r.output).toMatch(/alertname: AvailabilityBudgetBurnPage, time: \d+m,\s+exp:\[\s*0:[\s\S]*got:\[\]/);
    expect(r.code).toBe(1);
  });
});

describe('annotation templates', () => {
  it('use only what the test expander understands', () => {
    for (const a of ALERTS) {
      for (const t of [a.summary, a.description]) expect(() => expandTemplate(t, { labels: {}, value: 1 })).not.toThrow();
    }
  });

  it('expand labels and printf like Go', () => {
    expect(expandTemplate('{{ $labels.instance }} at {{ $value | printf "%.3f" }}{{ $labels.none }}', { labels: { instance: 'app-1' }, value: 0.0909 }))
      .toBe('app-1 at 0.091');
    expect(() => expandTemplate('{{ $value | humanize }}', { labels: {}, value: 1 })).toThrow(/unsupported/);
  });
});
