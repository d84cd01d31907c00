import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicJob } from './periodic.js';

describe('PeriodicJob', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('runs at once and every interval, or from one interval on when the caller has just run it', async () => {
    for (const [now, counts] of [[true, [1, 2, 3]], [false, [0, 1, 2]]] as const) {
      let runs = 0;
      const job = new PeriodicJob(1_000, async () => { runs += 1; }, () => undefined);
      job.start({ now });
      const seen = [runs];
      for (let i = 0; i < 2; i++) {
        await vi.advanceTimersByTimeAsync(1_000);
        seen.push(runs);
      }
      expect(seen).toEqual(counts);
      await job.stop();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(runs).toBe(counts[2]);
    }
  });
});
