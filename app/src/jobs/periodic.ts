// A job a replica runs every so often in the background: one run at a time (a tick while one is
// running is skipped), the first at start, and a stop that waits for the run in flight.
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  /** `onError` hears a failed run; the next tick tries again. */
  constructor(private readonly everyMs: number, private readonly run: () => Promise<void>, private readonly onError: (err: unknown) => void) {}

  get isStopped(): boolean { return this.stopped; }

  /** The first run now, or one interval from now (`now: false`: the caller has just run it itself). */
  start({ now = true }: { now?: boolean } = {}): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.everyMs);
    this.timer.unref();
    if (now) this.kick();
  }

  /** Starts no more runs and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().catch(this.onError).finally(() => { this.running = null; });
  }
}
