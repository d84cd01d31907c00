// HTTPS keys of the stack config: on Docker, the domain and the ACME account its certificate
// is issued and renewed for (the certificate manager, nginx on 443); on both placements the HSTS
// max-age. On AWS, ACM issues the certificate (aws.domain, aws.certificateArn: config-aws.ts).
import { Type, type Static, type TObject } from 'typebox';
import { int, onlyOn, str } from './config-schema-kit.js';
import type { Raw } from './config-check.js';

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
/** The certificate manager's own default, passed to it explicitly so the topology shows it. */
export { RENEW_BEFORE_DAYS } from '../../app/src/certs/settings.js';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM = 'ACM issues the certificate';

/** Top-level keys: `domain` turns HTTPS on (Docker) and needs `acmeEmail`. */
export const TLS_SCHEMA = {
  /** The name clients use; the certificate is issued for it. */
  domain: Type.Optional(onlyOn('docker', `${ACM}: set aws.domain and aws.hostedZoneId, or aws.certificateArn`,
    str(undefined, DOMAIN, 'a lower-case DNS name such as sho.rt'))),
  /** The ACME account's contact (expiry and policy mail from the CA). */
  acmeEmail: Type.Optional(onlyOn('docker', ACM, str(undefined, /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address'))),
  /** Any RFC 8555 directory: Let's Encrypt production by default, its staging, or another CA. */
  acmeDirectory: onlyOn('docker', ACM, str(LETS_ENCRYPT_DIRECTORY, /^https:\/\/\S+$/, 'an https URL of an ACME directory')),
  /** Host port of HTTPS (443); plain HTTP stays on publicPort, which ACME's HTTP-01 reaches on 80. */
  publicHttpsPort: onlyOn('docker', 'the ALB listens on 443', int(1, 65535, 443)),
  // A year is what preload lists ask for; 0 (the default) sends no header.
  hstsMaxAge: int(0, 2 * 365 * 86400, 0),
};

type TlsKeys = Omit<Static<TObject<typeof TLS_SCHEMA>>, 'hstsMaxAge'>;
/** HTTPS on Docker: every TLS key set or defaulted. */
export type TlsSettings = Required<TlsKeys>;

/** HTTPS on Docker when both the domain and its ACME contact are set. */
export const tlsSettings = ({ domain, acmeEmail, acmeDirectory, publicHttpsPort }: TlsKeys): TlsSettings | undefined =>
  (domain === undefined || acmeEmail === undefined ? undefined : { domain, acmeEmail, acmeDirectory, publicHttpsPort });

/** The ACME keys without a domain, and HSTS without HTTPS, are refused rather than ignored. */
export function tlsProblems(raw: Raw, hstsMaxAgeS: number, httpsElsewhere: boolean): Record<string, string> {
  const problems: Record<string, string> = {};
  if (raw.domain === undefined) {
    for (const k of ['acmeEmail', 'acmeDirectory', 'publicHttpsPort'] as const) {
      if (raw[k] !== undefined) problems[k] = 'needs shortstack:domain: HTTPS on Docker is on when a domain is set';
    }
  } else if (raw.acmeEmail === undefined) {
    problems.acmeEmail = 'must be set with domain: the ACME account\'s contact for expiry notices';
  }
  if (hstsMaxAgeS > 0 && raw.domain === undefined && !httpsElsewhere) {
    problems.hstsMaxAge = 'needs HTTPS (shortstack:domain on Docker, aws.domain or aws.certificateArn on AWS): HSTS is sent over HTTPS only';
  }
  return problems;
}
