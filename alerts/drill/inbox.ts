// What a local receiver got, and when: the drill measures fault-to-delivery from these times.

export interface Arrival<T> {
  /** Date.now() when the message arrived. */
  at: number;
  message: T;
}

export class Inbox<T> {
  readonly arrivals: Arrival<T>[] = [];
  private waiters: (() => void)[] = [];

  push(message: T): void {
    this.arrivals.push({ at: Date.now(), message });
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * The first arrival at or after `since` (already here or still to come) that matches, or an
   * error after `timeoutMs`.
   */
  async waitFor(what: string, match: (m: T) => boolean, timeoutMs: number, since = 0): Promise<Arrival<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.arrivals.find((a) => a.at >= since && match(a.message));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: nothing after ${timeoutMs} ms (${this.arrivals.length} other messages)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
