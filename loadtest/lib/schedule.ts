// When each group of connections runs. A scenario is one or more overlapping phases; the runner
// starts one autocannon instance per phase, so the spike is a staircase of added connections.

export interface Phase {
  startS: number;
  durationS: number;
  connections: number;
}

export function steady(durationS: number, connections: number): Phase[] {
  return [{ startS: 0, durationS, connections }];
}

/**
 * Seven equal slices at 1x, 2x, 5x, 10x, 5x, 2x, 1x the base connections: the base runs
 * throughout and three nested layers add 1x, 3x and 5x around the middle.
 */
export function spike(durationS: number, connections: number): Phase[] {
  const slice = durationS / 7;
  return [
    { startS: 0, durationS, connections },
    { startS: slice, durationS: 5 * slice, connections },
    { startS: 2 * slice, durationS: 3 * slice, connections: 3 * connections },
    { startS: 3 * slice, durationS: slice, connections: 5 * connections },
  ];
}

export function connectionsAt(phases: readonly Phase[], t: number): number {
  return phases
    .filter((p) => t >= p.startS && t < p.startS + p.durationS)
    .reduce((n, p) => n + p.connections, 0);
}

export function totalDuration(phases: readonly Phase[]): number {
  return Math.max(0, ...phases.map((p) => p.startS + p.durationS));
}
