// The certificate files in the layout: read what is live, replace it atomically (a rename, so a
// reload never reads half a file), and the bootstrap pair until the first real one exists.
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { CertLayout } from './layout.js';
import { selfSignedCertificate, type PemPair } from './self-signed.js';

export interface LiveCertificate {
  notBefore: Date;
  notAfter: Date;
  serial: string;
  /** The temporary certificate of the first start (issuer = subject): renewed at once. */
  selfSigned: boolean;
  /** Whether it is valid for `name` (when asked): a certificate for a former domain is replaced at once. */
  covers?: boolean;
}

export function readLive(layout: CertLayout, name?: string): LiveCertificate | undefined {
  if (!existsSync(layout.certificate) || !existsSync(layout.key)) return undefined;
  const cert = new X509Certificate(readFileSync(layout.certificate));
  const live: LiveCertificate = { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo), serial: cert.serialNumber, selfSigned: cert.issuer === cert.subject };
  if (name !== undefined) live.covers = (isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined;
  return live;
}

function replace(path: string, content: string, mode: number): void {
  const tmp = `${path}.new`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * Writes the pair, key first: nginx reads both only on a reload, which comes after. The key is
 * 0640: nginx reads it through the group (on Docker the manager runs with nginx's gid).
 */
export function writeLive(layout: CertLayout, pair: PemPair): void {
  mkdirSync(dirname(layout.certificate), { recursive: true, mode: 0o755 });
  replace(layout.key, pair.key, 0o640);
  replace(layout.certificate, pair.certificate, 0o644);
}

/** Makes sure nginx has a certificate to start with; true when the temporary one was written. */
export async function ensureBootstrap(layout: CertLayout, name: string): Promise<boolean> {
  mkdirSync(layout.challengeDir, { recursive: true, mode: 0o755 });
  if (readLive(layout) !== undefined) return false;
  writeLive(layout, await selfSignedCertificate(name));
  return true;
}

/** The account key, made on the first start and kept (0600: the manager's alone). */
export function ensureAccountKey(layout: CertLayout, make: () => Promise<string>): Promise<string> {
  if (existsSync(layout.accountKey)) return Promise.resolve(readFileSync(layout.accountKey, 'utf8'));
  return make().then((key) => {
    mkdirSync(dirname(layout.accountKey), { recursive: true, mode: 0o700 });
    replace(layout.accountKey, key, 0o600);
    return key;
  });
}
