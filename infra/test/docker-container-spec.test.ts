// The Docker placement's container settings as pure functions of a component: no Pulumi mocks.
import { describe, expect, it } from 'vitest';
import { containerRuntime, fileLayout, fileOwner, instanceLabels, SECRET_FILE_MODE, seederArgs } from '../placements/docker/container-spec.js';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { CONTAINER_LABELS } from '../topology/context.js';
import { CONFIG_DIR, SECRETS_DIR } from '../topology/names.js';

const topo = buildTopology(parseStackConfig({ replicas: 2, resources: { nginx: { cpus: 0.5, pids: 100 } } }));

describe('containerRuntime', () => {
  it('publishes the ports the component asks for, sorted, on the address its side of the host calls for', () => {
    expect(containerRuntime(topo.component('nginx')).ports).toEqual([{ internal: 8080, external: 8080, ip: '0.0.0.0', protocol: 'tcp' }]);
    expect(containerRuntime(topo.component('grafana')).ports).toEqual([{ internal: 3000, external: 3000, ip: '127.0.0.1', protocol: 'tcp' }]);
    expect(containerRuntime(topo.component('postgres')).ports).toEqual([]);
  });

  it('writes resources and the health check in the form the provider reads back, and caps processes', () => {
    const r = containerRuntime(topo.component('nginx'));
    expect(r.cpus).toBe('0.5');
    expect(r.ulimits).toEqual([{ name: 'nproc', soft: 100, hard: 100 }]);
    expect(r.healthcheck).toMatchObject({ interval: '10s', timeout: '3s', retries: 3, startInterval: '0s' });
    expect(r.envs.every((e) => /^[A-Z_][A-Z0-9_]*=/.test(e))).toBe(true);
  });

  it('turns off the image health check of a one-shot, and changes its runtime digest only with what Update would not apply', () => {
    const migrate = containerRuntime(topo.component('migrate'));
    expect(migrate.healthcheck).toMatchObject({ tests: ['NONE'], retries: 0 });
    const app = topo.component('app');
    expect(containerRuntime(app).runtimeDigest).toBe(containerRuntime({ ...app, env: { ...app.env, X: 'y' } }).runtimeDigest);
    expect(containerRuntime(app).runtimeDigest).not.toBe(containerRuntime({ ...app, tmpfs: [...app.tmpfs, '/extra'] }).runtimeDigest);
  });

  it('refuses a published port the component does not have', () => {
    const nginx = topo.component('nginx');
    expect(() => containerRuntime({ ...nginx, publish: [{ port: 'nope', hostPort: 1, on: 'public' }] as typeof nginx.publish }))
      .toThrow('nginx publishes unknown port nope');
  });
});

describe('fileLayout', () => {
  it('splits config from secret files, names the config volume by content and the secrets volume by layout only', () => {
    const pgb = topo.component('pgbouncer');
    const l = fileLayout(pgb);
    expect(l.configFiles.length).toBeGreaterThan(0);
    expect(l.secretFiles.length).toBeGreaterThan(0);
    expect(l.configFiles.every((f) => f.path.startsWith(`${CONFIG_DIR}/`))).toBe(true);
    expect(l.secretFiles.every((f) => f.path.startsWith(`${SECRETS_DIR}/`))).toBe(true);
    const edited = { ...pgb, files: pgb.files.map((f) => (f.path.startsWith(CONFIG_DIR) && typeof f.content === 'string' ? { ...f, content: `${f.content}\n# edited` } : f)) };
    expect(fileLayout(edited).plainDigest).not.toBe(l.plainDigest);
    expect(fileLayout(edited).secretLayout).toBe(l.secretLayout);
    expect(fileLayout({ ...pgb, user: '1:1' }).secretLayout).not.toBe(l.secretLayout);
  });
});

describe('labels, owners and the seeder', () => {
  it('labels an instance with its stack, component and instance', () => {
    expect(instanceLabels('dev', 'app', 'app-2')).toEqual([
      { label: CONTAINER_LABELS.stack, value: 'dev' },
      { label: CONTAINER_LABELS.component, value: 'app' },
      { label: CONTAINER_LABELS.instance, value: 'app-2' },
    ]);
  });

  it('gives secret files to the container user, root when it has none', () => {
    expect(fileOwner('70:70')).toEqual({ owner: '70', group: '70' });
    expect(fileOwner('65534')).toEqual({ owner: '65534', group: '65534' });
    expect(fileOwner(undefined)).toEqual({ owner: '0', group: '0' });
    expect(SECRET_FILE_MODE).toBe('0400');
  });

  it('creates the seeder without ever starting it, named after its instance', () => {
    const mounts = [{ type: 'volume', source: 'v', target: CONFIG_DIR }];
    const s = seederArgs({ stackName: 'dev', component: 'pgbouncer', instance: 'pgbouncer', image: 'img', mounts, uploads: [], ulimits: [] });
    expect(s).toMatchObject({ name: 'shortstack-dev-pgbouncer-config', start: false, mustRun: false, restart: 'no', mounts });
    expect(s.labels).toEqual([{ label: CONTAINER_LABELS.stack, value: 'dev' }, { label: CONTAINER_LABELS.component, value: 'pgbouncer-config' }]);
  });
});
