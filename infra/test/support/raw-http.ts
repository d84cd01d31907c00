// A raw HTTP/1.1 exchange over one connection: the bytes go out exactly as given (bad methods,
// oversized headers, broken framing), from a chosen loopback source address, and whatever comes
// back is parsed leniently, so a test can tell an answer from a reset or a silent close.
import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when no status line came back. */
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
  /** A socket error (ECONNRESET...), or 'timeout'. */
  error?: string;
}

export interface RawRequest {
  port: number;
  bytes: Buffer | string;
  /** A loopback source address, e.g. 127.0.0.2, so per-address limits keep clients apart. */
  from?: string;
  timeoutMs?: number;
}

function decodeChunked(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parses one response from the bytes a server sent before closing. Pure. */
export function parseRawAnswer(raw: Buffer): Omit<RawAnswer, 'error'> {
  // Interim answers (100 Continue) come first: the final one follows.
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) {
    const interimEnd = raw.indexOf('\r\n\r\n');
    if (interimEnd < 0) break;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.subarray(0, end)).toString('latin1');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    (headers[line.slice(0, i).trim().toLowerCase()] ??= []).push(line.slice(i + 1).trim());
  }
  let body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4);
  if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') body = decodeChunked(body);
  const length = headers['content-length']?.[0];
  if (length !== undefined) body = body.subarray(0, Number(length));
  return { status: m ? Number(m[1]) : 0, headers, body };
}

/** Sends the bytes (which should ask for Connection: close) and reads until the server closes. */
export function rawRequest(req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const sock = connect({ port: req.port, host: '127.0.0.1', localAddress: req.from });
    sock.setTimeout(req.timeoutMs ?? 30_000, () => {
      error = 'timeout';
      sock.destroy();
    });
    sock.on('connect', () => sock.write(req.bytes));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    sock.on('close', () => resolve({ ...parseRawAnswer(Buffer.concat(chunks)), ...(error ? { error } : {}) }));
  });
}

/** The bytes of a request; `Connection: close` is added so the answer ends with the connection. */
export function requestBytes(o: { method: string; path: string; headers?: [string, string][]; body?: Buffer | string; version?: string }): Buffer {
  const body = o.body === undefined ? Buffer.alloc(0) : Buffer.from(o.body);
  const headers: [string, string][] = [...(o.headers ?? [])];
  if (!headers.some(([k]) => k.toLowerCase() === 'host') && o.version !== 'HTTP/1.0') headers.unshift(['Host', 'short.test']);
  if (body.length > 0 && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) headers.push(['Content-Length', String(body.length)]);
  headers.push(['Connection', 'close']);
  const head = `${o.method} ${o.path} ${o.version ?? 'HTTP/1.1'}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
