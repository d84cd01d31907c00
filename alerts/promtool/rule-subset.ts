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
 * Why `expr` may read series it does not name (then nothing can be left out), or undefined:
 * ALERTS and ALERTS_FOR_STATE carry every alert rule's state, a `__name__` matcher picks metric
 * names by pattern, and a selector without a metric name (`{job="app"}`) matches recorded series
 * by their labels.
 */
export function readsUnnamed(expr: string): string | undefined {
  const tokens = new Set(expr.match(TOKEN));
  for (const t of ['ALERTS', 'ALERTS_FOR_STATE', '__name__']) if (tokens.has(t)) return `reads ${t}`;
  const code = expr.replace(STRING_OR_COMMENT, ' ');
  for (let i = code.indexOf('{'); i >= 0; i = code.indexOf('{', i + 1)) {
    if (!/[a-zA-Z0-9_:]\s*$/.test(code.slice(0, i))) return 'has a selector without a metric name';
  }
  return undefined;
}

/**
 * `ruleFiles` (file name -> content) holding only the alert rules named `alerts` and the
 * recording rules they read, transitively. Groups keep their name, settings and rule order and
 * the files their order, so what is left evaluates as in the full files; empty groups and files
 * go. When a rule needed reads series it does not name (see readsUnnamed), the full files.
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
  }

  const kept: Record<string, string> = {};
  for (const { name, doc } of files) {
    const groups = doc.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => needed.has(r)) })).filter((g) => g.rules.length > 0);
    if (groups.length > 0) kept[name] = stringify({ ...doc, groups }, { lineWidth: 0, aliasDuplicateObjects: false });
  }
  return kept;
}
