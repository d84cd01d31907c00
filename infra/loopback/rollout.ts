// A rolling replacement of every app replica, one at a time, with no request failed and no click
// lost. The order is the whole point, so it lives here apart from the I/O it drives:
//   1. start the new replica (its own free ports) and wait until /ready says it can serve;
//   2. give nginx the upstream set with the new replica added, and reload;
//   3. give nginx the set without the old replica, and reload; the reload returns only once
//      nginx's old workers have exited, i.e. finished every request they had sent the old
//      replica and closed their kept-alive connections to it;
//   4. only then SIGTERM the old replica: no request can reach it any more, so no POST (which
//      nginx rightly never retries) meets a closing replica; it drains and flushes its clicks.
// There are always at least as many replicas in nginx as before, so capacity never dips. Each
// reload is preceded by a short drain of the clients' keep-alive connections (stack.ts and
// render/nginx-drain.ts): nginx 1.22 would reset a request crossing its close of an idle one.

/** A replica as the rollout sees it: where nginx reaches it, and how to stop it gracefully. */
export interface RolloutReplica {
  readonly name: string;
  /** host:port for nginx's upstream block. */
  readonly upstream: string;
  /** SIGTERM and wait for the exit (drain, click flush). */
  stop(): Promise<void>;
}

export interface RolloutIo<R extends RolloutReplica> {
  /** The replicas now in service, in slot order; the rollout replaces each slot in turn. */
  current(): readonly R[];
  /** Starts a replacement for `slot` on new free ports; resolves once it is ready to serve. */
  startReplacement(slot: number, old: R): Promise<R>;
  /** Renders nginx.conf with exactly these upstreams and reloads; resolves once old workers are gone. */
  setUpstreams(upstreams: readonly string[]): Promise<void>;
  /** Records the new replica in the old one's slot (the stack's list, Prometheus' targets). */
  replaced(slot: number, old: R, next: R): Promise<void>;
  log?: (line: string) => void;
}

export interface RolloutStep {
  slot: number;
  old: string;
  next: string;
  /** Milliseconds: ready, in nginx, old out of nginx, old stopped. */
  readyMs: number;
  addedMs: number;
  droppedMs: number;
  stoppedMs: number;
}

/** The upstream set of a slot's replacement: `with` the new replica added, or `without` the old one. */
export function upstreamsDuring(current: readonly RolloutReplica[], slot: number, next: RolloutReplica, phase: 'with' | 'without'): string[] {
  const others = current.filter((_, i) => i !== slot).map((r) => r.upstream);
  const old = current[slot];
  if (!old) throw new Error(`rollout: no replica in slot ${slot}`);
  return phase === 'with' ? [...current.map((r) => r.upstream), next.upstream] : [...others, next.upstream];
}

export async function rollout<R extends RolloutReplica>(io: RolloutIo<R>): Promise<RolloutStep[]> {
  const log = io.log ?? (() => undefined);
  const steps: RolloutStep[] = [];
  const count = io.current().length;
  for (let slot = 0; slot < count; slot++) {
    const old = io.current()[slot]!;
    const t0 = Date.now();
    log(`${old.name}: starting its replacement`);
    const next = await io.startReplacement(slot, old);
    const readyMs = Date.now() - t0;
    try {
      log(`${old.name}: replacement ready at ${next.upstream}; adding it to nginx`);
      await io.setUpstreams(upstreamsDuring(io.current(), slot, next, 'with'));
    } catch (err) {
      // nginx still has the old set (the check failed before any reload): the new one is surplus.
      await next.stop();
      throw err;
    }
    const addedMs = Date.now() - t0;
    log(`${old.name}: dropping ${old.upstream} from nginx`);
    await io.setUpstreams(upstreamsDuring(io.current(), slot, next, 'without'));
    const droppedMs = Date.now() - t0;
    await io.replaced(slot, old, next);
    log(`${old.name}: out of nginx; SIGTERM (drain and click flush)`);
    await old.stop();
    const stoppedMs = Date.now() - t0;
    steps.push({ slot, old: old.upstream, next: next.upstream, readyMs, addedMs, droppedMs, stoppedMs });
    log(`${old.name}: replaced (${old.upstream} -> ${next.upstream}) in ${(stoppedMs / 1000).toFixed(1)} s`);
  }
  return steps;
}
