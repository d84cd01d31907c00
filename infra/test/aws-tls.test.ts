// HTTPS on AWS, under Pulumi mocks: the ALB holds the certificate (ACM, validated through Route 53
// DNS when a hosted zone is given, or an imported one by ARN), listens on 443 with TLS 1.2/1.3
// only, and its port 80 does nothing but redirect; nginx behind it adds HSTS when asked.
import { describe, expect, it } from 'vitest';
import { SSL_POLICY } from '../placements/aws/front-door.js';
import { runProgram, type MockRun } from './pulumi-mocks.js';

const AWS = { 'shortstack:placement': 'aws', 'aws:region': 'eu-west-1' };
const ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const listeners = (run: MockRun) => run.byType('aws:lb/listener:Listener');
const nginxConf = (run: MockRun) => run.byType('aws:s3/bucketObjectv2:BucketObjectv2')
  .map((o) => o.inputs).find((i) => String(i.key).endsWith('nginx.conf'))!.content as string;

describe('AWS front door with HTTPS', () => {
  it('issues an ACM certificate for the domain, validated by a Route 53 record, and serves it on 443 alone', async () => {
    const run = await runProgram('staging', {
      ...AWS, 'shortstack:aws': JSON.stringify({ domain: 'sho.rt', hostedZoneId: 'Z0123456789' }), 'shortstack:hstsMaxAge': '31536000',
    });
    const [cert] = run.byType('aws:acm/certificate:Certificate');
    expect(cert!.inputs).toMatchObject({ domainName: 'sho.rt', validationMethod: 'DNS' });
    const records = run.byType('aws:route53/record:Record');
    expect(records.map((r) => r.inputs.zoneId)).toEqual(['Z0123456789', 'Z0123456789']);
    expect(records.some((r) => r.inputs.type === 'A' && r.inputs.name === 'sho.rt')).toBe(true);
    expect(run.byType('aws:acm/certificateValidation:CertificateValidation')).toHaveLength(1);

    const byPort = Object.fromEntries(listeners(run).map((l) => [l.inputs.port, l.inputs]));
    expect(Object.keys(byPort).sort()).toEqual(['443', '80']);
    expect(byPort[443]).toMatchObject({ protocol: 'HTTPS', sslPolicy: SSL_POLICY });
    expect(byPort[443]!.defaultActions[0].type).toBe('forward');
    expect(SSL_POLICY).toMatch(/TLS13-1-2/);
    // Port 80 forwards nothing: every request gets a redirect to the same URL on HTTPS.
    expect(byPort[80]!.defaultActions).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
    // The ALB terminates TLS; nginx behind it sends HSTS as configured.
    expect(nginxConf(run)).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(nginxConf(run)).not.toContain('ssl_certificate');
  });

  it('serves an imported certificate by its ARN, issuing none', async () => {
    const run = await runProgram('staging', { ...AWS, 'shortstack:aws': JSON.stringify({ certificateArn: ARN }) });
    expect(run.byType('aws:acm/certificate:Certificate')).toEqual([]);
    expect(run.byType('aws:route53/record:Record')).toEqual([]);
    const https = listeners(run).find((l) => l.inputs.port === 443)!;
    expect(https.inputs).toMatchObject({ protocol: 'HTTPS', certificateArn: ARN });
    expect(listeners(run).find((l) => l.inputs.port === 80)!.inputs.defaultActions[0].type).toBe('redirect');
    // HSTS stays off until the operator opts in.
    expect(nginxConf(run)).not.toContain('Strict-Transport-Security');
  });
});
