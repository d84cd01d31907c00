import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertDefinitions, renderRuleFiles } from '../../alerts/index.js';
import { runbookAnchor } from '../../alerts/runbook-url.js';
import { readableTemplate, renderRunbook } from '../../alerts/runbook/render.js';
import { alertsContext } from '../topology/alerts-context.js';

const committed = readFileSync(fileURLToPath(new URL('../../RUNBOOK.md', import.meta.url)), 'utf8');
const ctx = alertsContext();
const ALERTS = alertDefinitions(ctx);
const rendered = renderRunbook(ctx);

describe('RUNBOOK.md', () => {
  it('is up to date with the alert definitions (run `npm run runbook`)', () => {
    expect(committed).toBe(rendered);
  });

  it('has one section per alert under the anchor its runbook_url points at', () => {
    const rules = (parse(renderRuleFiles(ctx)['shortstack-alerts.yml']!).groups as { rules: { alert: string; annotations: { runbook_url: string } }[] }[])
      .flatMap((g) => g.rules);
    for (const r of rules) {
      const anchor = r.annotations.runbook_url.split('#')[1]!;
      expect(rendered).toContain(`<a id="${anchor}"></a>\n### ${r.alert}\n`);
    }
    const anchors = [...rendered.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]);
    expect(anchors).toEqual(ALERTS.map((a) => runbookAnchor(a.name)));
  });

  it('tells how to reach each tool on each placement, with ports from the topology', () => {
    expect(rendered).toContain('| `PROMETHEUS_URL` | http://127.0.0.1:9090 | the `prometheus:` URL it prints | http://127.0.0.1:9090 while');
    expect(rendered).not.toContain('not deployed yet');
    expect(rendered).toMatch(/## Alert tiers[\s\S]*\| critical \| Discord \+ email \+ PagerDuty/);
    for (const a of ALERTS) {
      const section = rendered.split(`### ${a.name}\n`)[1]!.split('\n### ')[0]!;
      expect(section, a.name).toMatch(/- docker:\n {2}- `/);
      expect(section, a.name).toMatch(/- loopback:\n {2}- `/);
      expect(section, a.name).toMatch(/- aws:\n {2}- `/);
      expect(section, a.name).toContain('**Escalate.**');
    }
  });

  it('defines every $VARIABLE a placement\'s commands use in its column of the variables table', () => {
    const table = new Map([...rendered.matchAll(/^\| `([A-Z_]+)` \| (.*) \| (.*) \| (.*) \|$/gm)].map((m) => [m[1]!, { docker: m[2]!, loopback: m[3]!, aws: m[4]! }]));
    const undefinedVars: string[] = [];
    for (const placement of ['docker', 'loopback', 'aws'] as const) {
      for (const c of ALERTS.flatMap((a) => a.runbook.diagnose.commands[placement])) {
        for (const [, v] of c.matchAll(/\$([A-Z][A-Z_]+)/g)) {
          if (!table.get(v!)?.[placement] || table.get(v!)![placement].startsWith('-')) undefinedVars.push(`${placement}: $${v} in ${c}`);
        }
      }
    }
    expect(undefinedVars).toEqual([]);
    // Docker commands name the stack by its variable, never the default stack's name.
    expect(ALERTS.flatMap((a) => a.runbook.diagnose.commands.docker).filter((c) => /stack=dev\b|shortstack-dev-/.test(c))).toEqual([]);
  });

  it('shows templates as placeholders', () => {
    expect(readableTemplate('{{ $labels.instance }} at {{ $value | printf "%.3f" }}')).toBe('`<instance>` at `<value>`');
  });
});
