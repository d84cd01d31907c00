// How long a chaos run will last, as far as is known so far: the length its progress line shows.
// The fault steps may outlast their plan (a graceful stop drains, a restore replays WAL), and the
// load always runs the tail after the component is back, so the end moves with the run.

export interface ChaosPlan {
  /** When the component is due back: warm-up plus the time down (the restore drill: twice, for its two write periods). */
  restoreDueS: number;
  /** Load after the component is back. */
  tailS: number;
}

/** The run's expected end at `nowS`, given when the component came back (undefined: not yet). */
export function plannedEndS(plan: ChaosPlan, nowS: number, restoredAtS: number | undefined): number {
  if (restoredAtS !== undefined) return restoredAtS + plan.tailS;
  // Not back yet: it comes back no sooner than planned, and no sooner than now.
  return Math.max(plan.restoreDueS, nowS) + plan.tailS;
}
