// Loads asked for in one turn of the event loop, sent as one batch. Each request's socket is read
// in its own callback, with its promise jobs run before the next: a batch dispatched after those
// jobs (DataLoader's default) would hold one request's keys only. Dispatched from setImmediate,
// after the poll phase, it holds the keys of every request read in this turn.
import DataLoader from 'dataloader';

/**
 * A load function whose calls of one turn reach `batch` together (at most `maxBatch` keys per
 * call; duplicates are passed through). `batch` answers in the keys' order; its rejection
 * rejects every load of that batch. No cache: callers keep values (cache/two-tier-cache.ts).
 */
export function perTurn<K, V>(batch: (keys: readonly K[]) => Promise<readonly V[]>, maxBatch: number): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(batch, {
    // DataLoader's cache would keep every key ever loaded, and outlive invalidations.
    cache: false,
    maxBatchSize: maxBatch,
    batchScheduleFn: (run) => setImmediate(run),
  });
  return (key) => loader.load(key);
}
