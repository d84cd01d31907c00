// One chaos run: seed and warm the links (so every redirect is a cached one), start steady mixed
// load, inject the fault, bring the component back, let traffic settle, then check the books.
import { Recorder } from '../lib/aggregate.js';
import { drive, newRunTag, seedLinks } from '../lib/load.js';
import { steady } from '../lib/schedule.js';
import { MIXED } from '../lib/traffic.js';
import { warmUp } from '../lib/warm.js';
import { recovery } from './analysis.js';
import { missingCodes, pollReady, rollupBooks, settledClickEvents } from './probes.js';
import { plannedEndS } from './progress.js';
import { drillFigures, drillSteps, type DrillMarks, type LostLinks } from './restore-drill.js';
import { CHAOS, type ChaosResult, type ChaosScenario, type ChaosScenarioName } from './scenarios.js';
import type { ChaosTarget } from './target.js';

export interface ChaosRunOptions {
  target: ChaosTarget;
  scenario: ChaosScenarioName;
  connections?: number;
  /** Requests per second over all connections; unset, as fast as the target answers. */
  rate?: number;
  links?: number;
  /** Steady load before the fault (the baseline). */
  warmS?: number;
  /** How long the component stays down (the scenario's default when omitted). */
  downS?: number;
  /** Load after the component is back (the recovery). */
  tailS?: number;
  onProgress?: (line: string) => void;
  log?: (line: string) => void;
}

/** Extra load time allowed for stopping and starting the component (a rollout: every replica in turn). */
const STEP_ALLOWANCE_S = 60;
const ROLLOUT_ALLOWANCE_S = 600;
/** A backup and a restore (base backup plus WAL replay) on a busy machine. */
const RESTORE_ALLOWANCE_S = 600;

/** Load time beyond warm + down + tail: the restore drill writes for `downS` twice, then restores. */
const allowanceS = (def: ChaosScenario, downS: number): number =>
  (def.fault === 'rollout' ? ROLLOUT_ALLOWANCE_S : def.fault === 'restore' ? downS + RESTORE_ALLOWANCE_S : STEP_ALLOWANCE_S);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** What the fault does to the target, and how the component comes back (a rollout needs nothing back). */
function faultSteps(def: ChaosScenario, target: ChaosTarget, downS: number, log: (line: string) => void): { victim: string; fault(): Promise<void>; restore(): Promise<void>; marks?: DrillMarks; lost?: () => Promise<LostLinks> } {
  if (def.fault === 'restore') {
    if (!target.drill || !target.directDatabaseUrl) throw new Error('the restore scenario runs on the loopback stack only (no --url)');
    return { victim: 'postgres data directory', ...drillSteps(target.drill, target.directDatabaseUrl, { url: target.url, adminKey: target.adminKey }, downS, log) };
  }
  if (def.fault === 'rollout') return { victim: 'every replica', fault: () => target.rollout(), restore: async () => undefined };
  return {
    victim: target.nameOf(def.component),
    fault: () => (def.fault === 'kill' ? target.kill(def.component) : target.stop(def.component)),
    restore: () => target.start(def.component),
  };
}

export async function runChaos(o: ChaosRunOptions): Promise<ChaosResult> {
  const def = CHAOS[o.scenario];
  const { target } = o;
  const log = o.log ?? (() => undefined);
  const warmS = o.warmS ?? 4;
  const downS = o.downS ?? def.downS;
  const tailS = o.tailS ?? 6;
  const runTag = newRunTag();

  log(`seeding ${o.links ?? 200} links and warming the caches ...`);
  const links = await seedLinks({ url: target.url, adminKey: target.adminKey, links: o.links ?? 200, runTag });
  const warmed = await warmUp(target.url, links);

  // Before any load: a Docker target without that container fails here, not mid-run.
  const steps = faultSteps(def, target, downS, log);
  const victim = steps.victim;
  const recorder = new Recorder();
  const ready = pollReady(target.url, recorder.startMs);
  // The load runs until `tailS` after the component is back, however long stopping and starting
  // it took (a graceful stop may wait out its drain timeout); the cap only bounds a hung step.
  const stopLoad = new AbortController();
  const plan = { restoreDueS: warmS + downS + (def.fault === 'restore' ? downS : 0), tailS };
  let backAtS: number | undefined;
  const load = drive({
    url: target.url,
    scenario: { name: 'soak', mix: MIXED, phases: steady(warmS + downS + tailS + allowanceS(def, downS), o.connections ?? 10) },
    links, adminKey: target.adminKey, runTag, recorder, rate: o.rate, onProgress: o.onProgress, signal: stopLoad.signal,
    expectedS: () => plannedEndS(plan, (Date.now() - recorder.startMs) / 1000, backAtS),
  });

  const at = (s: number) => recorder.startMs + s * 1000;
  let faultAtS: number;
  let faultDoneAtS: number;
  let restoreAtS: number;
  try {
    await sleep(at(warmS) - Date.now());
    faultAtS = (Date.now() - recorder.startMs) / 1000;
    recorder.mark(`${def.fault} ${victim}`);
    log(`${def.fault} ${victim} at ${faultAtS.toFixed(1)}s`);
    await steps.fault();
    faultDoneAtS = (Date.now() - recorder.startMs) / 1000;
    if (def.fault === 'rollout') recorder.mark(`${victim} replaced`);
    log(`${victim} ${def.fault === 'rollout' ? 'replaced' : 'down'} at ${faultDoneAtS.toFixed(1)}s`);
    await sleep(at(warmS + downS) - Date.now());
    if (def.fault !== 'rollout') log(`starting ${victim}`);
    await steps.restore();
    restoreAtS = (Date.now() - recorder.startMs) / 1000;
    backAtS = restoreAtS;
    if (def.fault !== 'rollout') {
      recorder.mark(`${victim} back`);
      log(`${victim} back at ${restoreAtS.toFixed(1)}s`);
    }

    await sleep(tailS * 1000);
    stopLoad.abort();
  } catch (err) {
    // A fault step failed: stop the load and the probe rather than leave them running.
    stopLoad.abort();
    ready.stop();
    await load.catch(() => undefined);
    throw err;
  }
  const { summary, created } = await load;
  ready.stop();

  let clicks: ChaosResult['clicks'];
  let createdMissing: number | undefined;
  if (target.directDatabaseUrl) {
    const ids = Array.from({ length: links.size }, (_, i) => links.id(i + 1)).filter((id): id is number => id !== undefined);
    const served = warmed + summary.byOp.redirect.ok;
    const recorded = await settledClickEvents(target.directDatabaseUrl, ids, served);
    clicks = { served, recorded, rollups: await rollupBooks(target.directDatabaseUrl, ids) };
    createdMissing = await missingCodes(target.directDatabaseUrl, created.map((c) => c.code));
  }
  return {
    scenario: def.name,
    victim,
    summary,
    faultAtS,
    faultDoneAtS,
    restoreAtS,
    recovery: recovery(summary.series, summary.durationS, {
      faultAtS,
      // The drill's fault runs a backup and writes for minutes: the database is down only from the destruction.
      downFromS: steps.marks?.destroyMs === undefined ? faultAtS : (steps.marks.destroyMs - recorder.startMs) / 1000,
      restoreAtS,
    }),
    ready: ready.samples,
    created: created.length,
    createdMissing,
    clicks,
    replicasUp: await target.replicasUp(),
    drill: steps.marks && steps.lost && target.directDatabaseUrl ? await drillFigures(target.directDatabaseUrl, created, steps.marks, await steps.lost()) : undefined,
  };
}
