// HTTPS on the loopback stack, the Docker flow for real: Pebble as the ACME CA, validating
// HTTP-01 through nginx's plain port, and the certificate manager (app/src/certs, the command the
// Docker placement runs from the app image) obtaining a certificate for 127.0.0.1, reloading
// nginx with SIGHUP, and renewing it before it is due (Pebble's are short-lived here).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { certLayout } from '../../app/src/certs/layout.js';
import { ALIAS_MAX } from '../../app/src/domain/short-code.js';
import type { NginxTlsInput } from '../render/nginx-tls.js';
import type { LoopbackAddressing } from './addressing.js';
import { CommandServer, logTail } from './servers/command.js';
import type { ManagedServer } from './servers/managed.js';
import { pebbleServer } from './servers/pebble.js';
import { freePorts, waitFor } from './servers/ports.js';

/** What the loopback certificate is for: the address clients use (an IP identifier, RFC 8738). */
export const LOOPBACK_CERT_NAME = '127.0.0.1';
/** Pebble's default lifetime here: renewed after 40 minutes (a third left), well within a session. */
export const LOOPBACK_CERT_VALIDITY_S = 3600;

export function httpsFrontDoor(addr: LoopbackAddressing, certsDir: string): NginxTlsInput {
  const files = certLayout(certsDir);
  return {
    listen: { host: '127.0.0.1', port: addr.port('nginx', 'https') },
    certificateFile: files.certificate, keyFile: files.key, challengeDir: files.challengeDir,
    publicHttpsPort: addr.port('nginx', 'https'), shortLinkMaxLength: ALIAS_MAX,
  };
}

export interface ServedCertificate {
  serial: string;
  /** Verified against the CA given (and for LOOPBACK_CERT_NAME). */
  trusted: boolean;
}

/** The certificate nginx serves on `port` now, checked against `ca`. */
export function servedCertificate(port: number, ca: string): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: LOOPBACK_CERT_NAME, port, ca, rejectUnauthorized: false }, () => {
      resolve({ serial: sock.getPeerX509Certificate()?.serialNumber ?? '', trusted: sock.authorized });
      sock.destroy();
    });
    sock.on('error', reject);
  });
}

export interface HttpsParts {
  /** Pebble's root, the CA a client trusts for this stack (Pebble makes a new one at each start). */
  caFile: string;
  certsDir: string;
  pebble: ManagedServer;
  manager: CommandServer;
  /** Asks the manager to renew now (SIGUSR2), due or not. */
  renewNow(): void;
}

export async function startHttps(o: {
  dir: string; certsDir: string; addr: LoopbackAddressing; nginxPidFile: string; drainFlag: string; drainMs: number;
  started: ManagedServer[]; certificateValiditySeconds?: number;
  /** How the certificate manager runs: the release's 'certs/main'. */
  certManager: { command: string; args: string[] };
}): Promise<HttpsParts> {
  const [acmePort, managementPort, tlsPort] = (await freePorts(3)) as [number, number, number];
  const pebble = await pebbleServer({
    dir: join(o.dir, 'pebble'), port: acmePort, managementPort, tlsPort,
    httpPort: o.addr.port('nginx', 'http'),
    certificateValiditySeconds: o.certificateValiditySeconds ?? LOOPBACK_CERT_VALIDITY_S,
  });
  o.started.push(pebble.server);
  await pebble.server.start();
  const caFile = join(o.dir, 'pebble-root.pem');
  const root = await pebble.root();
  writeFileSync(caFile, root);

  const managerDir = join(o.dir, 'cert-manager');
  const manager = new CommandServer({
    name: 'cert-manager', port: o.addr.port('cert-manager', 'metrics'), ...o.certManager, dir: managerDir,
    env: {
      ...process.env,
      CERTS_DIR: o.certsDir, CERT_NAME: LOOPBACK_CERT_NAME,
      ACME_DIRECTORY: pebble.directoryUrl, ACME_EMAIL: 'ops@shortstack.test', ACME_DIRECTORY_CA_FILE: pebble.listenerCaFile,
      NGINX_PID_FILE: o.nginxPidFile, NGINX_DRAIN_FLAG_FILE: o.drainFlag, NGINX_DRAIN_MS: String(o.drainMs),
      METRICS_HOST: '127.0.0.1', METRICS_PORT: String(o.addr.port('cert-manager', 'metrics')),
      // Pebble is local: a failed attempt is retried within seconds, not half a minute.
      RETRY_MIN_S: '1', RETRY_MAX_S: '60',
    },
    readyPath: '/health',
    readyTimeoutMs: 90_000,
  });
  o.started.push(manager);
  await manager.start();
  // Ready when nginx serves a certificate Pebble's root vouches for.
  const httpsPort = o.addr.port('nginx', 'https');
  await waitFor('the first certificate from Pebble, served by nginx', async () => (await servedCertificate(httpsPort, root)).trusted,
    120_000, 250, () => logTail(manager.logFile));
  return {
    caFile, certsDir: o.certsDir, pebble: pebble.server, manager,
    renewNow: () => {
      if (manager.pid !== undefined) process.kill(manager.pid, 'SIGUSR2');
    },
  };
}
