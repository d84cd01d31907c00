import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImportDirections, localImports, violations } from './import-directions.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('import directions', () => {
  it('hold across the repository: no folder imports against the flow (ARCHITECTURE.md)', () => {
    expect(checkImportDirections(ROOT)).toEqual([]);
  });

  it('reads imports, type imports, re-exports and dynamic imports, resolved from the repository root', () => {
    const source = [
      "import { PORTS } from '../../infra/topology/names.js';",
      "import type { StackConfig } from '../../infra/topology/config.js';",
      "export { DASHBOARDS } from '../../monitoring/dashboards/index.js';",
      "const m = await import('../thresholds.js');",
      "import { parse } from 'yaml';",
    ].join('\n');
    expect(localImports(ROOT, 'alerts/rules/x.ts', source)).toEqual([
      'infra/topology/names.js', 'infra/topology/config.js', 'monitoring/dashboards/index.js', 'alerts/thresholds.js',
    ]);
  });

  it('name each folder crossing that brings a cycle back', () => {
    expect(violations('alerts/rules/x.ts', ['infra/topology/names.js']).map((v) => v.imports)).toEqual(['infra/topology/names.js']);
    expect(violations('alerts/slo/spec.ts', ['monitoring/dashboards/index.js'])).toHaveLength(1);
    expect(violations('alerts/rules/x.ts', ['monitoring/contract/panels.js', 'monitoring/edge.js', 'app/src/certs/metrics.js'])).toEqual([]);
    expect(violations('app/src/x.ts', ['infra/topology/names.js', 'alerts/thresholds.js'])).toHaveLength(2);
    expect(violations('monitoring/contract/panels.ts', ['monitoring/edge.js'])).toHaveLength(1);
  });

  it('let tests and benchmarks start real parts through the loopback harness, and nothing more', () => {
    expect(violations('alerts/drill/drill.test.ts', ['infra/loopback/stack.js'])).toEqual([]);
    expect(violations('app/test/runtime/replica.ts', ['infra/loopback/servers/ports.js'])).toEqual([]);
    expect(violations('app/bench/click-bench.ts', ['loadtest/lib/rng.js'])).toEqual([]);
    expect(violations('alerts/drill/drill.test.ts', ['infra/topology/names.js'])).toHaveLength(1);
    expect(violations('alerts/drill/drill.ts', ['infra/loopback/stack.js'])).toHaveLength(1);
  });
});
