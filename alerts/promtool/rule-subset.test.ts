import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { renderRuleFiles, RULE_FILES } from '../index.js';
import { causesHeldAfterRecovery, RECENT_CAUSE_ALERT } from '../inhibitions.js';
import { TEST_CONTEXT } from '../test/context.js';
import { alertsRead, EVERY_ALERT, readsUnnamed, ruleSubset } from './rule-subset.js';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}
type Files = Record<string, { name: string; interval?: string; rules: Rule[] }[]>;

const rec = (record: string, expr: string): Rule => ({ record, expr });
const alert = (name: string, expr: string): Rule => ({ alert: name, expr });

const render = (files: Files) => Object.fromEntries(Object.entries(files).map(([f, groups]) => [f, stringify({ groups })]));
/** File -> group -> the names of its rules. */
const names = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([f, yaml]) =>
  [f, (parse(yaml) as { groups: { name: string; interval?: string; rules: Rule[] }[] }).groups.map((g) =>
    ({ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules: g.rules.map((r) => r.record ?? r.alert) }))]));

const FILES: Files = {
  'recording.yml': [
    { name: 'base', interval: '30s', rules: [
      rec('job:errors:rate5m', 'sum by (job) (rate(errors_total[5m]))'),
      rec('job:requests:rate5m', 'sum by (job) (rate(requests_total[5m]))'),
      rec('unused:rate5m', 'sum(rate(other_total[5m]))'),
    ] },
    { name: 'ratios', rules: [
      // Reads two records of the group above: a chain of two.
      rec('job:error:ratio5m', 'job:errors:rate5m / job:requests:rate5m'),
    ] },
  ],
  'alerts.yml': [
    { name: 'app', rules: [
      // "job" and "ratio5m" are tokens too, but no record: ignored.
      alert('ErrorRatioHigh', 'job:error:ratio5m{job="app", route!~"ratio5m"} > 0.1'),
      alert('Down', 'up{job="app"} == 0'),
    ] },
    { name: 'meta', rules: [
      alert('SomethingFiredRecently', 'max_over_time(ALERTS{alertname="Down"}[30m])'),
    ] },
  ],
};

describe('ruleSubset', () => {
  it('keeps an alert and the recording rules it reads, transitively, in their groups and order', () => {
    expect(names(ruleSubset(render(FILES), ['ErrorRatioHigh']))).toEqual({
      'recording.yml': [
        { name: 'base', interval: '30s', rules: ['job:errors:rate5m', 'job:requests:rate5m'] },
        { name: 'ratios', rules: ['job:error:ratio5m'] },
      ],
      'alerts.yml': [{ name: 'app', rules: ['ErrorRatioHigh'] }],
    });
  });

  it('drops the files and groups left empty', () => {
    expect(names(ruleSubset(render(FILES), ['Down']))).toEqual({ 'alerts.yml': [{ name: 'app', rules: ['Down'] }] });
  });

  it('keeps every rule recorded under a name read', () => {
    const files: Files = { 'r.yml': [
      { name: 'slo-a', rules: [rec('slo:ratio', 'vector(1)')] },
      { name: 'slo-b', rules: [rec('slo:ratio', 'vector(2)')] },
      { name: 'alerts', rules: [alert('BurnA', 'slo:ratio{slo="a"} > 0.5')] },
    ] };
    expect(names(ruleSubset(render(files), ['BurnA']))['r.yml']!.map((g) => g.name)).toEqual(['slo-a', 'slo-b', 'alerts']);
  });

  it('keeps the alerts an alert reads through ALERTS, with what they read', () => {
    expect(names(ruleSubset(render(FILES), ['SomethingFiredRecently']))).toEqual({
      'alerts.yml': [{ name: 'app', rules: ['Down'] }, { name: 'meta', rules: ['SomethingFiredRecently'] }],
    });
    // Through a recording rule; no alertname bound: every alert and what they read.
    const files = render({ ...FILES, 'more.yml': [{ name: 'more', rules: [rec('firing', 'count(ALERTS_FOR_STATE)'), alert('ReadsIt', 'firing > 0')] }] });
    expect(names(ruleSubset(files, ['ReadsIt']))).toEqual({
      'recording.yml': [
        { name: 'base', interval: '30s', rules: ['job:errors:rate5m', 'job:requests:rate5m'] },
        { name: 'ratios', rules: ['job:error:ratio5m'] },
      ],
      'alerts.yml': [{ name: 'app', rules: ['ErrorRatioHigh', 'Down'] }, { name: 'meta', rules: ['SomethingFiredRecently'] }],
      'more.yml': [{ name: 'more', rules: ['firing', 'ReadsIt'] }],
    });
  });

  it('keeps every rule for an alert that reads series it does not name', () => {
    for (const expr of ['{__name__=~"job:.*"} > 1', 'count({job="app"})']) {
      const files = render({ ...FILES, 'more.yml': [{ name: 'more', rules: [rec('indirect', expr), alert('ReadsIt', 'indirect > 0')] }] });
      expect(ruleSubset(files, ['ReadsIt']), expr).toBe(files);
    }
  });

  it("keeps, for Shortstack's inhibitor, the causes it holds and no other alert", () => {
    const subset = names(ruleSubset(renderRuleFiles(TEST_CONTEXT), [RECENT_CAUSE_ALERT]));
    expect(subset[RULE_FILES.alerts]!.flatMap((g) => g.rules).sort()).toEqual([...causesHeldAfterRecovery(), RECENT_CAUSE_ALERT].sort());
  });

  it('refuses an alert the files lack', () => {
    expect(() => ruleSubset(render(FILES), ['Nope'])).toThrow(/no alert rule Nope/);
  });
});

describe('readsUnnamed', () => {
  it('sees __name__ matchers and selectors without a metric name; not braces in strings or comments', () => {
    expect(readsUnnamed('sum({__name__="x"})')).toMatch(/__name__/);
    expect(readsUnnamed('sum by (job) ({job="app"})')).toMatch(/without a metric name/);
    expect(readsUnnamed('up {job="app"} and on (job) foo:bar{a=~"x{2}"} # {comment}\n+ label_replace(y, "a", "{}", "b", \'{\')')).toBeUndefined();
  });
});

describe('alertsRead', () => {
  it('reads the alerts an alertname matcher names plainly', () => {
    expect(alertsRead('up == 0')).toEqual([]);
    expect(alertsRead('ALERTS{alertstate="firing", alertname=~"A|B_2"}[35m] or ALERTS_FOR_STATE { alertname = \'C\' }')).toEqual(['A', 'B_2', 'C']);
    // Several alertname matchers must all hold: one is bound enough.
    expect(alertsRead('ALERTS{alertname=~"A|B", alertname!="B"}')).toEqual(['A', 'B']);
    expect(alertsRead('MY_ALERTS{a="b"} + ALERTS_X')).toEqual([]);
  });

  it('reads every alert when a selector has no alertname bound it can read', () => {
    for (const expr of ['ALERTS', 'count(ALERTS_FOR_STATE)', 'ALERTS{alertstate="firing"}', 'ALERTS{alertname!="A"}', 'ALERTS{alertname=~"A.*"}',
      'ALERTS{alertname="A|B"}', 'ALERTS{}', 'ALERTS{alertname="A",}', 'ALERTS{alertname="A"} or ALERTS{alertname=~"B|C.+"}']) {
      expect(alertsRead(expr), expr).toBe(EVERY_ALERT);
    }
  });
});
