// Drives autocannon: one instance per phase of the schedule, every response classified against
// what its request expected and folded into one Recorder. Requests run one per connection at a
// time (no pipelining), so each connection's context always describes the request in flight.
import autocannon from 'autocannon';
import { classify, errorKind, type Op } from './classify.js';
import type { Recorder, Summary } from './aggregate.js';
import { connectionsAt, totalDuration, type Phase } from './schedule.js';
import { progressLine } from './table.js';
import type { PlannedRequest, TrafficPlan } from './traffic.js';

/** Per-connection state autocannon hands to setupRequest and onResponse. */
interface Ctx {
  planned?: PlannedRequest;
  location?: string | undefined;
  retryAfter?: string | undefined;
  /** This response said `Connection: close`. */
  closeAnnounced?: boolean;
}

/** autocannon's client keeps the live context on its request iterator; the typings omit it. */
interface ClientLike {
  requestIterator: { context: Ctx };
  /** Requests written and not yet answered, oldest first (each holds its start time). */
  pipelinedRequests: { size(): number; clear(): void };
  /** Opens a new connection: after a timeout, a transport error, or the server's close. */
  _connect(): void;
  on(event: 'connError', fn: (err: unknown) => void): void;
  on(event: 'timeout', fn: () => void): void;
}

export interface CreatedLink {
  code: string;
  id: number;
}

export interface RunOptions {
  url: string;
  phases: readonly Phase[];
  plan: TrafficPlan;
  recorder: Recorder;
  /** Seconds before autocannon gives up on a response. */
  timeoutS?: number;
  /**
   * Requests per second over each phase's connections (autocannon's `overallRate`); unset, each
   * connection sends its next request as soon as the last is answered.
   */
  rate?: number | undefined;
  /** Live progress (once a second). */
  onProgress?: (line: string) => void;
  /** Each link a create got a 201 for: chaos checks that every one of them is there afterwards. */
  onCreated?: (link: CreatedLink) => void;
  /** Stop early (chaos: the scenario ends the load when its steps are done). */
  signal?: AbortSignal;
  /**
   * The length shown on the progress line when the run is expected to be stopped early; a
   * function when the plan moves as the run goes (chaos: the tail starts when the component is back).
   */
  expectedS?: number | (() => number) | undefined;
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

function runPhase(o: RunOptions, phase: Phase): Promise<void> {
  const { recorder, plan } = o;
  // Every context gets its request before the first send; the fallback only ever counts against
  // redirects, so it can fail an aim but never hide a failure.
  const opOf = (client: ClientLike): Op => client.requestIterator.context.planned?.op ?? 'redirect';
  // Per client, not in its context: autocannon gives the context a fresh start every request.
  const closeAnnouncedAt = new WeakMap<object, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: phase.connections,
        duration: phase.durationS,
        pipelining: 1,
        timeout: o.timeoutS ?? 10,
        ...(o.rate ? { overallRate: o.rate } : {}),
        requests: [
          {
            setupRequest: (req, context) => {
              const ctx = context as Ctx;
              const p = plan.next();
              ctx.planned = p;
              ctx.location = undefined;
              ctx.retryAfter = undefined;
              return { ...req, method: p.method, path: p.path, headers: p.headers, body: p.body ?? '' };
            },
            onResponse: (status, body, context, headers) => {
              const ctx = context as Ctx;
              const h = (headers ?? {}) as unknown as Record<string, string | string[]>;
              ctx.location = header(h, 'location');
              ctx.retryAfter = header(h, 'retry-after');
              ctx.closeAnnounced = header(h, 'connection')?.toLowerCase() === 'close';
              if (ctx.planned?.op === 'create' && status === 201 && o.onCreated) {
                const link = JSON.parse(body) as { short_code: string; id: number };
                o.onCreated({ code: link.short_code, id: link.id });
              }
            },
          },
        ],
        // Transport failures arrive per client; its context names the request that was lost.
        // autocannon writes the next request at once even after `Connection: close`; when the
        // server's close crosses it, that is the client's doing, recorded apart (see Summary).
        // The reset can arrive after autocannon has reconnected and had answers on the new
        // connection, hence a time window rather than "the last response".
        setupClient: (c) => {
          const client = c as unknown as ClientLike;
          const lostAfterClose = () => Date.now() - (closeAnnouncedAt.get(client) ?? 0) < 1_000;
          let errorRecorded = false;
          client.on('connError', (err) => {
            errorRecorded = true;
            if (lostAfterClose() && errorKind(err) === 'reset') recorder.afterClose();
            else recorder.error(opOf(client), errorKind(err));
          });
          // When the server closes a connection (FIN) with a request on it unanswered, autocannon
          // reconnects without a word and keeps that request in its queue: the request would
          // count nowhere, and every later response would be timed from its start. So a request
          // lost that way is recorded here (as a reset, the generator's doing after a
          // Connection: close), and the queue starts empty on the new connection.
          const connect = client._connect.bind(client);
          client._connect = () => {
            if (client.pipelinedRequests.size() > 0 && !errorRecorded) {
              if (lostAfterClose()) recorder.afterClose();
              else recorder.error(opOf(client), 'reset');
            }
            errorRecorded = false;
            client.pipelinedRequests.clear();
            connect();
          };
          client.on('timeout', () => recorder.error(opOf(client), 'timeout'));
        },
      },
      (err) => (err ? reject(err as Error) : resolve()), // autocannon types its error as any
    );
    // 'response' follows onResponse synchronously for the same request, so the context still
    // holds that request's expectation and headers.
    instance.on('response', (c: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      const ctx = (c as ClientLike).requestIterator.context;
      if (ctx.closeAnnounced) closeAnnouncedAt.set(c as object, Date.now());
      if (!ctx.planned) return;
      const outcome = classify(ctx.planned.expect, { status: statusCode, location: ctx.location, retryAfter: ctx.retryAfter });
      recorder.response(ctx.planned.op, outcome, statusCode, responseTime);
    });
    o.signal?.addEventListener('abort', () => instance.stop(), { once: true });
  });
}

/** Runs every phase at its start time; resolves with the run's summary when the last one ends. */
export async function runLoad(o: RunOptions): Promise<Summary> {
  const expected = o.expectedS ?? totalDuration(o.phases);
  const totalS = typeof expected === 'number' ? () => expected : expected;
  const timers: NodeJS.Timeout[] = [];
  let lastRequests = 0;
  const progress = o.onProgress
    ? setInterval(() => {
        const s = o.recorder.live();
        const elapsedS = (Date.now() - o.recorder.startMs) / 1000;
        o.onProgress!(progressLine({
          elapsedS, totalS: totalS(), connections: connectionsAt(o.phases, elapsedS),
          rps: s.requests - lastRequests, requests: s.requests, failed: s.failed,
        }));
        lastRequests = s.requests;
      }, 1000)
    : undefined;
  try {
    await Promise.all(
      o.phases.map(
        (phase) =>
          new Promise<void>((resolve, reject) => {
            if (o.signal?.aborted) return resolve();
            let started = false;
            timers.push(setTimeout(() => {
              if (o.signal?.aborted) return resolve();
              started = true;
              runPhase(o, phase).then(resolve, reject);
            }, phase.startS * 1000));
            // A phase that has not started never will once the run is aborted; a running one
            // resolves when autocannon has stopped it.
            o.signal?.addEventListener('abort', () => started || resolve(), { once: true });
          }),
      ),
    );
  } finally {
    for (const t of timers) clearTimeout(t);
    if (progress) clearInterval(progress);
  }
  return o.recorder.summary();
}
