// Counters the redirect bumps on every request (requests, redirect outcomes, cache lookups),
// summed in plain numbers and handed to prom-client when the registry is read. prom-client
// hashes the label set on every inc(), a bound child's too: three times per redirect, about 1 us
// each on this machine, more than the rest of the handler's own code. Counts are exact at every
// read: a counter with tallies adds them in its collect() (metrics.ts), which runs before it is read.
import type { Counter } from 'prom-client';

export interface Tally { inc(): void }

class PendingCount implements Tally {
  n = 0;
  constructor(readonly child: Counter.Internal) {}
  inc(): void { this.n += 1; }
}

const tallies = new WeakMap<object, PendingCount[]>();

/** A cheap counter of one label set of `counter`; the counter must flush its tallies in collect(). */
export function tally<T extends string>(counter: Counter<T>, labels: Partial<Record<T, string | number>>): Tally {
  const t = new PendingCount(counter.labels(labels));
  let list = tallies.get(counter);
  if (!list) tallies.set(counter, (list = []));
  list.push(t);
  return t;
}

/** Adds what the tallies of `counter` counted since the last call. */
export function flushTallies(counter: object): void {
  for (const t of tallies.get(counter) ?? []) {
    if (t.n === 0) continue;
    t.child.inc(t.n);
    t.n = 0;
  }
}
