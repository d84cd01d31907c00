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

/** A click's fields, a column each. */
interface Columns {
  urlId: Float64Array;
  /** NaN: no user. */
  userId: Float64Array;
  at: Float64Array;
  referrer: Text[];
  userAgent: Text[];
  ip: Text[];
  forwardedFor: Text[];
}

const TEXT_COLUMNS = ['referrer', 'userAgent', 'ip', 'forwardedFor'] as const;

/** Columns of `room` rows, none of them a click yet. */
function emptyColumns(room: number): Columns {
  const texts = () => new Array<Text>(room).fill(null);
  return {
    urlId: new Float64Array(room), userId: new Float64Array(room), at: new Float64Array(room),
    referrer: texts(), userAgent: texts(), ip: texts(), forwardedFor: texts(),
  };
}

/** Columns of `room` rows whose first n are rows from(0) .. from(n - 1) of `c`. */
function copyRows(c: Columns, n: number, from: (row: number) => number, room = n): Columns {
  const to = emptyColumns(room);
  for (let r = 0; r < n; r++) {
    const i = from(r);
    to.urlId[r] = c.urlId[i]!;
    to.userId[r] = c.userId[i]!;
    to.at[r] = c.at[i]!;
    for (const col of TEXT_COLUMNS) to[col][r] = c[col][i]!;
  }
  return to;
}

/** A batch of clicks as columns, in the order they came. */
export class ClickBatch {
  constructor(readonly length: number, private readonly c: Columns) {}

  /** The clicks as columns (tests, benches). */
  static of(clicks: readonly Click[]): ClickBatch {
    const q = new ClickQueue();
    for (const c of clicks) q.push(c);
    return q.take(clicks.length);
  }

  get urlId(): Float64Array {
    return this.c.urlId;
  }

  /** When click i was made, ms since the epoch. */
  atMs(i: number): number {
    return this.c.at[i]!;
  }

  /** Click i as an object of its own: made when needed, for a moment. */
  click(i: number): Click {
    const { c } = this;
    const userId = c.userId[i]!;
    return {
      urlId: c.urlId[i]!, userId: Number.isNaN(userId) ? null : userId, at: new Date(c.at[i]!),
      referrer: c.referrer[i]!, userAgent: c.userAgent[i]!, ip: c.ip[i]!, forwardedFor: c.forwardedFor[i]!,
    };
  }

  /** The clicks whose link passes, in the same order. */
  filter(keep: (urlId: number) => boolean): ClickBatch {
    const picked: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(this.c.urlId[i]!)) picked.push(i);
    return new ClickBatch(picked.length, copyRows(this.c, picked.length, (r) => picked[r]!));
  }
}

export class ClickQueue {
  private capacity = FIRST_CAPACITY;
  private head = 0;
  private size = 0;
  private c: Columns = emptyColumns(FIRST_CAPACITY);
  private readonly shared = new Map<string, string>();

  get length(): number {
    return this.size;
  }

  push(click: Click): void {
    if (this.size === this.capacity) this.grow();
    const i = (this.head + this.size) % this.capacity;
    const { c } = this;
    c.urlId[i] = click.urlId;
    c.userId[i] = click.userId ?? Number.NaN;
    c.at[i] = click.at.getTime();
    c.referrer[i] = this.share(click.referrer);
    c.userAgent[i] = this.share(click.userAgent);
    c.ip[i] = this.share(click.ip);
    c.forwardedFor[i] = this.share(click.forwardedFor ?? null);
    this.size += 1;
  }

  /** When the oldest click waiting was made (ms since the epoch), if any waits. */
  oldestAt(): number | undefined {
    return this.size === 0 ? undefined : this.c.at[this.head];
  }

  /** Drops the oldest click; false when none waits. */
  dropOldest(): boolean {
    if (this.size === 0) return false;
    this.release(this.head);
    this.head = this.slot(1);
    this.size -= 1;
    return true;
  }

  /** Removes and returns up to n clicks from the front, oldest first. */
  take(n: number): ClickBatch {
    const k = Math.min(n, this.size);
    const batch = new ClickBatch(k, copyRows(this.c, k, (r) => this.slot(r)));
    for (let r = 0; r < k; r++) this.release(this.slot(r));
    this.head = this.slot(k);
    this.size -= k;
    return batch;
  }

  /** The slot of the r-th waiting click. */
  private slot(r: number): number {
    return (this.head + r) % this.capacity;
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
    for (const col of TEXT_COLUMNS) this.c[col][i] = null;
  }

  /** Twice the room, the waiting clicks moved to the front in order. */
  private grow(): void {
    this.c = copyRows(this.c, this.size, (r) => this.slot(r), this.capacity * 2);
    this.head = 0;
    this.capacity *= 2;
  }
}
