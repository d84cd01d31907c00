// A dead man's switch service (healthchecks.io and its kind) on 127.0.0.1: Alertmanager POSTs the
// Watchdog to its ping URL (webhook_configs); it notices when the pings stop for longer than a
// window, as the external service would before paging.
import { JsonHttpReceiver } from './http-receiver.js';
import { Inbox } from './inbox.js';

interface WebhookBody {
  status?: string;
  alerts?: { labels?: Record<string, string> }[];
}

export class HeartbeatReceiver {
  /** One arrival per ping, with the alert names it carried. */
  readonly inbox = new Inbox<{ alertnames: string[] }>();
  private readonly http = new JsonHttpReceiver((_path, raw) => {
    const body = raw as WebhookBody;
    if (!Array.isArray(body?.alerts)) return { status: 400, body: { error: 'not an Alertmanager webhook', fields: { alerts: 'required' } } };
    this.inbox.push({ alertnames: body.alerts.map((a) => a.labels?.alertname ?? '') });
    return { status: 200, body: { ok: true } };
  });

  start(): Promise<void> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  get pingUrl(): string {
    return `http://127.0.0.1:${this.http.port}/ping/drill-check`;
  }

  /** Time of the last ping, or 0. */
  lastPing(): number {
    return this.inbox.arrivals.at(-1)?.at ?? 0;
  }

  /**
   * Resolves with the moment the switch trips: no ping for `windowMs`, checked every 100 ms, as
   * the external service's grace period does. Rejects after `timeoutMs`.
   */
  async waitForSilence(windowMs: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = Date.now();
      if (now - Math.max(this.lastPing(), 1) >= windowMs && this.lastPing() > 0) return now;
      if (now > deadline) throw new Error(`dead man's switch: pings did not stop for ${windowMs} ms within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
