// Prometheus, Alertmanager, Grafana, Loki and Alloy. Their configs come from monitoring/ and
// alerts/ (rules, routing, dashboards) and from infra/render (Loki, Alloy, Grafana provisioning).
import { renderPrometheusConfig } from '../../../monitoring/prometheus-config.js';
import { renderAlloyConfig } from '../../render/alloy.js';
import { renderGrafanaProvisioning } from '../../render/grafana.js';
import { renderLokiConfig } from '../../render/loki.js';
import { hostPort } from '../addressing.js';
import { CONTAINER_LABELS, configPath, wgetCheck, type BuildContext } from '../context.js';
import { PORTS } from '../names.js';
import { secretText, type Component, type ConfigFile } from '../types.js';
import { scrapeTargets } from '../wiring.js';
import type { MonitoringFiles } from './monitoring-files.js';

const base = (ctx: BuildContext, name: 'prometheus' | 'alertmanager' | 'grafana' | 'loki' | 'alloy') => ({
  name,
  image: { kind: 'pinned', ref: ctx.config.images[name] } as const,
  ports: { ...PORTS[name] } as Record<string, number>,
  replicas: 1,
  oneShot: false,
  hostMounts: [],
  networks: ['backend'] as Component['networks'],
  resources: ctx.config.resources[name],
  readOnlyRootFs: true,
  tmpfs: ['/tmp'],
  publish: [] as Component['publish'],
});

export const PROMETHEUS_RULES_DIR = configPath('rules');

export function prometheus(ctx: BuildContext, m: MonitoringFiles): Component {
  const { config, addr } = ctx;
  const rules: ConfigFile[] = Object.entries(m.rules).map(([file, content]) => ({ path: `${PROMETHEUS_RULES_DIR}/${file}`, content }));
  const conf = configPath('prometheus.yml');
  return {
    ...base(ctx, 'prometheus'),
    command: [
      `--config.file=${conf}`, '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d',
      `--web.listen-address=:${PORTS.prometheus.http}`, '--web.enable-lifecycle',
      `--web.external-url=http://127.0.0.1:${config.localPorts.prometheus}/`,
    ],
    env: {},
    files: [
      {
        path: conf,
        content: renderPrometheusConfig({
          targets: scrapeTargets(config.replicas, addr),
          ruleFiles: rules.map((r) => r.path),
          alertmanagers: [hostPort(addr.endpoint('alertmanager', 'http'))],
          externalLabels: { stack: ctx.stackName },
        }),
      },
      ...rules,
    ],
    health: wgetCheck(`http://127.0.0.1:${PORTS.prometheus.http}/-/ready`),
    dependsOn: [{ component: 'alertmanager', condition: 'started' }],
    volumes: [{ name: 'prometheus-data', mountPath: '/prometheus' }],
    user: '65534:65534',
    publish: [{ port: 'http', hostPort: config.localPorts.prometheus, on: 'loopback' }],
  };
}

export function alertmanager(ctx: BuildContext, m: MonitoringFiles): Component {
  const { config } = ctx;
  const conf = configPath('alertmanager.yml');
  return {
    ...base(ctx, 'alertmanager'),
    command: [
      `--config.file=${conf}`, '--storage.path=/alertmanager',
      `--web.listen-address=:${PORTS.alertmanager.http}`,
      // One instance: no gossip cluster (it would also claim port 9094).
      '--cluster.listen-address=',
      `--web.external-url=http://127.0.0.1:${config.localPorts.alertmanager}/`,
    ],
    env: {},
    files: [{ path: conf, content: m.alertmanager }],
    health: wgetCheck(`http://127.0.0.1:${PORTS.alertmanager.http}/-/ready`),
    dependsOn: [],
    volumes: [{ name: 'alertmanager-data', mountPath: '/alertmanager' }],
    user: '65534:65534',
    publish: [{ port: 'http', hostPort: config.localPorts.alertmanager, on: 'loopback' }],
  };
}

export const GRAFANA_PROVISIONING_DIR = configPath('provisioning');
export const GRAFANA_DASHBOARDS_DIR = configPath('dashboards');

export function grafana(ctx: BuildContext, m: MonitoringFiles): Component {
  const { config, addr } = ctx;
  const provisioning = renderGrafanaProvisioning({
    prometheusUrl: `http://${hostPort(addr.endpoint('prometheus', 'http'))}`,
    lokiUrl: `http://${hostPort(addr.endpoint('loki', 'http'))}`,
    dashboardsDir: GRAFANA_DASHBOARDS_DIR,
  });
  const dashboards = m.dashboards;
  const adminPasswordFile = configPath('grafana-admin-password');
  return {
    ...base(ctx, 'grafana'),
    env: {
      GF_SERVER_HTTP_PORT: String(PORTS.grafana.http),
      GF_SERVER_ROOT_URL: `http://127.0.0.1:${config.localPorts.grafana}/`,
      GF_PATHS_PROVISIONING: GRAFANA_PROVISIONING_DIR,
      GF_SECURITY_ADMIN_USER: 'admin',
      // From a file, so the password is not in the container's environment (docker inspect).
      GF_SECURITY_ADMIN_PASSWORD__FILE: adminPasswordFile,
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_LOG_MODE: 'console',
    },
    files: [
      { path: adminPasswordFile, content: secretText(['grafanaAdminPassword'], (s) => s.grafanaAdminPassword) },
      ...Object.entries(provisioning).map(([file, content]) => ({ path: `${GRAFANA_PROVISIONING_DIR}/${file}`, content })),
      ...Object.entries(dashboards).map(([file, content]) => ({ path: `${GRAFANA_DASHBOARDS_DIR}/${file}`, content })),
    ],
    health: wgetCheck(`http://127.0.0.1:${PORTS.grafana.http}/api/health`),
    dependsOn: [{ component: 'prometheus', condition: 'started' }, { component: 'loki', condition: 'started' }],
    volumes: [{ name: 'grafana-data', mountPath: '/var/lib/grafana' }],
    user: '472:0',
    publish: [{ port: 'http', hostPort: config.localPorts.grafana, on: 'loopback' }],
  };
}

export function loki(ctx: BuildContext): Component {
  const conf = configPath('loki.yaml');
  return {
    ...base(ctx, 'loki'),
    command: [`-config.file=${conf}`],
    env: {},
    files: [{ path: conf, content: renderLokiConfig({ httpPort: PORTS.loki.http, dataDir: '/loki' }) }],
    health: wgetCheck(`http://127.0.0.1:${PORTS.loki.http}/ready`),
    dependsOn: [],
    volumes: [{ name: 'loki-data', mountPath: '/loki' }],
    user: '10001:10001',
  };
}

export const DOCKER_SOCKET = '/var/run/docker.sock';
/**
 * A path the image does not have: a new volume there is root's. The image's own
 * /var/lib/alloy is alloy's (uid 473, mode 770), which root without capabilities cannot enter.
 */
const ALLOY_DATA = '/alloy-data';

export function alloy(ctx: BuildContext): Component {
  const conf = configPath('config.alloy');
  return {
    ...base(ctx, 'alloy'),
    command: ['run', `--server.http.listen-addr=0.0.0.0:${PORTS.alloy.http}`, `--storage.path=${ALLOY_DATA}`, conf],
    env: {},
    files: [{
      path: conf,
      content: renderAlloyConfig({
        dockerHost: `unix://${DOCKER_SOCKET}`,
        stackLabel: { name: CONTAINER_LABELS.stack, value: ctx.stackName },
        componentLabel: CONTAINER_LABELS.component,
        instanceLabel: CONTAINER_LABELS.instance,
        loki: hostPort(ctx.addr.endpoint('loki', 'http')),
      }),
    }],
    dependsOn: [{ component: 'loki', condition: 'started' }],
    // Its read position, so a restart does not ship every log line again.
    volumes: [{ name: 'alloy-data', mountPath: ALLOY_DATA }],
    // Reading other containers' logs goes through the Docker API: the socket, read-only, and
    // the image's root user (the socket is root's). This is the stack's one privileged reader.
    hostMounts: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }],
  };
}
