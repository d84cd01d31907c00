// Redis for a service that must stay up without it: tight timeouts, no offline queue (a command
// while disconnected fails at once instead of piling up), no retries, bounded reconnect backoff,
// and a circuit breaker so a slow Redis costs one timeout per `openMs`, not one per request.
// Callers get `undefined` when Redis cannot answer; nothing here throws to them.
import { Redis, type RedisOptions } from 'ioredis';
import type { Metrics } from '../metrics/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';

export interface ResilientRedisOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
  /** How long the breaker stays open before one probe is let through. */
  openMs?: number;
  /** Cap of the reconnect backoff. */
  maxReconnectDelayMs?: number;
}

type MessageHandler = (msg: string) => void;
interface Subscription { onMessage: MessageHandler; onSubscribed?: () => void }

export class ResilientRedis {
  readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  /** Channel -> when its subscription was (re)established; absent while it is not. */
  private readonly subscribedAt = new Map<string, number>();
  private readonly breaker: CircuitBreaker;
  private readonly baseOptions: RedisOptions;
  private closed = false;

  constructor(private readonly url: string, private readonly metrics: Metrics, opts: ResilientRedisOptions = {}) {
    const maxDelay = opts.maxReconnectDelayMs ?? 2_000;
    this.baseOptions = {
      connectTimeout: opts.connectTimeoutMs ?? 1_000,
      commandTimeout: opts.commandTimeoutMs ?? 300,
      // 0: ioredis flushes, on every close, the commands the connection was waiting on. Each fails
      // as the connection drops, not at its command timeout after a quick reconnect, and none is
      // sent again on reconnecting: a cache SET replayed after an outage's held-back invalidations
      // (sent again once Redis answers) would put back a value they deleted. Each caller keeps
      // what it must send again (TwoTierCache's unsent invalidations).
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // Exponential from 50 ms, capped: a dead Redis gets a few connects a second, not a storm.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
      // We resubscribe ourselves on every ready (see subscriberFor), also after a failed first subscribe.
      autoResubscribe: false,
    };
    this.breaker = new CircuitBreaker({
      failureThreshold: opts.failureThreshold ?? 5,
      openMs: opts.openMs ?? 1_000,
      onChange: (state) => metrics.redisCircuitOpen.set(state === 'closed' ? 0 : 1),
    });
    metrics.redisCircuitOpen.set(0);
    this.client = new Redis(url, this.baseOptions);
    this.client.on('error', () => metrics.redisErrors.inc({ op: 'connection' }));
    // A new connection is evidence Redis is back: close the breaker rather than wait for a probe.
    this.client.on('ready', () => this.breaker.reset());
  }

  /** False while the breaker is open or the connection is not ready. */
  isHealthy(): boolean {
    return this.breaker.state === 'closed' && this.client.status === 'ready';
  }

  /** Runs one Redis operation; `undefined` when Redis is down, slow or the breaker is open. */
  async run<T>(op: string, fn: (r: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.closed || !this.breaker.tryAcquire()) return undefined;
    try {
      const result = await fn(this.client);
      this.breaker.success();
      return result;
    } catch {
      this.metrics.redisErrors.inc({ op });
      this.breaker.failure();
      return undefined;
    }
  }

  /**
   * Subscribes on a dedicated connection (a subscribed connection can run nothing else).
   * `onSubscribed` runs each time the subscription is (re)established: messages sent while it
   * was down are lost, so a cache should forget what it holds. Returns an unsubscribe function.
   */
  subscribe(channel: string, onMessage: MessageHandler, onSubscribed?: () => void): () => void {
    const sub: Subscription = { onMessage, onSubscribed };
    let set = this.subscriptions.get(channel);
    if (!set) {
      set = new Set();
      this.subscriptions.set(channel, set);
    }
    set.add(sub);
    const conn = this.subscriberConnection();
    if (conn.status === 'ready') this.subscribeOn(conn, [channel]);
    return () => {
      set.delete(sub);
      if (set.size === 0) {
        this.subscriptions.delete(channel);
        this.subscribedAt.delete(channel);
        if (conn.status === 'ready') conn.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  /**
   * When this replica's subscription to `channel` was last established, or undefined while it
   * is not (connection down, resubscribing, or never subscribed): messages sent meanwhile are
   * lost, so a cache must not trust what it holds for long.
   */
  subscribedSince(channel: string): number | undefined {
    return this.subscribedAt.get(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribedAt.clear();
    // A cache needs no graceful QUIT; disconnect also stops the reconnect loop.
    this.client.disconnect();
    this.subscriber?.disconnect();
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const conn = new Redis(this.url, { ...this.baseOptions, commandTimeout: undefined });
    conn.on('error', () => this.metrics.redisErrors.inc({ op: 'subscriber' }));
    conn.on('ready', () => this.subscribeOn(conn, [...this.subscriptions.keys()]));
    // Whatever ends the connection ends every subscription on it.
    conn.on('close', () => this.subscribedAt.clear());
    conn.on('message', (channel: string, message: string) => {
      for (const sub of this.subscriptions.get(channel) ?? []) sub.onMessage(message);
    });
    this.subscriber = conn;
    return conn;
  }

  private subscribeOn(conn: Redis, channels: string[]): void {
    if (channels.length === 0) return;
    conn.subscribe(...channels).then(
      () => {
        // The connection may have dropped again while SUBSCRIBE was answered.
        if (conn.status !== 'ready' || this.closed) return;
        const now = Date.now();
        for (const channel of channels) if (this.subscriptions.has(channel)) this.subscribedAt.set(channel, now);
        for (const channel of channels) for (const sub of this.subscriptions.get(channel) ?? []) sub.onSubscribed?.();
      },
      // The next 'ready' (after a reconnect) tries again.
      () => this.metrics.redisErrors.inc({ op: 'subscribe' }),
    );
  }
}

/** Resolves once the client is connected, or after `ms` however it is (its commands then fail fast). */
export async function redisReady(redis: ResilientRedis, ms: number): Promise<void> {
  if (redis.client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    onReady = resolve;
    timer = setTimeout(resolve, ms);
    redis.client.once('ready', onReady);
  });
  clearTimeout(timer);
  if (onReady) redis.client.off('ready', onReady);
}
