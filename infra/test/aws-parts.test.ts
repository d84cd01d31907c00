// The AWS placement's pure parts: subnet arithmetic, Fargate sizes, the config-init script.
import { describe, expect, it } from 'vitest';
import { initScript, taskFiles } from '../placements/aws/config-files.js';
import { fargateSize, isValidFargateSize } from '../placements/aws/fargate.js';
import { taskLayouts } from '../placements/aws/tasks.js';
import { buildTopology } from '../topology/build.js';
import { carve } from '../topology/cidr.js';
import { parseStackConfig } from '../topology/config.js';
import { subnetPlan } from '../topology/platform.js';

describe('subnets', () => {
  it('cuts a VPC into equal blocks in address order, from its network address', () => {
    expect(carve('10.40.0.0/16', 4)).toEqual(['10.40.0.0/18', '10.40.64.0/18', '10.40.128.0/18', '10.40.192.0/18']);
    expect(carve('10.40.7.9/20', 2)).toEqual(['10.40.0.0/21', '10.40.8.0/21']);
    expect(() => carve('10.0.0.0/30', 16)).toThrow(/cannot cut/);
  });

  it('puts each tier in a block of its own per zone', () => {
    expect(subnetPlan('10.40.0.0/16', 3)).toEqual({
      public: ['10.40.0.0/20', '10.40.16.0/20', '10.40.32.0/20'],
      private: ['10.40.64.0/20', '10.40.80.0/20', '10.40.96.0/20'],
      isolated: ['10.40.128.0/20', '10.40.144.0/20', '10.40.160.0/20'],
    });
  });
});

describe('Fargate sizes', () => {
  it('takes the smallest valid pair that holds the containers', () => {
    expect(fargateSize(0.3, 300)).toEqual({ cpu: 512, memoryMb: 1024 });
    expect(fargateSize(0.25, 512)).toEqual({ cpu: 256, memoryMb: 512 });
    expect(fargateSize(1.2, 600)).toEqual({ cpu: 2048, memoryMb: 4096 });
    expect(fargateSize(0.25, 3000)).toEqual({ cpu: 512, memoryMb: 3072 });
    expect(isValidFargateSize(256, 4096)).toBe(false);
    expect(() => fargateSize(32, 1024)).toThrow(/no Fargate size/);
  });
});

describe('config-init', () => {
  const topology = buildTopology(parseStackConfig({ placement: 'aws' }, { awsRegion: 'eu-west-1' }), 'staging');
  const layout = (name: string) => taskLayouts(topology).find((t) => t.service.name === name)!;

  it('writes each secret file from its variable, 0400 and owned by its reader, never the value itself', () => {
    const files = taskFiles(layout('pgbouncer'));
    expect(files.secret.map((s) => [s.key, s.outPath, s.owner])).toEqual([['pgbouncer_userlist_txt', '/out/pgbouncer/secrets/userlist.txt', '70:70']]);
    expect(files.plain.map((p) => p.key)).toEqual(['pgbouncer/config/pgbouncer.ini']);
    const script = initScript(files, ['pgbouncer']);
    expect(script).toContain(`printf '%s' "$SECRET_pgbouncer_userlist_txt" > /out/pgbouncer/secrets/userlist.txt\nchown 70:70 /out/pgbouncer/secrets/userlist.txt\nchmod 0400 /out/pgbouncer/secrets/userlist.txt`);
    expect(script).toContain('aws s3 cp --quiet --recursive "s3://$CONFIG_BUCKET/$CONFIG_PREFIX/" /out/');
    expect(script).toContain('chown 70:70 /out/pgbouncer/secrets\nchmod 0500 /out/pgbouncer/secrets');
  });

  it('names the files by a digest of what they say, not of the secrets', () => {
    const a = taskFiles(layout('app'));
    expect(a.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(taskFiles(layout('app')).digest).toBe(a.digest);
    const other = buildTopology(parseStackConfig({ placement: 'aws', nginx: { clientTimeoutS: 30 } }, { awsRegion: 'eu-west-1' }), 'staging');
    const nginxOf = (t: typeof topology) => taskFiles(taskLayouts(t).find((l) => l.service.name === 'nginx')!).digest;
    expect(nginxOf(other)).not.toBe(nginxOf(topology));
    // The app and the migration each get their own secret folder (both have a database-url).
    expect(a.secret.map((s) => s.outPath)).toEqual(expect.arrayContaining(['/out/app/secrets/database-url', '/out/migrate/secrets/database-url']));
  });
});
