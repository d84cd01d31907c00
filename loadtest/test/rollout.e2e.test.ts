// The rollout scenario on the real loopback stack (issue 20): every replica replaced in turn
// under mixed load, with no failed request of any kind and no click lost. Bounded by readiness
// waits, not by timing: a busy machine makes it slower, never red.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { canConnect } from '../../infra/loopback/servers/ports.js';
import { startStack, type LoopbackStack } from '../../infra/loopback/stack.js';
import { clicksLost } from '../chaos/analysis.js';
import { runChaos } from '../chaos/run.js';
import { CHAOS } from '../chaos/scenarios.js';
import { loopbackTarget } from '../chaos/target.js';
import { BRIEF_LOAD } from './brief-load.js';

let stack: LoopbackStack;

beforeAll(async () => {
  stack = await startStack({ replicas: 2, observability: false, config: LOAD_GENERATOR_STACK_CONFIG });
});
afterAll(async () => {
  await stack?.stop();
});

describe('rollout on the loopback stack', () => {
  it('replaces both replicas under mixed load: no request fails, no click or created link is lost', async () => {
    const oldPorts = stack.replicas.map((r) => r.port);
    const r = await runChaos({ target: loopbackTarget(stack), scenario: 'rollout', ...BRIEF_LOAD, tailS: 3 });

    const failures = Object.entries(r.summary.byOp).filter(([, c]) => c.failed > 0)
      .map(([op, c]) => `${op}: ${JSON.stringify({ ...c.outcomes, ...c.errors })}`);
    expect(failures, `statuses ${JSON.stringify(r.summary.statusCounts)}`).toEqual([]);
    expect(r.summary.failed).toBe(0);
    // The load ran through the rollout, writes included (a POST must never meet a closing replica).
    const during = r.summary.series.filter((p) => p.t + 1 > r.faultAtS && p.t < r.faultDoneAtS);
    expect(during.reduce((n, p) => n + p.requests, 0)).toBeGreaterThan(0);
    expect(r.summary.byOp.create.requests).toBeGreaterThan(0);

    expect(r.clicks && clicksLost(r.clicks)).toBe(0);
    expect(r.createdMissing).toBe(0);
    expect(CHAOS.rollout.aims(r).map((a) => [a.aim, a.pass])).toEqual([
      ['zero failed requests of any kind', true],
      ['zero clicks lost', true],
      ['the roll-ups count every recorded click', true],
      ['every link that got a 201 is in the database', true],
      ['every replica replaced and serving', true],
    ]);

    // New processes on new ports; the old ones are gone, and the front door serves through the new.
    const newPorts = stack.replicas.map((x) => x.port);
    expect(newPorts.filter((p) => oldPorts.includes(p))).toEqual([]);
    expect(await Promise.all(oldPorts.map((p) => canConnect(p)))).toEqual([false, false]);
    expect((await fetch(`${stack.url}/ready`)).status).toBe(200);
  }, 180_000);
});
