// Where the certificate manager keeps its files under one folder (a volume on Docker, the stack's
// folder on loopback). nginx reads the live pair and serves the challenge folder; the account key
// is the manager's alone.
import { join } from 'node:path';

export interface CertLayout {
  /** The certificate chain nginx serves (leaf first), and its key. */
  certificate: string;
  key: string;
  /** HTTP-01 tokens, one file each, served by nginx at /.well-known/acme-challenge/. */
  challengeDir: string;
  /** The ACME account's key (0600): the account survives restarts, so renewals reuse it. */
  accountKey: string;
}

/** `accountDir`: the account key elsewhere than `dir` (on Docker, a volume nginx does not mount). */
export function certLayout(dir: string, accountDir = join(dir, 'account')): CertLayout {
  return {
    certificate: join(dir, 'live', 'fullchain.pem'),
    key: join(dir, 'live', 'privkey.pem'),
    challengeDir: join(dir, 'challenge'),
    accountKey: join(accountDir, 'key.pem'),
  };
}
