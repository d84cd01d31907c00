// Loads asked for in one turn of the event loop, sent as one batch. Each request's socket is read
// in its own callback, with its promise jobs run before the next: a batch dispatched after those
// jobs (DataLoader's default) would hold one request's keys only. Dispatched from setImmediate,
// after the poll phase, it holds the keys of every request read in this turn.
// With maxInFlight, at most that many batches are out at once; the next one waits for a batch to
// come back and takes every key asked for meanwhile. Under a light load nothing waits (a batch
// goes out in its own turn); under a heavy one the batches grow instead of the statements, so
// the fixed cost of a statement (PgBouncer, parse, plan) is shared by more keys.
import DataLoader from 'dataloader';

/**
 * A load function whose calls of one turn reach `batch` together (at most `maxBatch` keys per
 * call; duplicates are passed through), with at most `maxInFlight` calls of `batch` unanswered.
 * `batch` answers in the keys' order; its rejection rejects every load of that batch. No cache:
 * callers keep values (cache/two-tier-cache.ts).
 */
export function perTurn<K, V>(batch: (keys: readonly K[]) => Promise<readonly V[]>, maxBatch: number, maxInFlight = Infinity): (key: K) => Promise<V> {
  // Batches sent or about to be; a batch over the bound waits, still taking keys (DataLoader
  // adds a key to the batch it has not dispatched yet).
  let out = 0;
  const waiting: (() => void)[] = [];
  const done = () => {
    const next = waiting.shift();
    if (next === undefined) out -= 1;
    else setImmediate(next); // the finished batch's place passes to it
  };
  const loader = new DataLoader<K, V>(async (keys) => {
    try {
      return await batch(keys);
    } finally {
      done();
    }
  }, {
    // DataLoader's cache would keep every key ever loaded, and outlive invalidations.
    cache: false,
    maxBatchSize: maxBatch,
    batchScheduleFn: (run) => {
      if (out < maxInFlight) {
        out += 1;
        setImmediate(run);
      } else {
        waiting.push(run);
      }
    },
  });
  return (key) => loader.load(key);
}
