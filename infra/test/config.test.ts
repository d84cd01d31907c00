import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGES } from '../topology/images.js';
import { StackConfigError, fromPulumiConfig, parseStackConfig } from '../topology/config.js';

describe('parseStackConfig', () => {
  it('fills every default from an empty config', () => {
    const c = parseStackConfig({});
    expect(c.replicas).toBe(2);
    expect(c.publicPort).toBe(8080);
    expect(c.publicBaseUrl).toBe('http://localhost:8080');
    expect(c.images).toEqual(DEFAULT_IMAGES);
    expect(c.pools).toEqual({ appDbPoolMax: 10, pgbouncerPoolSize: 20, pgbouncerMaxClientConn: 1000 });
    expect(c.alerts).toEqual({ timing: {} });
    expect(c.postgresVolumeGiB).toBe(10);
  });

  it('reads values as Pulumi hands them over (strings and JSON-encoded objects)', () => {
    const raw = fromPulumiConfig({
      'shortstack:replicas': '3',
      'shortstack:pools': '{"pgbouncerPoolSize":40}',
      'shortstack:publicBaseUrl': 'https://sho.rt',
      'shortstack:dbPassword': 'secret-is-only-a-known-key-here',
      'other:replicas': '9',
    });
    const c = parseStackConfig(raw);
    expect(c.replicas).toBe(3);
    expect(c.pools.pgbouncerPoolSize).toBe(40);
    expect(c.pools.appDbPoolMax).toBe(10);
    expect(c.publicBaseUrl).toBe('https://sho.rt');
  });

  it('lists every bad key in one error', () => {
    let err: unknown;
    try {
      parseStackConfig({
        replicas: 0,
        publicPort: 'eighty',
        replica: 2,
        images: { nginx: 'nginx', bogus: 'x:1' },
        resources: { app: { cpus: -1 } },
        alerts: { smtp: { smarthost: 'mail', from: 'me', to: [] }, timing: { groupWait: 'soon' } },
        postgresVolumeGiB: 0,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackConfigError);
    const problems = (err as StackConfigError).problems;
    expect(Object.keys(problems).sort()).toEqual([
      'alerts.smtp.from', 'alerts.smtp.smarthost', 'alerts.smtp.to', 'alerts.timing.groupWait',
      'images.bogus', 'images.nginx', 'postgresVolumeGiB', 'publicPort', 'replica', 'replicas', 'resources.app.cpus',
    ]);
    expect((err as Error).message).toContain('shortstack:replicas must be an integer from 1 to 32 (got 0)');
    expect((err as Error).message).toContain('shortstack:images.nginx must be an image pinned by tag or digest');
  });

  it('refuses two services on one host port', () => {
    expect(() => parseStackConfig({ publicPort: 9090 })).toThrow(/host ports must differ/);
  });
});
