// The rollout's order, on fakes: what nginx is given when, and that no replica is stopped while
// nginx may still send it a request.
import { describe, expect, it } from 'vitest';
import { rollout, upstreamsDuring, type RolloutIo, type RolloutReplica } from './rollout.js';
import { parentPidOf, reloadDone } from './servers/nginx-reload.js';

function fakeStack(n: number, opts: { failUpstreamsAt?: number } = {}) {
  const events: string[] = [];
  let port = 9000;
  const replica = (name: string): RolloutReplica => {
    const upstream = `127.0.0.1:${++port}`;
    return { name, upstream, stop: async () => { events.push(`stop ${upstream}`); } };
  };
  const live = Array.from({ length: n }, (_, i) => replica(`app-${i + 1}`));
  let nginx: readonly string[] = live.map((r) => r.upstream);
  let reloads = 0;
  const io: RolloutIo<RolloutReplica> = {
    current: () => live,
    startReplacement: async (_slot, old) => {
      const r = replica(old.name);
      events.push(`start ${r.upstream}`);
      return r;
    },
    setUpstreams: async (u) => {
      if (++reloads === opts.failUpstreamsAt) throw new Error('nginx: the new config fails its check');
      nginx = u;
      events.push(`nginx ${u.join(',')}`);
    },
    replaced: async (slot, _old, next) => { live[slot] = next; },
  };
  return { io, events, live, nginx: () => nginx };
}

describe('rollout', () => {
  it('adds each new replica to nginx before it drops the old one, and stops the old one only after', async () => {
    const s = fakeStack(2);
    const steps = await rollout(s.io);
    expect(s.events).toEqual([
      'start 127.0.0.1:9003',
      'nginx 127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003',
      'nginx 127.0.0.1:9002,127.0.0.1:9003',
      'stop 127.0.0.1:9001',
      'start 127.0.0.1:9004',
      'nginx 127.0.0.1:9003,127.0.0.1:9002,127.0.0.1:9004',
      'nginx 127.0.0.1:9003,127.0.0.1:9004',
      'stop 127.0.0.1:9002',
    ]);
    expect(s.live.map((r) => [r.name, r.upstream])).toEqual([['app-1', '127.0.0.1:9003'], ['app-2', '127.0.0.1:9004']]);
    expect(steps.map((x) => [x.old, x.next])).toEqual([['127.0.0.1:9001', '127.0.0.1:9003'], ['127.0.0.1:9002', '127.0.0.1:9004']]);
  });

  it('works for a single replica: nginx is never left without one', async () => {
    const s = fakeStack(1);
    await rollout(s.io);
    const sets = s.events.filter((e) => e.startsWith('nginx')).map((e) => e.slice(6).split(','));
    expect(sets.every((set) => set.length >= 1)).toBe(true);
    expect(s.nginx()).toEqual(['127.0.0.1:9002']);
  });

  it('stops a replacement nginx would not take, and leaves the old replica serving', async () => {
    const s = fakeStack(2, { failUpstreamsAt: 1 });
    await expect(rollout(s.io)).rejects.toThrow(/fails its check/);
    expect(s.events).toEqual(['start 127.0.0.1:9003', 'stop 127.0.0.1:9003']);
    expect(s.nginx()).toEqual(['127.0.0.1:9001', '127.0.0.1:9002']);
  });

  it('names the upstream sets of one step', () => {
    const r = (upstream: string): RolloutReplica => ({ name: 'x', upstream, stop: async () => undefined });
    const current = [r('a:1'), r('b:1')];
    expect(upstreamsDuring(current, 1, r('c:1'), 'with')).toEqual(['a:1', 'b:1', 'c:1']);
    expect(upstreamsDuring(current, 1, r('c:1'), 'without')).toEqual(['a:1', 'c:1']);
  });
});

describe('nginx reload bookkeeping', () => {
  it('reads the parent pid of a /proc stat line whose command holds spaces and parentheses', () => {
    expect(parentPidOf('4242 (nginx: worker (x) process) S 4200 4200 4200 0 -1')).toBe(4200);
  });

  it('is done once every old worker is gone and a new one runs', () => {
    expect(reloadDone([10], [10, 11])).toBe(false); // old worker still finishing its requests
    expect(reloadDone([10], [])).toBe(false); // new worker not there yet
    expect(reloadDone([10], [11])).toBe(true);
  });
});
