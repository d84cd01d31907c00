import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideTests, reachesOutside } from './test-tiers.js';

describe('test tiers', () => {
  it('keeps every test that starts a server or runs an outside program out of test:unit', () => {
    const outside = outsideTests(join(import.meta.dirname, '..'));
    for (const f of ['infra/loopback/stack.test.ts', 'infra/loopback/servers/readiness.test.ts', 'alerts/promtool/promtool.test.ts',
      'app/test/contract/api.test.ts', 'infra/test/nginx.test.ts', 'alerts/drill/receivers.test.ts', 'loadtest/test/chaos.e2e.test.ts',
      'loadtest/bench/ceilings.test.ts']) {
      expect(outside).toContain(f);
    }
    for (const f of ['infra/test/docker-placement.test.ts', 'loadtest/lib/zipf.test.ts', 'scripts/engines.test.ts', 'scripts/test-tiers.test.ts']) {
      expect(outside).not.toContain(f);
    }
  });

  it('reads the imports, not the words', () => {
    // Built from parts, so this file's own text does not read as such an import.
    const from = (m: string) => `import x ${'from'} '${m}';`;
    expect(reachesOutside(from('./stack.js'))).toBe(true);
    expect(reachesOutside(from('pg'))).toBe(true);
    expect(reachesOutside("import { nginx } from '../topology/components/edge.js';")).toBe(false);
  });
});
