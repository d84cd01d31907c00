// kill-replica and redis-down, briefly, against the real loopback stack: CI keeps their aims true.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LoopbackStack } from '../../infra/loopback/stack.js';
import { runChaos } from '../chaos/run.js';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { CHAOS, type ChaosResult } from '../chaos/scenarios.js';
import { loopbackTarget } from '../chaos/target.js';
import { BRIEF_LOAD } from './brief-load.js';

/**
 * Requests the load made while the fault lasted: proof that the scenario measured something. A
 * count, not a throughput floor: a busy machine serves fewer, never none.
 */
const requestsDuringFault = (r: ChaosResult) =>
  r.summary.series.filter((p) => p.t + 1 > r.faultAtS && p.t < r.faultDoneAtS).reduce((n, p) => n + p.requests, 0);

let stack: LoopbackStack;

beforeAll(async () => {
  // Every batch keeps its roll-ups for later (a brief load makes small batches), so the killed
  // replica leaves kept counts behind.
  stack = await startStack({
    replicas: 2, observability: false, config: LOAD_GENERATOR_STACK_CONFIG, appEnv: { CLICK_ROLLUP_DELAY_FROM: '1', CLICK_ROLLUP_DELAY_MS: '2000' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const brief = { ...BRIEF_LOAD, tailS: 3 };

/** Rows of click_rollups_pending: kept roll-up counts not yet applied. */
async function keptRows(): Promise<number> {
  const client = new pg.Client({ connectionString: stack.directDatabaseUrl });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM click_rollups_pending')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** The redirects that failed, by kind, so a failing run says which kind it was. */
const failedRedirects = (r: ChaosResult) => {
  const { outcomes, errors } = r.summary.byOp.redirect;
  return Object.entries({ ...outcomes, ...errors }).filter(([kind, n]) => kind !== 'ok' && n > 0);
};

describe('chaos on the loopback stack', () => {
  it('kill-replica: no redirect fails while a replica is SIGKILLed and started again, and every kept roll-up is applied', async () => {
    const r = await runChaos({ target: loopbackTarget(stack), scenario: 'kill-replica', ...brief, downS: 2 });
    expect(r.victim).toBe('app-1');
    expect(requestsDuringFault(r)).toBeGreaterThan(0);
    expect(failedRedirects(r), `statuses ${JSON.stringify(r.summary.statusCounts)}`).toEqual([]);
    expect(r.summary.byOp.redirect.failed).toBe(0);
    expect(r.replicasUp).toBe(true);
    expect(r.createdMissing).toBe(0);
    expect(CHAOS['kill-replica'].aims(r).map((a) => [a.aim, a.pass])).toEqual([
      ['zero failed redirects (nginx retries idempotent requests)', true],
      ['the roll-ups count every recorded click', true],
    ]);
    // No kept row is left: the killed process's were applied with the others' (any replica's next apply takes every writer's).
    expect(await keptRows()).toBe(0);
  }, 120_000);

  it('redis-down: no redirect fails, /ready is degraded meanwhile, and everything recovers without restarts', async () => {
    const r = await runChaos({ target: loopbackTarget(stack), scenario: 'redis-down', ...brief, downS: 4, tailS: 4 });
    expect(requestsDuringFault(r)).toBeGreaterThan(0);
    expect(failedRedirects(r), `statuses ${JSON.stringify(r.summary.statusCounts)}`).toEqual([]);
    expect(r.summary.byOp.redirect.failed).toBe(0);
    expect(r.ready.some((s) => s.status === 'degraded')).toBe(true);
    expect(r.ready.at(-1)?.status).toBe('ok');
    expect(r.recovery.recoveredAtS).toBeDefined();
    expect(CHAOS['redis-down'].aims(r).map((a) => [a.aim, a.pass])).toEqual([
      ['zero failed redirects', true],
      ['/ready says degraded while Redis is down', true],
      ['full recovery without restarts', true],
    ]);
  }, 60_000);
});
