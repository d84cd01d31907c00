// HTTPS settings of the stack config: on Docker, the domain and the ACME account its certificate
// is issued and renewed for (the certificate manager, nginx on 443); on both placements the HSTS
// max-age. On AWS, ACM issues the certificate (aws.domain, aws.certificateArn: config-aws.ts).
import type { Reader, Raw } from './config-reader.js';

export interface TlsSettings {
  /** The name clients use; the certificate is issued for it. */
  domain: string;
  /** The ACME account's contact (expiry and policy mail from the CA). */
  acmeEmail: string;
  /** Any RFC 8555 directory: Let's Encrypt production by default, its staging, or another CA. */
  acmeDirectory: string;
  /** Host port of HTTPS (443); plain HTTP stays on publicPort, which ACME's HTTP-01 reaches on 80. */
  publicHttpsPort: number;
}

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
/** The certificate manager's own default, passed to it explicitly so the topology shows it. */
export { RENEW_BEFORE_DAYS } from '../../app/src/certs/settings.js';

export const TLS_KEYS = ['domain', 'acmeEmail', 'acmeDirectory', 'publicHttpsPort', 'hstsMaxAge'] as const;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Reads the TLS keys. `domain` turns HTTPS on (Docker) and needs `acmeEmail`; the ACME keys
 * without a domain, and HSTS without HTTPS, are refused rather than ignored.
 */
export function parseTlsSettings(r: Reader, raw: Raw, httpsElsewhere: boolean): { tls?: TlsSettings; hstsMaxAgeS: number } {
  const domain = r.optStr(raw, 'domain', 'domain');
  if (domain !== undefined && !DOMAIN.test(domain)) r.problems.domain = `must be a lower-case DNS name such as sho.rt (got ${JSON.stringify(domain)})`;
  const acmeEmail = r.optStr(raw, 'acmeEmail', 'acmeEmail');
  if (acmeEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(acmeEmail)) r.problems.acmeEmail = 'must be an email address';
  const acmeDirectory = r.str(raw, 'acmeDirectory', 'acmeDirectory', LETS_ENCRYPT_DIRECTORY, /^https:\/\/\S+$/, 'an https URL of an ACME directory');
  const publicHttpsPort = r.int(raw, 'publicHttpsPort', 'publicHttpsPort', 443, 1, 65535);
  // A year is what preload lists ask for; 0 (the default) sends no header.
  const hstsMaxAgeS = r.int(raw, 'hstsMaxAge', 'hstsMaxAge', 0, 0, 2 * 365 * 86400);
  if (domain === undefined) {
    for (const k of ['acmeEmail', 'acmeDirectory', 'publicHttpsPort'] as const) {
      if (raw[k] !== undefined) r.problems[k] = 'needs shortstack:domain: HTTPS on Docker is on when a domain is set';
    }
  } else if (acmeEmail === undefined) {
    r.problems.acmeEmail = 'must be set with domain: the ACME account\'s contact for expiry notices';
  }
  if (hstsMaxAgeS > 0 && domain === undefined && !httpsElsewhere) {
    r.problems.hstsMaxAge = 'needs HTTPS (shortstack:domain on Docker, aws.domain or aws.certificateArn on AWS): HSTS is sent over HTTPS only';
  }
  return domain === undefined || acmeEmail === undefined
    ? { hstsMaxAgeS }
    : { tls: { domain, acmeEmail, acmeDirectory, publicHttpsPort }, hstsMaxAgeS };
}
