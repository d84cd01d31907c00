// Alert cases -> a `promtool test rules` file over the rendered rule files.
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { durationSeconds } from '../duration.js';
import { alertRule, type RenderOptions } from '../render.js';
import type { AlertDefinition } from '../types.js';
import type { AlertCase } from './cases.js';
import { ruleSubset } from './rule-subset.js';
import { expandTemplate } from './template.js';

function expectedAlerts(def: AlertDefinition, c: AlertCase, opts: RenderOptions) {
  const rule = alertRule(def, opts);
  return (c.expect ?? []).map((e) => {
    const labels: Record<string, string> = { ...e.labels, ...rule.labels };
    const data = { labels, value: e.value ?? Number.NaN };
    const annotations = Object.fromEntries(
      Object.entries(rule.annotations).map(([k, v]) => [k, expandTemplate(v, data)]),
    );
    return { exp_labels: labels, exp_annotations: annotations };
  });
}

function testGroup(def: AlertDefinition, c: AlertCase, opts: RenderOptions) {
  const checks: { eval_time: string; alertname: string; exp_alerts: unknown[] }[] = [];
  if (c.kind === 'fires') {
    if (!c.expect?.length) throw new Error(`${c.alert}: a firing case needs 'expect'`);
    // No 'before' only for an alert that fires from the first evaluation (the Watchdog).
    if (c.before) checks.push({ eval_time: c.before, alertname: c.alert, exp_alerts: [] });
    else if (c.at !== '0m') throw new Error(`${c.alert}: a firing case needs 'before'`);
    checks.push({ eval_time: c.at, alertname: c.alert, exp_alerts: expectedAlerts(def, c, opts) });
  } else {
    checks.push({ eval_time: c.at, alertname: c.alert, exp_alerts: [] });
  }
  return {
    name: `${c.alert} ${c.kind}`,
    interval: c.interval ?? '1m',
    input_series: c.series,
    alert_rule_test: checks,
  };
}

/**
 * Group names in file order: promtool evaluates groups in an unspecified order unless told,
 * and an alert reading a recording rule must see this step's value, not the last one's.
 */
function groupOrder(ruleFiles: Record<string, string>): string[] {
  return Object.values(ruleFiles).flatMap((y) => (parse(y) as { groups: { name: string }[] }).groups.map((g) => g.name));
}

/** `ruleFiles`: file name -> content, recording rules first. */
export function renderPromtoolTests(
  ruleFiles: Record<string, string>,
  alerts: readonly AlertDefinition[],
  cases: readonly AlertCase[],
  opts: RenderOptions = {},
  evaluationInterval = '1m',
): string {
  const byName = new Map(alerts.map((a) => [a.name, a]));
  const tests = cases.map((c) => {
    const def = byName.get(c.alert);
    if (!def) throw new Error(`case for unknown alert ${c.alert}`);
    return testGroup(def, c, opts);
  });
  return stringify({ rule_files: Object.keys(ruleFiles), evaluation_interval: evaluationInterval, group_eval_order: groupOrder(ruleFiles), tests }, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The cases in `n` shards of about equal work, for `n` promtool processes side by side (promtool
 * runs a file's tests one after the other, on one core). Work: evaluation steps. A step costs more
 * the more rules its case evaluates (see renderPromtoolTestFiles), but steps balance well enough.
 */
export function shardCases(cases: readonly AlertCase[], n: number): AlertCase[][] {
  const steps = (c: AlertCase) => durationSeconds(c.at) / durationSeconds(c.evaluationInterval ?? '1m') + 1;
  const shards = Array.from({ length: n }, () => ({ work: 0, cases: [] as AlertCase[] }));
  // Largest first, each to the least loaded shard (LPT): within 4/3 of the best split.
  for (const c of [...cases].sort((a, b) => steps(b) - steps(a))) {
    const least = shards.reduce((m, s) => (s.work < m.work ? s : m));
    least.cases.push(c);
    least.work += steps(c);
  }
  return shards.map((s) => s.cases).filter((s) => s.length > 0);
}

export interface PromtoolTestFiles {
  /** File name -> content: the rule file sets and the test files that name them. */
  files: Record<string, string>;
  /** The test files among them, for `promtool test rules <every one>`. */
  tests: string[];
}

/**
 * Test files for `cases`, each case over its alert's rule and the recording rules that alert
 * reads (ruleSubset), not every rule: evaluation steps cost in proportion to the rules evaluated.
 * One test file per rule set and evaluation interval (promtool names the rule files per test
 * file; a case spanning a week is evaluated every 10 minutes, not every minute). A rule set's
 * files are named after a hash of their content: calls for several shards name identical sets
 * alike, so merged they write each set once. `name` tells the test files of several calls apart.
 */
export function renderPromtoolTestFiles(
  ruleFiles: Record<string, string>,
  alerts: readonly AlertDefinition[],
  cases: readonly AlertCase[],
  opts: RenderOptions = {},
  name = 'tests',
): PromtoolTestFiles {
  const files: Record<string, string> = {};
  const setOf = new Map<string, { id: string; files: Record<string, string> }>();
  const byTestFile = new Map<string, { set: Record<string, string>; interval: string; cases: AlertCase[] }>();
  for (const c of cases) {
    let set = setOf.get(c.alert);
    if (!set) {
      const subset = ruleSubset(ruleFiles, [c.alert]);
      const id = createHash('sha256').update(JSON.stringify(subset)).digest('hex').slice(0, 12);
      set = { id, files: Object.fromEntries(Object.entries(subset).map(([file, yaml]) => [`rules-${id}-${file}`, yaml])) };
      setOf.set(c.alert, set);
      Object.assign(files, set.files);
    }
    const interval = c.evaluationInterval ?? '1m';
    const testFile = `${name}-${set.id}-${interval}.yml`;
    const entry = byTestFile.get(testFile) ?? { set: set.files, interval, cases: [] };
    entry.cases.push(c);
    byTestFile.set(testFile, entry);
  }
  for (const [testFile, { set, interval, cases: list }] of byTestFile) files[testFile] = renderPromtoolTests(set, alerts, list, opts, interval);
  return { files, tests: [...byTestFile.keys()] };
}
