// A local webhook receiver for tests: records every request (headers, body, the answer it gave)
// and answers as the test says, per request: a status, a delay, or never (until released).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { delivery: string; event: string; signature: string; body: string; json: any; answered: number | null }
export type Behaviour = (r: Received, nth: number) => { status: number; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  behave(b: Behaviour): void;
  /** Answers every hanging request with this status. */
  release(status: number): void;
  close(): Promise<void>;
}

export async function startReceiver(initial: Behaviour = () => ({ status: 200 })): Promise<Receiver> {
  let behaviour = initial;
  const received: Received[] = [];
  const hanging = new Set<{ res: http.ServerResponse; r: Received }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try { json = JSON.parse(body); } catch { json = undefined; }
      const r: Received = {
        delivery: String(req.headers['shortstack-delivery'] ?? ''), event: String(req.headers['shortstack-event'] ?? ''),
        signature: String(req.headers['shortstack-signature'] ?? ''), body, json, answered: null,
      };
      received.push(r);
      const b = behaviour(r, received.length);
      if (b === 'hang') {
        hanging.add({ res, r });
        return;
      }
      setTimeout(() => {
        r.answered = b.status;
        res.writeHead(b.status, { 'content-type': 'application/json' }).end('{}');
      }, b.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    behave(b) { behaviour = b; },
    release(status) {
      for (const h of hanging) {
        h.r.answered = status;
        if (!h.res.destroyed) h.res.writeHead(status).end('{}');
      }
      hanging.clear();
    },
    async close() {
      for (const h of hanging) h.res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Deliveries the receiver accepted (2xx), by delivery id. */
export function accepted(r: Receiver): Map<string, Received[]> {
  const out = new Map<string, Received[]>();
  for (const x of r.received) if (x.answered !== null && x.answered >= 200 && x.answered < 300) out.set(x.delivery, [...(out.get(x.delivery) ?? []), x]);
  return out;
}
