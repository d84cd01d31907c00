// One webhook delivery: an HTTP POST of {id, type, created_at, data}, signed, with a 5 s
// timeout for the whole exchange. The connection's DNS lookup refuses private addresses (see
// targets.ts), and an IP literal is checked before connecting. Never throws: the outcome says
// what happened, for the worker to record.
import http from 'node:http';
import https from 'node:https';
import { signatureHeader } from './signature.js';
import { guardedLookup, targetProblem } from './targets.js';

export const DELIVERY_TIMEOUT_MS = 5_000;
/** Of a receiver's answer only the status matters; the body is read up to this and dropped. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface Delivery { id: number; event: string; data: unknown; createdAt: Date; url: string; secret: string }
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export function deliveryBody(d: Pick<Delivery, 'id' | 'event' | 'data' | 'createdAt'>): string {
  return JSON.stringify({ id: d.id, type: d.event, created_at: d.createdAt.toISOString(), data: d.data });
}

export async function deliver(d: Delivery, allowPrivate: boolean, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<DeliveryOutcome> {
  // Checked again at every delivery: the rules or the name's addresses may have changed.
  const problem = await targetProblem(d.url, allowPrivate);
  if (problem) return { ok: false, status: null, error: `target refused: ${problem}` };
  const body = deliveryBody(d);
  const url = new URL(d.url);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Shortstack-Webhooks/1',
    'shortstack-event': d.event,
    'shortstack-delivery': String(d.id),
    'shortstack-signature': signatureHeader(d.secret, body, Math.floor(Date.now() / 1000)),
  };
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false;
    const finish = (o: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = request(url, { method: 'POST', headers, lookup: guardedLookup(allowPrivate), agent: false }, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      const status = res.statusCode ?? 0;
      const done = () => finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `receiver answered ${status}` });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    // No redirects are followed (http.request does not): a 3xx is a failure like any non-2xx.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: err.message.slice(0, 300) }));
    req.end(body);
  });
}
