// The incident drill end to end on the loopback stack: real Prometheus evaluating the real rule
// files, real Alertmanager routing by tier to local Discord, SMTP and PagerDuty receivers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LoopbackStack } from '../../infra/loopback/stack.js';
import { runbookUrl } from '../runbook-url.js';
import { formatDrill, runReplicaDrill } from './drill.js';
import { startDrillReceivers, type DrillReceivers } from './receivers.js';

/** The drill's heartbeat period; the dead man's switch trips after three missed periods. */
const WATCHDOG_EVERY = '2s';
const SWITCH_WINDOW_MS = 3 * 2000;

async function appTargetsUp(stack: LoopbackStack, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(up{job="app"})')}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    if (Number(body.data.result[0]?.value[1]) === n) return;
    if (Date.now() > deadline) throw new Error(`app replicas not all up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('incident drill: one replica down', () => {
  let rx: DrillReceivers;
  let stack: LoopbackStack;

  beforeAll(async () => {
    rx = await startDrillReceivers();
    stack = await startStack({
      replicas: 2,
      alertReceivers: rx.alertReceivers,
      // Short intervals so the drill runs in about a minute: the rules' own `for` (1m) is kept.
      alertTiming: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h', resolveTimeout: '1m', watchdogInterval: WATCHDOG_EVERY },
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      // A restarted Alertmanager hears of the firing Watchdog within seconds, not Prometheus' minute.
      alertResendDelay: '2s',
    });
    await appTargetsUp(stack, 2, 30_000);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await rx?.stop();
  });

  it('evaluates every rule without error and fires nothing while the stack is healthy', async () => {
    // Two evaluation rounds after every target is up.
    await new Promise((r) => setTimeout(r, 2500));
    const rules = (await (await fetch(`${stack.prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    const alerts = (await (await fetch(`${stack.prometheusUrl}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: { alertname: string; severity: string }; state: string }[] };
    };
    // The Watchdog always fires (severity none, the heartbeat); nothing else may. Pending alerts
    // are not firing: absent() of a job the loopback stack has not wired yet waits 10 minutes.
    const firing = alerts.data.alerts.filter((a) => a.state === 'firing' && a.labels.severity !== 'none');
    expect(firing.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);
    expect(alerts.data.alerts.some((a) => a.labels.alertname === 'Watchdog' && a.state === 'firing')).toBe(true);
  });

  it('delivers the replica-down alerts by tier with their runbook links, then the resolutions', async () => {
    const result = await runReplicaDrill(stack, rx, {
      replica: 1,
      // With two replicas, one down is the last one standing: AppRedundancyLost pages and holds
      // AppReplicaDown back (it says the same).
      afterFault: [
        { alert: 'AppRedundancyLost', kind: 'firing', receivers: ['discord', 'email', 'pagerduty'] },
      ],
      afterRepair: [
        { alert: 'AppReplicaRestarted', kind: 'firing', receivers: ['discord'] },
        { alert: 'AppRedundancyLost', kind: 'resolved', receivers: ['discord', 'email', 'pagerduty'] },
      ],
      timeoutMs: 100_000,
    });
    console.log(formatDrill(result));

    for (const d of result.deliveries.filter((x) => x.kind === 'firing')) {
      expect(d.text, `${d.alert} via ${d.receiver}`).toContain(runbookUrl(d.alert));
    }
    // The rules wait `for: 1m`; everything after that is scrape, evaluation and routing.
    for (const d of result.deliveries.filter((x) => x.phase === 'fault')) expect(d.afterMs).toBeLessThan(75_000);
    const lastRepair = Math.max(...result.deliveries.filter((d) => d.phase === 'repair').map((d) => d.afterMs));
    expect(result.repairAt - result.faultAt + lastRepair).toBeLessThan(120_000);
    // Tiers: the warning never paged, the info alert was not mailed; the inhibited warning was not sent at all.
    expect(rx.pagerduty.inbox.arrivals.filter((a) => JSON.stringify(a.message).includes('AppReplicaDown'))).toEqual([]);
    expect(rx.discord.inbox.arrivals.filter((a) => a.message.title.includes(' AppReplicaDown '))).toEqual([]);
    expect(rx.smtp.inbox.arrivals.filter((a) => a.message.subject.includes('AppReplicaRestarted'))).toEqual([]);
  }, 240_000);

  it('beats the dead man\'s switch while the pipeline lives, and trips it when Alertmanager is stopped', async () => {
    // Heartbeats arrive every WATCHDOG_EVERY, carrying only the Watchdog.
    const first = Date.now();
    await rx.heartbeat.inbox.waitFor('heartbeat', () => true, 15_000, first);
    await rx.heartbeat.inbox.waitFor('second heartbeat', () => true, 15_000, Date.now() + 1);
    const beats = rx.heartbeat.inbox.arrivals.filter((a) => a.at >= first);
    expect(beats.flatMap((b) => b.message.alertnames).every((n) => n === 'Watchdog')).toBe(true);

    const stoppedAt = Date.now();
    await stack.services.alertmanager.stop();
    try {
      const tripped = await rx.heartbeat.waitForSilence(SWITCH_WINDOW_MS, 30_000);
      console.log(`dead man's switch: Alertmanager stopped, switch tripped after ${((tripped - stoppedAt) / 1000).toFixed(1)} s (window ${SWITCH_WINDOW_MS / 1000} s)`);
      // Tripped within its window (plus the last heartbeat's period), not by luck later.
      expect(tripped - stoppedAt).toBeLessThan(SWITCH_WINDOW_MS + 3000);
    } finally {
      await stack.services.alertmanager.start();
    }
    // And it beats again once Alertmanager is back (Prometheus re-sends its firing alerts within
    // its resend delay, 2 s here, a minute by default).
    await rx.heartbeat.inbox.waitFor('heartbeat after restart', () => true, 60_000, Date.now());
  }, 180_000);
});
