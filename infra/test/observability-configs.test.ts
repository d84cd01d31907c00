// Loki, Alloy and Grafana have no Debian package: their rendered files are checked by structure.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { CONTAINER_LABELS } from '../topology/context.js';
import { GRAFANA_DATASOURCE_UIDS } from '../render/grafana.js';
import { dockerMetaLabel, renderAlloyConfig } from '../render/alloy.js';
import { resolveText, type Component } from '../topology/types.js';

const topo = buildTopology(parseStackConfig({}), 'dev');
const file = (c: Component, suffix: string) => {
  const f = c.files.find((x) => x.path.endsWith(suffix));
  if (!f) throw new Error(`${c.name} has no ${suffix}`);
  return resolveText(f.content, {} as never);
};

describe('Loki config', () => {
  const loki = topo.component('loki');
  const conf = parse(file(loki, 'loki.yaml'));

  it('listens on the topology port and keeps its data on the volume', () => {
    expect(conf.server.http_listen_port).toBe(loki.ports.http);
    expect(conf.auth_enabled).toBe(false);
    expect(loki.volumes).toEqual([{ name: 'loki-data', mountPath: '/loki' }]);
    expect(conf.common.path_prefix).toBe('/loki');
    expect(conf.common.storage.filesystem.chunks_directory).toBe('/loki/chunks');
  });

  it('uses the tsdb v13 schema, and the compactor enforces retention', () => {
    expect(conf.schema_config.configs[0]).toMatchObject({ store: 'tsdb', schema: 'v13', object_store: 'filesystem' });
    expect(conf.compactor.retention_enabled).toBe(true);
    expect(conf.compactor.delete_request_store).toBe('filesystem');
    expect(conf.limits_config.retention_period).toBe('168h');
  });
});

describe('Alloy config', () => {
  const alloy = topo.component('alloy');
  const conf = file(alloy, 'config.alloy');

  it("reads only this stack's containers through the read-only socket proxy, never the socket", () => {
    expect(conf).toContain(`values = ["${CONTAINER_LABELS.stack}=dev"]`);
    expect(alloy.hostMounts).toEqual([]);
    const proxy = topo.component('docker-socket-proxy');
    expect(proxy.hostMounts).toEqual([{ hostPath: '/var/run/docker.sock', containerPath: '/var/run/docker.sock', readOnly: true }]);
    // One name, written once (the topology's component and port), in both blocks.
    expect(conf.match(/host\s+= "tcp:\/\/docker-socket-proxy:2375"/g)).toHaveLength(2);
    expect(alloy.dependsOn).toContainEqual({ component: 'docker-socket-proxy', condition: 'started' });
    expect(proxy.env).toMatchObject({ CONTAINERS: '1', POST: '0', EVENTS: '0', SOCKET_PATH: '/var/run/docker.sock', BIND_CONFIG: ':2375' });
  });

  it('refuses to render a socket address: Alloy only ever talks to the proxy', () => {
    const input = { stackLabel: { name: 'a', value: 'b' }, componentLabel: 'c', instanceLabel: 'd', loki: 'loki:3100' };
    expect(() => renderAlloyConfig({ ...input, dockerHost: 'unix:///var/run/docker.sock' })).toThrow(/socket proxy \(tcp:\/\/host:port\)/);
    expect(renderAlloyConfig({ ...input, dockerHost: 'tcp://proxy:2375' })).toContain('host = "tcp://proxy:2375"');
  });

  it('labels each line with component and replica, and pushes to Loki', () => {
    expect(dockerMetaLabel('com.shortstack.component')).toBe('__meta_docker_container_label_com_shortstack_component');
    expect(conf).toMatch(/source_labels = \["__meta_docker_container_label_com_shortstack_component"\]\s+target_label\s+= "component"/);
    expect(conf).toMatch(/source_labels = \["__meta_docker_container_label_com_shortstack_instance"\]\s+target_label\s+= "replica"/);
    expect(conf).toContain('url = "http://loki:3100/loki/api/v1/push"');
    expect(conf).toContain('forward_to    = [loki.process.json.receiver]');
    expect(conf).toContain('forward_to = [loki.write.default.receiver]');
  });

  it('has balanced braces and a block for every component it references', () => {
    expect(conf.split('{').length).toBe(conf.split('}').length);
    for (const ref of conf.matchAll(/\b(discovery\.docker|discovery\.relabel|loki\.process|loki\.write)\.(\w+)\./g)) {
      expect(conf).toContain(`${ref[1]} "${ref[2]}" {`);
    }
  });
});

describe('Grafana provisioning', () => {
  const grafana = topo.component('grafana');
  const datasources = parse(file(grafana, 'provisioning/datasources/shortstack.yaml'));
  const dashboards = parse(file(grafana, 'provisioning/dashboards/shortstack.yaml'));

  it('provisions Prometheus (default) and Loki by fixed uids at their service addresses', () => {
    expect(datasources.apiVersion).toBe(1);
    const byUid = Object.fromEntries(datasources.datasources.map((d: { uid: string }) => [d.uid, d]));
    expect(byUid[GRAFANA_DATASOURCE_UIDS.prometheus]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    expect(byUid[GRAFANA_DATASOURCE_UIDS.loki]).toMatchObject({ type: 'loki', url: 'http://loki:3100' });
  });

  it('points the dashboard provider at the folder the dashboards are uploaded to', () => {
    const provider = dashboards.providers[0];
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false });
    const dashboardFiles = grafana.files.filter((f) => f.path.startsWith(`${provider.options.path}/`));
    for (const f of dashboardFiles) expect(f.path).toMatch(/\.json$/);
    expect(grafana.env.GF_PATHS_PROVISIONING).toBe('/etc/shortstack/provisioning');
  });
});
