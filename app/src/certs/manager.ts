// The certificate manager's loop: a temporary certificate until the first real one, then renewal
// whenever one is due (renewal.ts), retries with backoff after a failure, and a reload of nginx
// after each new certificate. I/O comes in through the deps, so the loop runs the same on Docker
// (SIGHUP to nginx's pid 1 in its pid namespace) and on loopback (nginx's pid file).
import type { Logger } from 'pino';
import type { Issued } from './acme.js';
import type { CertLayout } from './layout.js';
import type { CertMetrics } from './metrics.js';
import { renewalDueAt, retryDelayMs } from './renewal.js';
import { ensureBootstrap, readLive, writeLive, type LiveCertificate } from './store.js';

export interface ManagerOptions {
  layout: CertLayout;
  /** What the certificate is for (a DNS name or an IP address). */
  name: string;
  renewBeforeDays: number;
  obtain: () => Promise<Issued>;
  /** Makes nginx serve the files now in the layout (a graceful reload). */
  reload: () => Promise<void>;
  metrics: CertMetrics;
  log: Logger;
  /** Longest sleep between checks, even when nothing is due. */
  checkEveryMs: number;
  retry: { minMs: number; maxMs: number };
}

export class CertificateManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private failures = 0;
  private stopped = false;

  constructor(private readonly o: ManagerOptions) {}

  /** Writes the temporary certificate if none exists (before nginx starts), then starts the loop. */
  async start(): Promise<void> {
    if (await ensureBootstrap(this.o.layout, this.o.name)) this.o.log.info({ name: this.o.name }, 'temporary self-signed certificate written');
    this.observe(readLive(this.o.layout));
    this.schedule(0);
  }

  /** Renews now, due or not (SIGUSR2): after any attempt under way. */
  renewNow(): Promise<void> {
    return this.enqueue(true);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    // setTimeout's ceiling is about 24.8 days.
    this.timer = setTimeout(() => void this.enqueue(false), Math.min(Math.max(ms, 1000), this.o.checkEveryMs, 2 ** 31 - 1));
  }

  private enqueue(force: boolean): Promise<void> {
    this.running = this.running.then(() => this.check(force)).catch((err: unknown) => {
      // Not a failed renewal (those are caught in check): unreadable files. Try again later.
      this.o.log.error({ err: (err as Error).message }, 'certificate check failed');
      this.schedule(this.o.retry.maxMs);
    });
    return this.running;
  }

  private observe(live: LiveCertificate | undefined): void {
    if (!live) return;
    this.o.metrics.expiry.set(live.notAfter.getTime() / 1000);
    this.o.metrics.selfSigned.set(live.selfSigned ? 1 : 0);
  }

  private async check(force: boolean): Promise<void> {
    const live = readLive(this.o.layout, this.o.name);
    // The temporary one, or one for another name (the domain changed, a certificate brought for
    // another host): due now.
    const dueAt = live && !live.selfSigned && live.covers ? renewalDueAt(live.notBefore, live.notAfter, this.o.renewBeforeDays) : new Date(0);
    if (!force && Date.now() < dueAt.getTime()) {
      this.schedule(dueAt.getTime() - Date.now());
      return;
    }
    try {
      const issued = await this.o.obtain();
      writeLive(this.o.layout, issued);
      await this.o.reload();
      const now = readLive(this.o.layout)!;
      this.failures = 0;
      this.o.metrics.renewals.inc();
      this.o.metrics.consecutiveFailures.set(0);
      this.o.metrics.lastSuccess.set(Date.now() / 1000);
      this.observe(now);
      this.o.log.info({ name: this.o.name, serial: now.serial, notAfter: now.notAfter.toISOString(), forced: force }, 'certificate obtained, nginx reloaded');
      this.schedule(renewalDueAt(now.notBefore, now.notAfter, this.o.renewBeforeDays).getTime() - Date.now());
    } catch (err) {
      this.failures += 1;
      this.o.metrics.failures.inc();
      this.o.metrics.consecutiveFailures.set(this.failures);
      const retryMs = retryDelayMs(this.failures, this.o.retry.minMs, this.o.retry.maxMs);
      this.o.log.error({ name: this.o.name, err: (err as Error).message, failures: this.failures, retryInS: Math.round(retryMs / 1000) }, 'certificate renewal failed');
      this.schedule(retryMs);
    }
  }
}
