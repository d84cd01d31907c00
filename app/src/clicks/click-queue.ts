// The clicks waiting for the flush, FIFO, held as columns: the numbers in typed arrays, the strings
// in arrays, each string kept once (a few agents, referrers and addresses make most traffic). Held
// as objects of their own (the click, its Date, the header strings it kept), the clicks lived until
// the next flush, about a second, and the flush's batch of them through its round trips: scavenges
// copied them and promoted many, and a full buffer (the database down) was 200,000 objects (clicks
// and their Dates) for every major collection to mark. The flush takes its batch as columns too
// (ClickBatch) and makes each slice's Click objects as it goes, so they die young. Measured: the
// flush's longest hold of the event loop at a 20,000-click batch went from 18.6-21.6 ms to 2.7-5.4
// ms (app/bench/flush-stall-profile.ts), and the bytes a replica promotes under load fell by about
// a tenth.
import type { Click } from './click-buffer.js';

const FIRST_CAPACITY = 1_024;
/** Distinct strings kept for sharing at most; past it the table starts over (it is only a cache). */
const SHARED_STRINGS_MAX = 10_000;

type Text = string | null;

/** A batch of clicks as columns, in the order they came. */
export class ClickBatch {
  constructor(
    readonly length: number,
    readonly urlId: Float64Array,
    /** NaN: no user. */
    private readonly userId: Float64Array,
    private readonly at: Float64Array,
    private readonly referrer: readonly Text[],
    private readonly userAgent: readonly Text[],
    private readonly ip: readonly Text[],
    private readonly forwardedFor: readonly Text[],
  ) {}

  /** The clicks as columns (tests, benches). */
  static of(clicks: readonly Click[]): ClickBatch {
    const q = new ClickQueue();
    for (const c of clicks) q.push(c);
    return q.take(clicks.length);
  }

  /** When click i was made, ms since the epoch. */
  atMs(i: number): number {
    return this.at[i]!;
  }

  /** Click i as an object of its own: made when needed, for a moment. */
  click(i: number): Click {
    const userId = this.userId[i]!;
    return {
      urlId: this.urlId[i]!, userId: Number.isNaN(userId) ? null : userId, at: new Date(this.at[i]!),
      referrer: this.referrer[i]!, userAgent: this.userAgent[i]!, ip: this.ip[i]!, forwardedFor: this.forwardedFor[i]!,
    };
  }

  /** The clicks whose link passes, in the same order. */
  filter(keep: (urlId: number) => boolean): ClickBatch {
    const picked: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(this.urlId[i]!)) picked.push(i);
    const numbers = (from: Float64Array) => Float64Array.from(picked, (i) => from[i]!);
    const texts = (from: readonly Text[]) => picked.map((i) => from[i]!);
    return new ClickBatch(picked.length, numbers(this.urlId), numbers(this.userId), numbers(this.at),
      texts(this.referrer), texts(this.userAgent), texts(this.ip), texts(this.forwardedFor));
  }
}

export class ClickQueue {
  private capacity = FIRST_CAPACITY;
  private head = 0;
  private size = 0;
  private urlId = new Float64Array(FIRST_CAPACITY);
  /** NaN: no user. */
  private userId = new Float64Array(FIRST_CAPACITY);
  private at = new Float64Array(FIRST_CAPACITY);
  private referrer: Text[] = new Array<Text>(FIRST_CAPACITY).fill(null);
  private userAgent: Text[] = new Array<Text>(FIRST_CAPACITY).fill(null);
  private ip: Text[] = new Array<Text>(FIRST_CAPACITY).fill(null);
  private forwardedFor: Text[] = new Array<Text>(FIRST_CAPACITY).fill(null);
  private readonly shared = new Map<string, string>();

  get length(): number {
    return this.size;
  }

  push(c: Click): void {
    if (this.size === this.capacity) this.grow();
    const i = (this.head + this.size) % this.capacity;
    this.urlId[i] = c.urlId;
    this.userId[i] = c.userId ?? Number.NaN;
    this.at[i] = c.at.getTime();
    this.referrer[i] = this.share(c.referrer);
    this.userAgent[i] = this.share(c.userAgent);
    this.ip[i] = this.share(c.ip);
    this.forwardedFor[i] = this.share(c.forwardedFor ?? null);
    this.size += 1;
  }

  /** When the oldest click waiting was made (ms since the epoch), if any waits. */
  oldestAt(): number | undefined {
    return this.size === 0 ? undefined : this.at[this.head];
  }

  /** Drops the oldest click; false when none waits. */
  dropOldest(): boolean {
    if (this.size === 0) return false;
    this.release(this.head);
    this.head = (this.head + 1) % this.capacity;
    this.size -= 1;
    return true;
  }

  /** Removes and returns up to n clicks from the front, oldest first. */
  take(n: number): ClickBatch {
    const k = Math.min(n, this.size);
    const slot = (j: number) => (this.head + j) % this.capacity;
    const numbers = (from: Float64Array) => {
      const to = new Float64Array(k);
      for (let j = 0; j < k; j++) to[j] = from[slot(j)]!;
      return to;
    };
    const texts = (from: Text[]) => {
      const to = new Array<Text>(k);
      for (let j = 0; j < k; j++) {
        to[j] = from[slot(j)]!;
        from[slot(j)] = null; // let go: a string no click holds any more can be collected
      }
      return to;
    };
    const batch = new ClickBatch(k, numbers(this.urlId), numbers(this.userId), numbers(this.at),
      texts(this.referrer), texts(this.userAgent), texts(this.ip), texts(this.forwardedFor));
    this.head = slot(k);
    this.size -= k;
    return batch;
  }

  /** The one copy of an equal string already held, so the request's own can die young. */
  private share(s: Text): Text {
    if (s === null) return null;
    const held = this.shared.get(s);
    if (held !== undefined) return held;
    if (this.shared.size >= SHARED_STRINGS_MAX) this.shared.clear();
    this.shared.set(s, s);
    return s;
  }

  /** A slot's strings let go, so a string no click holds any more can be collected. */
  private release(i: number): void {
    this.referrer[i] = null;
    this.userAgent[i] = null;
    this.ip[i] = null;
    this.forwardedFor[i] = null;
  }

  /** Twice the room, the waiting clicks moved to the front in order. */
  private grow(): void {
    const capacity = this.capacity * 2;
    const order = (k: number) => (this.head + k) % this.capacity;
    const numbers = (from: Float64Array) => {
      const to = new Float64Array(capacity);
      for (let k = 0; k < this.size; k++) to[k] = from[order(k)]!;
      return to;
    };
    const texts = (from: Text[]) => {
      const to = new Array<Text>(capacity).fill(null);
      for (let k = 0; k < this.size; k++) to[k] = from[order(k)]!;
      return to;
    };
    this.urlId = numbers(this.urlId);
    this.userId = numbers(this.userId);
    this.at = numbers(this.at);
    this.referrer = texts(this.referrer);
    this.userAgent = texts(this.userAgent);
    this.ip = texts(this.ip);
    this.forwardedFor = texts(this.forwardedFor);
    this.head = 0;
    this.capacity = capacity;
  }
}
