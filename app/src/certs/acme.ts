// One certificate from an ACME server (RFC 8555) over HTTP-01: the token is written as a file in
// the challenge folder, which nginx serves on plain HTTP; the CA fetches it through the front door.
// The order is driven step by step rather than by acme-client's auto(), which knows DNS names
// only: the loopback stack's certificate is for the IP address 127.0.0.1 (RFC 8738).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';
import acme from 'acme-client';

export interface AcmeRequest {
  directoryUrl: string;
  /** The account's key (PEM); the account is found again by it, or created. */
  accountKey: string;
  email: string;
  /** A DNS name, or an IP address. */
  name: string;
  challengeDir: string;
  /** Extra CA certificates to trust for the directory's own HTTPS (a test CA such as Pebble's listener). */
  directoryCa?: string;
}

export interface Issued {
  /** Leaf first, then the intermediates. */
  certificate: string;
  key: string;
}

export const newAccountKey = async (): Promise<string> => (await acme.crypto.createPrivateEcdsaKey()).toString();

export async function obtainCertificate(r: AcmeRequest): Promise<Issued> {
  if (r.directoryCa !== undefined) acme.axios.defaults.httpsAgent = new Agent({ ca: r.directoryCa });
  const client = new acme.Client({ directoryUrl: r.directoryUrl, accountKey: r.accountKey });
  await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${r.email}`] });
  const ip = isIP(r.name) !== 0;
  const order = await client.createOrder({ identifiers: [{ type: ip ? 'ip' : 'dns', value: r.name }] });
  mkdirSync(r.challengeDir, { recursive: true });
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    if (!challenge) throw new Error(`${r.name}: the CA offers no http-01 challenge`);
    const token = join(r.challengeDir, challenge.token);
    // World-readable: nginx's workers serve it, under another user.
    writeFileSync(token, await client.getChallengeKeyAuthorization(challenge), { mode: 0o644 });
    try {
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    } finally {
      rmSync(token, { force: true });
    }
  }
  const [key, csr] = await acme.crypto.createCsr(ip ? { altNames: [r.name] } : { commonName: r.name, altNames: [r.name] },
    await acme.crypto.createPrivateEcdsaKey());
  const finalized = await client.finalizeOrder(order, csr);
  return { certificate: await client.getCertificate(finalized), key: key.toString() };
}
