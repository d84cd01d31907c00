// HTTPS keys of the stack config: a domain turns HTTPS on (Docker) and moves plain HTTP to 80 for
// ACME's HTTP-01; what cannot work is refused, never ignored.
import { describe, expect, it } from 'vitest';
import { problemsIn } from './support/config-problems.js';
import { parseStackConfig } from '../topology/config.js';
import { LETS_ENCRYPT_DIRECTORY } from '../topology/config-tls.js';

describe('TLS config', () => {
  it('is off without a domain: plain HTTP on 8080, no HSTS', () => {
    const c = parseStackConfig({});
    expect(c.tls).toBeUndefined();
    expect(c.hstsMaxAgeS).toBe(0);
  });

  it('with a domain and contact: Let\'s Encrypt production, HTTPS on 443, HTTP on 80, an https base URL', () => {
    const c = parseStackConfig({ domain: 'sho.rt', acmeEmail: 'ops@sho.rt' });
    expect(c.tls).toEqual({ domain: 'sho.rt', acmeEmail: 'ops@sho.rt', acmeDirectory: LETS_ENCRYPT_DIRECTORY, publicHttpsPort: 443 });
    expect(c.publicPort).toBe(80);
    expect(c.publicBaseUrl).toBe('https://sho.rt');
    expect(parseStackConfig({ domain: 'sho.rt', acmeEmail: 'ops@sho.rt', publicHttpsPort: 8443 }).publicBaseUrl).toBe('https://sho.rt:8443');
  });

  it('takes any RFC 8555 directory and an HSTS max-age', () => {
    const c = parseStackConfig({
      domain: 'sho.rt', acmeEmail: 'ops@sho.rt', hstsMaxAge: '31536000',
      acmeDirectory: 'https://acme-staging-v02.api.letsencrypt.org/directory',
    });
    expect(c.tls?.acmeDirectory).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
    expect(c.hstsMaxAgeS).toBe(31536000);
  });

  it('refuses what cannot work, naming each key', () => {
    expect(problemsIn({ domain: 'sho.rt' }).acmeEmail).toMatch(/must be set with domain/);
    expect(problemsIn({ acmeEmail: 'ops@sho.rt' }).acmeEmail).toMatch(/needs shortstack:domain/);
    expect(problemsIn({ domain: 'Not A Domain', acmeEmail: 'ops@sho.rt' }).domain).toMatch(/DNS name/);
    expect(problemsIn({ domain: 'sho.rt', acmeEmail: 'ops@sho.rt', acmeDirectory: 'http://ca' }).acmeDirectory).toMatch(/https URL/);
    expect(problemsIn({ hstsMaxAge: 600 }).hstsMaxAge).toMatch(/needs HTTPS/);
    expect(problemsIn({ domain: 'sho.rt', acmeEmail: 'ops@sho.rt', publicHttpsPort: 80 }).localPorts).toMatch(/must differ/);
  });

  it('leaves the certificate to ACM on AWS, where HSTS follows the ALB\'s HTTPS', () => {
    expect(problemsIn({ placement: 'aws', domain: 'sho.rt' }, 'eu-west-1').domain).toMatch(/ACM issues the certificate/);
    expect(problemsIn({ placement: 'aws', hstsMaxAge: 600 }, 'eu-west-1').hstsMaxAge).toMatch(/needs HTTPS/);
    const c = parseStackConfig({ placement: 'aws', hstsMaxAge: 600, aws: { domain: 'sho.rt', hostedZoneId: 'Z123' } }, { awsRegion: 'eu-west-1' });
    expect(c.hstsMaxAgeS).toBe(600);
  });
});
