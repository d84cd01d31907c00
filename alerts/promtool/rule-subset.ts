// Rendered rule files cut down to what some alerts read, so a promtool unit test of one alert
// evaluates its own rule and the recording rules under it, not every rule at every step.
import { parse, stringify } from 'yaml';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

interface Group {
  name: string;
  rules: Rule[];
}

/** PromQL metric names; a record name read by an expr appears there as one such token. */
const TOKEN = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
/** Strings and comments: no selector starts inside them. */
const STRING_OR_COMMENT = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|#[^\n]*/g;

/**
 * Why `expr` may read series it does not name (then nothing can be left out), or undefined: a
 * `__name__` matcher picks metric names by pattern, and a selector without a metric name
 * (`{job="app"}`) matches recorded series by their labels.
 */
export function readsUnnamed(expr: string): string | undefined {
  if (new Set(expr.match(TOKEN)).has('__name__')) return 'has a __name__ matcher';
  const code = expr.replace(STRING_OR_COMMENT, ' ');
  for (let i = code.indexOf('{'); i >= 0; i = code.indexOf('{', i + 1)) {
    if (!/[a-zA-Z0-9_:]\s*$/.test(code.slice(0, i))) return 'has a selector without a metric name';
  }
  return undefined;
}

export const EVERY_ALERT = 'every alert';
const ALERT_STATE = /(?<![a-zA-Z0-9_:])ALERTS(?:_FOR_STATE)?(?![a-zA-Z0-9_:])\s*/g;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(,|\})/y;
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A regex naming alerts plainly: names joined by | (Prometheus anchors it: exactly those). */
const PLAIN_NAMES = /^[a-zA-Z_][a-zA-Z0-9_]*(\|[a-zA-Z_][a-zA-Z0-9_]*)*$/;

/**
 * The alerts whose state `expr` reads through ALERTS or ALERTS_FOR_STATE (every alert rule
 * writes its state there): those an `alertname` matcher of the selector names plainly (=, or =~
 * with names joined by |), EVERY_ALERT when a selector has none or one it cannot read that way.
 */
export function alertsRead(expr: string): string[] | typeof EVERY_ALERT {
  const names: string[] = [];
  for (const m of expr.matchAll(ALERT_STATE)) {
    let at = m.index + m[0].length;
    if (expr[at] !== '{') return EVERY_ALERT;
    let named: string[] | undefined;
    let closed = false;
    while (!closed) {
      MATCHER.lastIndex = at + 1;
      const x = MATCHER.exec(expr);
      // Not a matcher list as written here (or an empty one): no bound read.
      if (!x) return EVERY_ALERT;
      const [, label, op, quoted, end] = x as unknown as [string, string, string, string, string];
      const value = quoted.slice(1, -1);
      // Matchers must all hold: any alertname one bounds the alerts read.
      if (label === 'alertname' && ((op === '=' && NAME.test(value)) || (op === '=~' && PLAIN_NAMES.test(value)))) named = value.split('|');
      at = MATCHER.lastIndex - 1;
      closed = end === '}';
    }
    if (named === undefined) return EVERY_ALERT;
    names.push(...named);
  }
  return names;
}

/**
 * `ruleFiles` (file name -> content) holding only the alert rules named `alerts` and the
 * recording rules they read, transitively. Groups keep their name, settings and rule order and
 * the files their order, so what is left evaluates as in the full files; empty groups and files
 * go. An alert read through ALERTS is needed too (see alertsRead). When a rule needed reads series
 * it does not name (see readsUnnamed), the full files.
 * Over-inclusion is harmless (a token that is a label or a string still pulls in its record);
 * a missing rule would make a quiet case pass for want of data.
 */
export function ruleSubset(ruleFiles: Record<string, string>, alerts: readonly string[]): Record<string, string> {
  const files = Object.entries(ruleFiles).map(([name, yaml]) => ({ name, doc: parse(yaml) as { groups: Group[] } }));
  const rules = files.flatMap((f) => f.doc.groups.flatMap((g) => g.rules));
  // A name recorded more than once (one series per SLO, say) is all of them.
  const byRecord = new Map<string, Rule[]>();
  for (const r of rules) if (r.record !== undefined) byRecord.set(r.record, [...(byRecord.get(r.record) ?? []), r]);

  const needed = new Set<Rule>();
  const queue: Rule[] = [];
  const need = (r: Rule) => {
    if (!needed.has(r)) {
      needed.add(r);
      queue.push(r);
    }
  };
  for (const name of alerts) {
    const own = rules.filter((r) => r.alert === name);
    if (own.length === 0) throw new Error(`no alert rule ${name} in the rule files`);
    own.forEach(need);
  }
  for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
    if (readsUnnamed(r.expr) !== undefined) return ruleFiles;
    for (const token of new Set(r.expr.match(TOKEN))) byRecord.get(token)?.forEach(need);
    // The alerts read by state, with what they read in turn: their state evolves as in the full files.
    const read = alertsRead(r.expr);
    for (const a of rules) if (a.alert !== undefined && (read === EVERY_ALERT || read.includes(a.alert))) need(a);
  }

  const kept: Record<string, string> = {};
  for (const { name, doc } of files) {
    const groups = doc.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => needed.has(r)) })).filter((g) => g.rules.length > 0);
    if (groups.length > 0) kept[name] = stringify({ ...doc, groups }, { lineWidth: 0, aliasDuplicateObjects: false });
  }
  return kept;
}
