// A second `pulumi up` of an unchanged stack replaces and updates nothing; a resize is an
// in-place update. The mocks echo inputs back, the real provider does not: every container of
// the mock graph goes through a model of the provider's read-back (readback.ts, ported from
// kreuzwerker/terraform-provider-docker v4.5.0) and its plan against the same inputs.
import { describe, expect, it } from 'vitest';
import {
  FORCE_NEW, canonicalCpus, canonicalSeconds, engineMemoryUpdate, goDurationString, nanoInt64ToDecimalString, parseCpus,
  parseGoDuration, plan, readBack, readBackCpus, type ContainerSpec,
} from '../placements/docker/readback.js';
import { RUNTIME_LABEL, shortDigest } from '../placements/docker/generations.js';
import { runProgram, sharedRun, stackFileConfig, type MockRun, type Recorded } from './pulumi-mocks.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
/** Mock inputs as plain values: secret wrappers removed at every depth. */
const plain = (v: any): any => {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    if (SECRET_SIG in v) return plain(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
};
const CONTAINER = 'docker:index/container:Container';
const specOf = (c: Recorded): ContainerSpec => plain(c.inputs) as ContainerSpec;
const containers = (run: MockRun) => run.byType(CONTAINER);
const stackFile = stackFileConfig;

describe('the provider read-back, ported', () => {
  it('nanoInt64ToDecimalString (helpers.go), quirks included', () => {
    const cases: Array<[string, string]> = [
      ['1', '1.0'], ['2', '2.0'], ['0.5', '0.5'], ['0.25', '0.25'], ['0.1', '0.1'], ['1.5', '1.5'], ['16', '16.0'],
      // Nine "0" characters in the 9-digit string, not a round value: rounded to one decimal.
      ['0.05', '0.1'], ['0.01', '0.0'],
      // Ten zeros: the trailing ones are trimmed up to the point.
      ['10', '10.'], ['20', '20.'],
    ];
    for (const [sent, stored] of cases) expect([sent, readBackCpus(sent)]).toEqual([sent, stored]);
    expect(nanoInt64ToDecimalString(0n)).toBe('0');
    expect(parseCpus('1.0')).toBe(1_000_000_000n);
    expect(() => parseCpus('0.0000000001')).toThrow(/too precise/);
  });

  it('sends cpus in the stored form, and refuses a value with no stable form', () => {
    expect(canonicalCpus(1)).toBe('1.0');
    expect(canonicalCpus(0.25)).toBe('0.25');
    expect(canonicalCpus(10)).toBe('10.');
    for (const n of [0.1, 0.25, 0.5, 1, 1.5, 2, 4, 10, 12.5, 64]) expect(readBackCpus(canonicalCpus(n))).toBe(canonicalCpus(n));
    expect(() => canonicalCpus(0.05)).toThrow('cpus 0.05 reads back from the Docker provider as "0.1"');
  });

  it("Go's Duration.String and ParseDuration", () => {
    const s = (n: number) => goDurationString(BigInt(n) * 1_000_000_000n);
    expect([s(10), s(3), s(59), s(60), s(90), s(3600), s(3661)]).toEqual(['10s', '3s', '59s', '1m0s', '1m30s', '1h0m0s', '1h1m1s']);
    expect(goDurationString(1_500_000_000n)).toBe('1.5s');
    expect(goDurationString(500_000_000n)).toBe('500ms');
    expect(goDurationString(0n)).toBe('0s');
    for (const d of ['10s', '1m0s', '1m30s', '1h0m0s', '1.5s', '500ms']) expect(goDurationString(parseGoDuration(d))).toBe(d);
    expect(goDurationString(parseGoDuration('60s'))).toBe('1m0s');
    expect(canonicalSeconds(60)).toBe('1m0s');
  });
});

describe('a second `up` of an unchanged stack', () => {
  const stacks = {
    dev: () => runProgram('dev', stackFile('Pulumi.dev.yaml')),
    // Docker at prod's sizes (Pulumi.prod.yaml itself is an AWS stack now).
    big: () => runProgram('big', {
      'shortstack:replicas': '4',
      'shortstack:resources': JSON.stringify({ app: { cpus: 2, memoryMb: 512 }, postgres: { cpus: 2, memoryMb: 2048 } }),
      'shortstack:postgres': JSON.stringify({ sharedBuffersMb: 512, maxConnections: 200 }),
      'shortstack:cache': JSON.stringify({ lruMax: 500000, redisMaxMemoryMb: 1024 }),
    }),
  };

  it.each(Object.keys(stacks) as Array<keyof typeof stacks>)('%s: replaces nothing and updates nothing', async (name) => {
    const run = await stacks[name]();
    const all = containers(run);
    expect(all.length).toBeGreaterThan(25);
    const diffs: Record<string, unknown> = {};
    for (const c of all) {
      const sent = specOf(c);
      const p = plan(readBack(sent), sent);
      if (p.replace.length + p.update.length > 0) diffs[c.name] = p;
      // Every value we send is already the provider's stored form.
      if (sent.cpus !== undefined) expect([c.name, readBackCpus(sent.cpus)]).toEqual([c.name, sent.cpus]);
      for (const d of ['interval', 'timeout', 'startPeriod', 'startInterval'] as const) {
        const v = sent.healthcheck?.[d];
        if (v !== undefined) expect([c.name, goDurationString(parseGoDuration(v))]).toEqual([c.name, v]);
      }
      if (sent.memory !== undefined) expect([c.name, sent.memorySwap]).toEqual([c.name, sent.memory]);
    }
    expect(diffs).toEqual({});
    // The model covers every ForceNew field the placement sets.
    const used = new Set(all.flatMap((c) => Object.keys(c.inputs)));
    for (const f of FORCE_NEW) if (f !== 'uploads' || used.has(f)) expect([f, used.has(f)]).toEqual([f, true]);
  });

  it('would not have held with the forms sent before (cpus "1", durations of a minute, no memorySwap)', async () => {
    const run = await stacks.dev();
    const pg = specOf(run.container('postgres'));
    const before = { ...pg, cpus: '1', memorySwap: undefined, healthcheck: { ...pg.healthcheck, interval: '60s' } };
    const p = plan(readBack(before), before);
    expect(p.replace).toEqual(['cpus']);
    expect(p.update).toEqual(['healthcheck', 'memorySwap']);
    // A health check update is stored and never sent to the engine.
    expect(p.ignored).toEqual(['healthcheck']);
  });
});

describe('resizing the stateful services', () => {
  const STATEFUL = ['postgres', 'redis', 'prometheus', 'alertmanager', 'grafana', 'loki', 'alloy'] as const;
  const sized = (memory: Record<(typeof STATEFUL)[number], number>) => runProgram('dev', {
    'shortstack:cache': JSON.stringify({ redisMaxMemoryMb: 200 }),
    'shortstack:resources': JSON.stringify(Object.fromEntries(STATEFUL.map((c) => [c, { memoryMb: memory[c] }]))),
  });
  const base = { postgres: 512, redis: 320, prometheus: 512, alertmanager: 64, grafana: 256, loki: 256, alloy: 128 };
  const up = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v * 2])) as typeof base;
  // Down as far as the config allows (shared_buffers 128 MB within 40%, Redis 200 MB + 25%).
  const down = { postgres: 384, redis: 256, prometheus: 256, alertmanager: 32, grafana: 128, loki: 128, alloy: 64 };

  it('changes memory up and down in place: no replacement, and the engine accepts it', async () => {
    const [a, b, c] = [await sized(base), await sized(up), await sized(down)];
    for (const [from, to] of [[a, b], [b, a], [a, c], [c, b]] as const) {
      for (const name of STATEFUL) {
        const state = readBack(specOf(from.container(name)));
        const next = specOf(to.container(name));
        const p = plan(state, next);
        expect([name, p.replace, p.update]).toEqual([name, [], ['memory', 'memorySwap']]);
        expect(engineMemoryUpdate(state, next)).toEqual({ memory: next.memory, memorySwap: next.memory });
      }
    }
    // Nothing else in the graph moves: seeders, volumes, other containers.
    const changed = containers(b).filter((k) => JSON.stringify(k.inputs) !== JSON.stringify(a.container(k.name).inputs)).map((k) => k.name);
    expect(changed.sort()).toEqual([...STATEFUL].sort());
  });

  it('without memorySwap, raising the memory past twice the old limit was refused by the engine', () => {
    const state = readBack({ name: 'redis', image: 'sha256:r', memory: 320 });
    expect(state.memorySwap).toBe(640);
    expect(() => engineMemoryUpdate(state, { name: 'redis', image: 'sha256:r', memory: 1280 }))
      .toThrow('Memory limit should be smaller than already set memoryswap limit');
  });

  it('cpus and the process limit are ForceNew in the provider: changing them replaces the container', async () => {
    const run = await sized(base);
    const pg = specOf(run.container('postgres'));
    expect(plan(readBack(pg), { ...pg, cpus: canonicalCpus(2) }).replace).toEqual(['cpus']);
    expect(plan(readBack(pg), { ...pg, ulimits: [{ name: 'nproc', soft: 1024, hard: 1024 }] }).replace).toEqual(['ulimits']);
  });
});

describe('changes the provider would not apply in place', () => {
  it('labels every container with a digest of its health check and tmpfs, so a change of either replaces it', async () => {
    const run = await sharedRun('dev', { 'shortstack:replicas': '2' });
    // Services and one-shots; the never-started seeders run nothing.
    for (const c of containers(run).filter((k) => !k.name.endsWith('-config'))) {
      const s = specOf(c);
      const label = s.labels!.find((l) => l.label === RUNTIME_LABEL)?.value;
      expect([c.name, label]).toEqual([c.name, shortDigest({ healthcheck: s.healthcheck, tmpfs: s.tmpfs })]);
    }
    const pg = specOf(run.container('postgres'));
    const withCheck = (interval: string, tmpfs: Record<string, string>) => {
      const healthcheck = { ...pg.healthcheck, interval };
      const labels = pg.labels!.map((l) => (l.label === RUNTIME_LABEL ? { ...l, value: shortDigest({ healthcheck, tmpfs }) } : l));
      return { ...pg, healthcheck, tmpfs, labels };
    };
    const state = readBack(pg);
    expect(plan(state, withCheck('30s', pg.tmpfs!)).replace).toEqual(['labels']);
    expect(plan(state, withCheck(pg.healthcheck!.interval!, { ...pg.tmpfs, '/run': 'rw' })).replace).toEqual(['labels']);
  });
});
