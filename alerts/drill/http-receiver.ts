// A JSON-over-HTTP receiver on 127.0.0.1: the base of the Discord and PagerDuty stand-ins.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonReply {
  status: number;
  body?: unknown;
}

export type JsonHandler = (path: string, body: unknown) => JsonReply;

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: JsonReply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
}

export class JsonHttpReceiver {
  private server: Server | undefined;
  port = 0;

  constructor(private readonly handle: JsonHandler) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.method !== 'POST') return send(res, { status: 405, body: { error: 'method not allowed', fields: { method: 'POST only' } } });
      readBody(req).then(
        (text) => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            return send(res, { status: 400, body: { error: 'invalid JSON', fields: {} } });
          }
          send(res, this.handle(req.url ?? '/', body));
        },
        () => send(res, { status: 413, body: { error: 'body too large', fields: {} } }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
