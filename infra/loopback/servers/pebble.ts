// Pebble, Let's Encrypt's test ACME server (Debian's pebble 2.4), for the loopback stack's HTTPS:
// it validates HTTP-01 for real, by fetching the token from `httpPort` (the front door's plain
// HTTP), and issues certificates of a chosen (short) lifetime under a root of its own, served on
// its management port.
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { selfSignedCertificate } from '../../../app/src/certs/self-signed.js';
import { CommandServer } from './command.js';

export interface PebbleOptions {
  dir: string;
  /** ACME directory (`/dir`) and management (`/roots/0`) ports. */
  port: number;
  managementPort: number;
  /** Where Pebble's validator fetches HTTP-01 tokens: the stack's plain HTTP port. */
  httpPort: number;
  /** TLS-ALPN-01 validation port (unused by the stack, but Pebble needs one). */
  tlsPort: number;
  /** Lifetime of the certificates it issues. */
  certificateValiditySeconds: number;
}

export interface Pebble {
  server: CommandServer;
  directoryUrl: string;
  /** Pebble's own listener certificate (PEM file): what an ACME client trusts to reach it. */
  listenerCaFile: string;
  /** Fetches the root Pebble issues under (it makes a new one at each start). */
  root(): Promise<string>;
}

function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export async function pebbleServer(o: PebbleOptions): Promise<Pebble> {
  const listener = await selfSignedCertificate('127.0.0.1', 30);
  const listenerCaFile = join(o.dir, 'listener.pem');
  const keyFile = join(o.dir, 'listener.key');
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(listenerCaFile, listener.certificate);
  writeFileSync(keyFile, listener.key, { mode: 0o600 });
  const configFile = join(o.dir, 'pebble.json');
  writeFileSync(configFile, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${o.port}`,
      managementListenAddress: `127.0.0.1:${o.managementPort}`,
      certificate: listenerCaFile,
      privateKey: keyFile,
      httpPort: o.httpPort,
      tlsPort: o.tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      certificateValidityPeriod: o.certificateValiditySeconds,
    },
  }, null, 2));
  const rootUrl = `https://127.0.0.1:${o.managementPort}/roots/0`;
  const server = new CommandServer({
    name: 'pebble', port: o.port, command: '/usr/bin/pebble', args: ['-config', configFile],
    dir: o.dir,
    env: {
      ...process.env,
      // No random sleep before validating, and no nonce refused on purpose: the flow is real,
      // its artificial delays and faults are not what these tests are about.
      PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0',
    },
    ready: () => fetchText(rootUrl, listener.certificate).then(() => true, () => false),
  });
  return {
    server, directoryUrl: `https://127.0.0.1:${o.port}/dir`, listenerCaFile,
    root: () => fetchText(rootUrl, listener.certificate),
  };
}
