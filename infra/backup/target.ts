// What a restore aims at, and whether it may run unasked: pure rules, shared by the restore
// command and the loopback stack.

export type RestoreTarget = { kind: 'time'; at: Date } | { kind: 'latest' };

/** `--to 2026-12-01T10:00:00Z` or `--latest`; a time needs its zone, so no one restores to the wrong hour. */
export function parseRestoreTarget(o: { to?: string; latest?: boolean }): RestoreTarget {
  if (o.to !== undefined && o.latest) throw new Error('give --to TIME or --latest, not both');
  if (o.latest) return { kind: 'latest' };
  if (o.to === undefined) throw new Error('give --to TIME (e.g. 2026-12-01T10:00:00Z) or --latest');
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(o.to)) {
    throw new Error(`--to must be an ISO 8601 time with a zone, e.g. 2026-12-01T10:00:00Z (got "${o.to}")`);
  }
  const at = new Date(o.to);
  if (Number.isNaN(at.getTime())) throw new Error(`--to is not a valid time: ${o.to}`);
  return { kind: 'time', at };
}

export const describeTarget = (t: RestoreTarget): string => (t.kind === 'latest' ? 'the latest archived WAL' : t.at.toISOString());

/** The time form pgBackRest's backup set selection accepts (and PostgreSQL too): UTC, milliseconds. */
export const pgTime = (d: Date): string => `${d.toISOString().replace('T', ' ').replace('Z', '')}+00`;

/** pgbackrest restore's arguments: a time target replays up to it and then opens for writes. */
export function restoreArgs(t: RestoreTarget, delta: boolean): string[] {
  const args = ['restore', ...(delta ? ['--delta'] : [])];
  if (t.kind === 'time') args.push('--type=time', `--target=${pgTime(t.at)}`, '--target-action=promote');
  return args;
}

/** What the database holds, as far as the restore can tell before it starts. */
export type CurrentData =
  | { kind: 'none' }
  | { kind: 'unknown'; why: string }
  | { kind: 'last-commit'; at: Date | undefined };

/**
 * The reason a restore must not run without --yes, or undefined when nothing would be lost: a
 * time target behind the database's last commit throws those commits away; a database that
 * does not answer cannot say. A latest restore loses nothing once the current WAL is archived.
 */
export function refusal(t: RestoreTarget, current: CurrentData): string | undefined {
  if (current.kind === 'none') return undefined;
  if (current.kind === 'unknown') return `cannot tell what the database holds (${current.why}); the restore replaces it`;
  if (t.kind === 'latest' || current.at === undefined) return undefined;
  if (current.at.getTime() > t.at.getTime()) {
    return `the database holds commits up to ${current.at.toISOString()}, newer than ${t.at.toISOString()}: they would be lost`;
  }
  return undefined;
}
