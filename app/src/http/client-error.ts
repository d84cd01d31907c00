// Requests Node's parser refuses (a malformed request line, headers over MAX_HEADER_BYTES, a
// timeout) never reach Fastify's routes or error handler. They still get the contract's JSON,
// and the connection is ended after the answer is flushed, not destroyed: a destroy can reset
// the connection before the answer leaves, which a proxy in front takes for a dead replica.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

interface ConnectionError extends Error { code?: string }

/** The status and contract body for a connection-level error. Pure. */
export function clientErrorAnswer(err: ConnectionError): { status: number; body: string } {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: JSON.stringify({ error: 'request timed out' }) };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: JSON.stringify({ error: 'request headers too large', fields: { headers: 'exceed the size limit' } }) };
    case 'HPE_INVALID_METHOD':
      return { status: 405, body: JSON.stringify({ error: 'method not allowed' }) };
    default:
      return { status: 400, body: JSON.stringify({ error: 'bad request' }) };
  }
}

export function answerClientError(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, body } = clientErrorAnswer(err);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`);
  // A client that never reads would keep the socket: it goes once the answer had its chance.
  socket.setTimeout(5_000, () => socket.destroy());
}
