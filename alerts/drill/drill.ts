// The incident drill: on a running loopback stack with the local receivers behind its
// Alertmanager, stop one app replica, time each tier's delivery of the alerts that follow,
// start it again and time the resolutions. Measures; the test decides what is acceptable.
import type { DrillReceivers } from './receivers.js';

export interface Delivery {
  /** Timed from the fault (the replica stopped) or from the repair (started again). */
  phase: 'fault' | 'repair';
  alert: string;
  receiver: 'discord' | 'email' | 'pagerduty';
  kind: 'firing' | 'resolved';
  /** Milliseconds from the start of the phase. */
  afterMs: number;
  /** Text of the delivery that carries the runbook link. */
  text: string;
}

export interface Expectation {
  alert: string;
  receivers: Delivery['receiver'][];
  kind: Delivery['kind'];
}

export interface DrillResult {
  faultAt: number;
  repairAt: number;
  deliveries: Delivery[];
}

export interface DrillPlan {
  /** The replica to stop (index into stack.replicas). */
  replica: number;
  /** What must arrive after the fault, and after the repair. */
  afterFault: Expectation[];
  afterRepair: Expectation[];
  timeoutMs: number;
}

async function waitAll(
  rx: DrillReceivers, phase: Delivery['phase'], since: number, expected: Expectation[], timeoutMs: number,
): Promise<Delivery[]> {
  const jobs = expected.flatMap((e) => e.receivers.map(async (receiver): Promise<Delivery> => {
    const what = `${e.alert} ${e.kind} via ${receiver}`;
    const status = e.kind === 'firing' ? 'FIRING' : 'RESOLVED';
    // Titles and subjects read `[FIRING:1] <alertname> (<severity>)`.
    const titled = (t: string) => t.startsWith(`[${status}`) && t.includes(` ${e.alert} `);
    const base = { phase, alert: e.alert, receiver, kind: e.kind };
    if (receiver === 'discord') {
      const a = await rx.discord.inbox.waitFor(what, (m) => titled(m.title), timeoutMs, since);
      return { ...base, afterMs: a.at - since, text: a.message.description };
    }
    if (receiver === 'email') {
      const a = await rx.smtp.inbox.waitFor(what, (m) => titled(m.subject), timeoutMs, since);
      return { ...base, afterMs: a.at - since, text: a.message.text };
    }
    const action = e.kind === 'firing' ? 'trigger' : 'resolve';
    const a = await rx.pagerduty.inbox.waitFor(what, (m) => m.event_action === action && JSON.stringify(m).includes(e.alert), timeoutMs, since);
    return { ...base, afterMs: a.at - since, text: JSON.stringify(a.message) };
  }));
  return Promise.all(jobs);
}

/** What the drill needs of a running stack (the loopback stack has it): replicas it can stop and start. */
export interface DrillStack {
  replicas: readonly { stop(): Promise<unknown>; start(): Promise<unknown> }[];
}

export async function runReplicaDrill(stack: DrillStack, rx: DrillReceivers, plan: DrillPlan): Promise<DrillResult> {
  const replica = stack.replicas[plan.replica];
  if (!replica) throw new Error(`no replica #${plan.replica}`);
  const faultAt = Date.now();
  await replica.stop();
  const fired = await waitAll(rx, 'fault', faultAt, plan.afterFault, plan.timeoutMs);
  const repairAt = Date.now();
  await replica.start();
  const resolved = await waitAll(rx, 'repair', repairAt, plan.afterRepair, plan.timeoutMs);
  return { faultAt, repairAt, deliveries: [...fired, ...resolved] };
}

export function formatDrill(r: DrillResult): string {
  const rows = r.deliveries
    .slice()
    .sort((a, b) => (a.phase === b.phase ? a.afterMs - b.afterMs : a.phase === 'fault' ? -1 : 1))
    .map((d) => `  ${d.phase.padEnd(6)} -> ${d.alert} ${d.kind} via ${d.receiver}: ${(d.afterMs / 1000).toFixed(1)} s`);
  return ['incident drill (fault = replica stopped, repair = replica started again):', ...rows].join('\n');
}
