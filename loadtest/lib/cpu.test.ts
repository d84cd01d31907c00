import { describe, expect, it } from 'vitest';
import { baselineCores, cpuByProgram, netOfIdle, parseStat, readProcs, TICKS_PER_SECOND, withCpu } from './cpu.js';

const stat = (pid: number, comm: string, ppid: number, utime: number, stime: number, reaped = 0) =>
  `${pid} (${comm}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${reaped} 0 20 0 1 0 100 1000 10`;

describe('parseStat', () => {
  it('reads pid, parent, name and CPU ticks, whatever the name holds', () => {
    expect(parseStat(stat(42, 'postgres', 7, 30, 12, 5))).toEqual({ pid: 42, ppid: 7, comm: 'postgres', ticks: 42, reapedTicks: 5 });
    expect(parseStat(stat(43, 'odd) name', 7, 1, 1)).comm).toBe('odd) name');
  });
});

/** CPU seconds the tests' busy loops burn. */
const SPIN_S = 0.3;
/** /proc counts user and system time in ticks of 10 ms: its figure may come out a few ticks short. */
const TICK_SLACK_S = 0.03;

/**
 * Busy until this process has used `s` more seconds of CPU (process.cpuUsage, the same count as
 * /proc's utime + stime) and `s` seconds have passed: on a loaded machine, 300 ms of wall time
 * alone once gave the loop 50 ms of CPU, and the process's other threads can add CPU faster
 * than the clock runs.
 */
function spinCpu(s: number): number {
  const start = process.cpuUsage();
  const until = Date.now() + s * 1000;
  let n = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) n += 1;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1e6 >= s && Date.now() >= until) return n;
  }
}

describe('cpuByProgram', () => {
  it('adds up the root and its descendants by program, counting new processes from zero', () => {
    const before = [parseStat(stat(1, 'node', 0, 100, 0)), parseStat(stat(2, 'postgres', 1, 10, 0)), parseStat(stat(9, 'other', 0, 5, 0))];
    const after = [
      parseStat(stat(1, 'node', 0, 150, 10)),
      parseStat(stat(2, 'postgres', 1, 20, 0)),
      parseStat(stat(3, 'postgres', 2, 7, 0)), // a backend born during the run
      parseStat(stat(4, 'nginx', 1, 4, 0)),
      parseStat(stat(9, 'other', 0, 500, 0)), // not ours
    ];
    expect(cpuByProgram(before, after, 1)).toEqual({ 'load generator': 60, postgres: 17, nginx: 4 });
  });

  it("counts tsx's esbuild service, the root's child, as the root's own, not as a program of the stack", () => {
    const snap = [
      parseStat(stat(1, 'node', 0, 50, 0)), parseStat(stat(2, 'esbuild', 1, 3, 1)),
      parseStat(stat(3, 'nginx', 1, 10, 0)), parseStat(stat(4, 'esbuild', 3, 2, 0)), // an esbuild below a server stays its own
    ];
    expect(cpuByProgram([], snap, 1)).toEqual({ 'load generator': 54, nginx: 10, esbuild: 2 });
    expect(cpuByProgram([], snap, 1, { rootLabel: 'bench' })).toEqual({ bench: 54, nginx: 10, esbuild: 2 });
  });

  it('names a whole subtree when asked: two clusters of the same program apart', () => {
    const snap = [
      parseStat(stat(1, 'node', 0, 0, 0)),
      parseStat(stat(2, 'postgres', 1, 10, 0)), parseStat(stat(3, 'postgres', 2, 5, 0)),
      parseStat(stat(4, 'postgres', 1, 20, 0)), parseStat(stat(5, 'postgres', 4, 7, 0)),
    ];
    expect(cpuByProgram([], snap, 1, { subtrees: new Map([[2, 'postgres'], [4, 'postgres (other stack)']]) }))
      .toEqual({ 'load generator': 0, postgres: 15, 'postgres (other stack)': 27 });
  });

  it("counts what PostgreSQL's archiver reaped (archive_command) apart from the server, in each cluster", () => {
    const proc = (line: string, title: string) => ({ ...parseStat(line), title });
    const archiver = /^postgres: (?:\S+: )?archiver\b/;
    const before = [
      proc(stat(1, 'node', 0, 0, 0), 'node bench'),
      proc(stat(2, 'postgres', 1, 10, 0), '/usr/lib/postgresql/15/bin/postgres -D data'),
      proc(stat(3, 'postgres', 2, 1, 0, 40), 'postgres: archiver last was 000000010000000000000004'),
      proc(stat(4, 'postgres', 1, 0, 0), '/usr/lib/postgresql/15/bin/postgres -D other'),
      proc(stat(5, 'postgres', 4, 0, 0, 10), 'postgres: other: archiver'),
    ];
    // Each archiver ran a segment's archive-push (25 and 7 ticks) and spent 2 of its own.
    const after = [
      proc(stat(1, 'node', 0, 0, 0), 'node bench'),
      proc(stat(2, 'postgres', 1, 10, 0, 0), '/usr/lib/postgresql/15/bin/postgres -D data'),
      proc(stat(3, 'postgres', 2, 3, 0, 65), 'postgres: archiver last was 000000010000000000000005'),
      proc(stat(4, 'postgres', 1, 0, 0), '/usr/lib/postgresql/15/bin/postgres -D other'),
      proc(stat(5, 'postgres', 4, 2, 0, 17), 'postgres: other: archiver'),
    ];
    const how = { subtrees: new Map([[2, 'postgres'], [4, 'postgres (other stack)']]), reapedAs: [{ title: archiver, label: 'archive_command' }] };
    expect(cpuByProgram(before, after, 1, how)).toEqual({
      'load generator': 0, postgres: 2, 'postgres: archive_command': 25, 'postgres (other stack)': 2, 'postgres (other stack): archive_command': 7,
    });
  });

  it('counts children that exited in between through their parent, without what they spent before', () => {
    const before = [parseStat(stat(1, 'node', 0, 0, 0)), parseStat(stat(2, 'postgres', 1, 10, 0, 100)), parseStat(stat(5, 'postgres', 2, 30, 0))];
    // Worker 5 ran 30 ticks before and 20 during, then exited; worker 6 was born and exited (8 ticks).
    // The postmaster (2) waited for both: its reaped time grew by 50 + 8.
    const after = [parseStat(stat(1, 'node', 0, 0, 0)), parseStat(stat(2, 'postgres', 1, 12, 0, 158))];
    expect(cpuByProgram(before, after, 1)).toEqual({ 'load generator': 0, postgres: 2 + 20 + 8 });
  });
});

describe('withCpu', () => {
  it('sees this process burn CPU', async () => {
    const { result, cores, seconds } = await withCpu(async () => spinCpu(SPIN_S));
    expect(result).toBeGreaterThan(0);
    expect(seconds['load generator']).toBeGreaterThanOrEqual(SPIN_S - TICK_SLACK_S);
    // The machine is shared: cores is what the scheduler gave the loop over its wall time.
    expect(cores['load generator']).toBeGreaterThan(0);
    expect(readProcs().some((p) => p.pid === process.pid)).toBe(true);
  });

  it('counts CPU spent during the settle time in seconds, not in cores', async () => {
    let spin: Promise<void> | undefined;
    const { seconds } = await withCpu(async () => {
      // Work set off by fn that runs after it returned (as a click flush does).
      spin = new Promise((resolve) => setTimeout(() => {
        spinCpu(SPIN_S);
        resolve();
      }, 20));
    }, TICKS_PER_SECOND, 600);
    await spin;
    // fn returned at once; the spin began 20 ms later, inside the settle time only (the timer
    // blocks the loop, so the settle's timer fires after it).
    expect(seconds['load generator']).toBeGreaterThanOrEqual(SPIN_S - TICK_SLACK_S);
  });

  it('settles until a settle function resolves, however long that is', async () => {
    let spun = false;
    const { seconds, windowS } = await withCpu(async () => undefined, TICKS_PER_SECOND, async () => {
      // Deferred work (a replica's roll-up apply) that the settle waits out.
      await new Promise((r) => setTimeout(r, 50));
      spinCpu(SPIN_S);
      spun = true;
    });
    expect(spun).toBe(true);
    expect(windowS).toBeGreaterThanOrEqual(0.05 + SPIN_S);
    expect(seconds['load generator']).toBeGreaterThanOrEqual(SPIN_S - TICK_SLACK_S);
  });
});

describe('netOfIdle', () => {
  it('takes off the idle rate over the window, never below zero', () => {
    expect(netOfIdle({ postgres: 1.5, node: 0.1, nginx: 0.4 }, { postgres: 0.1, node: 0.05 }, 5)).toEqual({ postgres: 1, node: 0, nginx: 0.4 });
  });
});

describe('baselineCores', () => {
  it('takes each program\'s median over the windows: a burst in one window does not set the rate', () => {
    const windows: Record<string, number>[] = [
      { postgres: 0.004, node: 0.02 },
      { postgres: 0.048, node: 0.03 }, // a page-marks round fell here
      { postgres: 0.002, node: 0.02, nginx: 0.01 },
    ];
    expect(baselineCores(windows)).toEqual({ postgres: 0.004, node: 0.02, nginx: 0 });
  });

  it('averages the middle two of an even count', () => {
    expect(baselineCores([{ postgres: 0.01 }, { postgres: 0.03 }, { postgres: 0.02 }, { postgres: 0.5 }])).toEqual({ postgres: 0.025 });
  });
});
