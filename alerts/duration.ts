const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;

/** A Prometheus duration (`5m`, `6h`, `26h40m`) in seconds. */
export function durationSeconds(d: string): number {
  if (!/^(\d+(ms|[smhdwy]))+$/.test(d)) throw new Error(`not a duration: ${d}`);
  let seconds = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|[smhdwy])/g)) seconds += Number(n) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  return seconds;
}
