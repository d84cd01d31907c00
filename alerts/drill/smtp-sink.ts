// An SMTP sink (smtp-server) on 127.0.0.1 that keeps every mail: Alertmanager's email_configs
// deliver here in the drill. Plain SMTP, no auth: it accepts only loopback connections.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Inbox } from './inbox.js';

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  /** The raw message with quoted-printable soft breaks and escapes undone. */
  text: string;
}

/** Undo quoted-printable (Alertmanager sends its bodies so): `=\r\n` joins lines, `=3D` is `=`. */
export function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export function headerValue(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

export class SmtpSink {
  readonly inbox = new Inbox<Mail>();
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 1024 * 1024,
      onConnect: (session, cb) => cb(session.remoteAddress.endsWith('127.0.0.1') ? undefined : new Error('loopback only')),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = session.envelope;
          this.inbox.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((r) => r.address),
            subject: headerValue(raw, 'Subject'),
            text: decodeQuotedPrintable(raw),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get smarthost(): string {
    return `127.0.0.1:${this.port}`;
  }
}
