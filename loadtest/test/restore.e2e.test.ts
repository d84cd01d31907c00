// The restore drill, briefly, against the real loopback stack: under mixed load a backup, a
// point in time, the data directory destroyed, a restore to the point. CI keeps its aims true.
// archive_timeout is 5 s here (60 by default) so the point's WAL is archived within the brief run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { startStack, type LoopbackStack } from '../../infra/loopback/stack.js';
import { renderChaos } from '../chaos/render.js';
import { runChaos } from '../chaos/run.js';
import { LOST_LINKS } from '../chaos/restore-drill.js';
import { CHAOS } from '../chaos/scenarios.js';
import { loopbackTarget } from '../chaos/target.js';
import { BRIEF_LOAD } from './brief-load.js';

let stack: LoopbackStack;

beforeAll(async () => {
  stack = await startStack({
    replicas: 2, observability: false,
    config: { ...LOAD_GENERATOR_STACK_CONFIG, backup: { archiveTimeoutS: 5 } },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('restore drill on the loopback stack', () => {
  it('brings back every link created before the point and none begun after it, and prints RPO and RTO', async () => {
    const lines: string[] = [];
    const r = await runChaos({
      target: loopbackTarget(stack), scenario: 'restore', ...BRIEF_LOAD, downS: 8, tailS: 4,
      log: (l) => lines.push(l),
    });
    const d = r.drill!;
    expect(d, lines.join('\n')).toBeDefined();
    expect(d.beforePoint).toBeGreaterThan(10);
    expect(d.afterPoint).toBeGreaterThan(10);
    expect(d.beforePointMissing).toBe(0);
    expect(d.afterPointBack).toBe(0);
    // The links answered after the point are gone, bar any committed before it.
    expect(r.createdMissing).toBeGreaterThan(0);
    expect(d.rpoS).toBeLessThanOrEqual(60);
    expect(d.rtoS).toBeGreaterThan(0);
    expect(lines.some((l) => /restore: pgbackrest restore --type=time/.test(l))).toBe(true);
    expect(CHAOS.restore.aims(r).map((a) => [a.aim, a.pass])).toEqual([
      ['every link that got a 201 before the point is back', true],
      ['no link committed after the point is back', true],
      ['RPO at most 60 s', true],
      ['the front door serves writes again', true],
      ['links the restore lost stop redirecting within 10 s', true],
    ]);
    // They were in the caches (followed) before the destruction.
    expect(d.lost.made).toBe(LOST_LINKS);
    expect(d.lost.followed).toBe(LOST_LINKS);
    const printed = renderChaos(r);
    expect(printed).toMatch(/RPO \d+\.\d s/);
    expect(printed).toMatch(/RTO \d+\.\d s/);
    console.log(printed);
  }, 300_000);
});
