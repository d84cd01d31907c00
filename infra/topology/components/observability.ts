// Prometheus, Alertmanager, Grafana, Loki and Alloy. Their configs come from monitoring/ and
// alerts/ (rules, routing, dashboards) and from infra/render (Loki, Alloy, Grafana provisioning).
import { renderPrometheusConfig, type PrometheusConfigInput } from '../../../monitoring/prometheus-config.js';
import { renderAlloyConfig } from '../../render/alloy.js';
import { renderGrafanaProvisioning } from '../../render/grafana.js';
import { renderLokiConfig } from '../../render/loki.js';
import { hostPort } from '../addressing.js';
import { DEFAULT_STOP_GRACE_S, CONTAINER_LABELS, configPath, secretPath, wgetCheck, type BuildContext } from '../context.js';
import { PORTS } from '../names.js';
import { secretText, type Component, type ConfigFile } from '../types.js';
import { scrapeTargets } from '../wiring.js';
import type { MonitoringFiles } from './monitoring-files.js';

const base = (ctx: BuildContext, name: 'prometheus' | 'alertmanager' | 'grafana' | 'loki' | 'alloy' | 'docker-socket-proxy') => ({
  name,
  image: { kind: 'pinned', ref: ctx.config.images[name] } as const,
  ports: { ...PORTS[name] } as Record<string, number>,
  replicas: 1,
  oneShot: false,
  stopGraceS: DEFAULT_STOP_GRACE_S,
  hostMounts: [],
  networks: ['backend'] as Component['networks'],
  resources: ctx.config.resources[name],
  readOnlyRootFs: true,
  tmpfs: ['/tmp'],
  publish: [] as Component['publish'],
});

export const PROMETHEUS_RULES_DIR = configPath('rules');

/**
 * prometheus.yml's input for this stack: what it scrapes, where its rules and Alertmanager are.
 * Every placement renders from it; the loopback overrides only addresses and paths, and what
 * loopback/differences.ts names.
 */
export function prometheusConfInput(ctx: BuildContext, ruleFiles: string[]): PrometheusConfigInput {
  const { config, addr } = ctx;
  return {
    targets: scrapeTargets(config.replicas, addr, ctx.platform.kind === 'aws'
      ? { appDiscovery: 'dns', postgresDisk: false } : { appDiscovery: 'instances', postgresDisk: true, tls: config.tls !== undefined }),
    ruleFiles,
    alertmanagers: [hostPort(addr.endpoint('alertmanager', 'http'))],
    externalLabels: { stack: ctx.stackName },
  };
}

/** How long Prometheus keeps its samples, on every placement. */
export const PROMETHEUS_RETENTION = '15d';

/** Where a Prometheus or Alertmanager runs: placements differ only in these. */
export interface ServerPlace { configFile: string; dataDir: string; listen: string; externalUrl: string }

/** Prometheus's flags on every placement, from where it runs. */
export function prometheusArgs(p: ServerPlace): string[] {
  return [
    `--config.file=${p.configFile}`, `--storage.tsdb.path=${p.dataDir}`, `--storage.tsdb.retention.time=${PROMETHEUS_RETENTION}`,
    // No --web.enable-lifecycle: it would let anyone who reaches the port shut Prometheus
    // down or reload it (POST /-/quit, /-/reload). A new config replaces the container.
    `--web.listen-address=${p.listen}`,
    `--web.external-url=${p.externalUrl}`,
  ];
}

/** Alertmanager's flags on every placement, from where it runs. */
export function alertmanagerArgs(p: ServerPlace): string[] {
  return [
    `--config.file=${p.configFile}`, `--storage.path=${p.dataDir}`,
    `--web.listen-address=${p.listen}`,
    // One instance: no gossip cluster (it would also claim port 9094).
    '--cluster.listen-address=',
    `--web.external-url=${p.externalUrl}`,
  ];
}

export function prometheus(ctx: BuildContext, m: MonitoringFiles): Component {
  const { config } = ctx;
  const rules: ConfigFile[] = Object.entries(m.rules).map(([file, content]) => ({ path: `${PROMETHEUS_RULES_DIR}/${file}`, content }));
  const conf = configPath('prometheus.yml');
  return {
    ...base(ctx, 'prometheus'),
    command: prometheusArgs({
      configFile: conf, dataDir: '/prometheus', listen: `:${PORTS.prometheus.http}`,
      externalUrl: `http://127.0.0.1:${config.localPorts.prometheus}/`,
    }),
    env: {},
    files: [
      { path: conf, content: renderPrometheusConfig(prometheusConfInput(ctx, rules.map((r) => r.path))) },
      ...rules,
    ],
    health: wgetCheck(`http://127.0.0.1:${PORTS.prometheus.http}/-/ready`),
    dependsOn: [{ component: 'alertmanager', condition: 'started' }],
    volumes: [{ name: 'prometheus-data', mountPath: '/prometheus' }],
    // ops: its UI is published on 127.0.0.1 (a port needs a non-internal network), no way out.
    networks: ['backend', 'ops'],
    user: '65534:65534',
    publish: [{ port: 'http', hostPort: config.localPorts.prometheus, on: 'loopback' }],
  };
}

export function alertmanager(ctx: BuildContext, m: MonitoringFiles): Component {
  const { config } = ctx;
  // Secret: the receivers' webhook URL, routing key and SMTP password are in it.
  const conf = secretPath('alertmanager.yml');
  return {
    ...base(ctx, 'alertmanager'),
    command: alertmanagerArgs({
      configFile: conf, dataDir: '/alertmanager', listen: `:${PORTS.alertmanager.http}`,
      externalUrl: `http://127.0.0.1:${config.localPorts.alertmanager}/`,
    }),
    env: {},
    files: [{ path: conf, content: m.alertmanager }],
    health: wgetCheck(`http://127.0.0.1:${PORTS.alertmanager.http}/-/ready`),
    dependsOn: [],
    volumes: [{ name: 'alertmanager-data', mountPath: '/alertmanager' }],
    // The one component that must reach the internet: Discord, PagerDuty, the SMTP relay.
    networks: ['backend', 'egress'],
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
    logs: ctx.platform.kind === 'aws'
      ? { kind: 'cloudwatch', region: ctx.platform.region }
      : { kind: 'loki', url: `http://${hostPort(addr.endpoint('loki', 'http'))}` },
    dashboardsDir: GRAFANA_DASHBOARDS_DIR,
  });
  const dashboards = m.dashboards;
  const adminPasswordFile = secretPath('grafana-admin-password');
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
    dependsOn: [{ component: 'prometheus', condition: 'started' },
      ...(ctx.platform.kind === 'aws' ? [] : [{ component: 'loki', condition: 'started' } as const])],
    volumes: [{ name: 'grafana-data', mountPath: '/var/lib/grafana' }],
    networks: ['backend', 'ops'],
    user: '472:0',
    publish: [{ port: 'http', hostPort: config.localPorts.grafana, on: 'loopback' }],
  };
}

/**
 * Grafana reads GF_SECURITY_ADMIN_PASSWORD__FILE only when it creates its database: a new
 * grafanaAdminPassword would change the stack output but not the login. This one-shot resets
 * the admin password in Grafana's own database (the grafana-data volume) with the Grafana CLI,
 * reading it on stdin from the 0400 secret file, after Grafana is healthy: on the first deploy
 * (the same password) and whenever the secret changes (it is then replaced and runs again).
 */
export function setGrafanaPassword(ctx: BuildContext): Component {
  const passwordFile = secretPath('grafana-admin-password');
  return {
    ...base(ctx, 'grafana'),
    name: 'set-grafana-password',
    ports: {},
    oneShot: true,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    resources: ctx.config.resources['set-grafana-password'],
    // The image's entrypoint (/run.sh) starts the server; the CLI is `grafana cli` on its PATH.
    entrypoint: ['/bin/sh', '-c'],
    command: [`exec grafana cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin < ${passwordFile}`],
    env: {},
    files: [{ path: passwordFile, content: secretText(['grafanaAdminPassword'], (s) => s.grafanaAdminPassword) }],
    dependsOn: [{ component: 'grafana', condition: 'healthy' }],
    volumes: [{ name: 'grafana-data', mountPath: '/var/lib/grafana', owner: 'grafana' }],
    networks: ['backend'],
    user: '472:0',
    publish: [],
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
 * The image's own state folder (uid 473, mode 770): a new named volume mounted there takes its
 * owner, so Alloy runs as its own user. (A new name: the old `alloy-data` volume, mounted at
 * /alloy-data while Alloy ran as root, is root's.)
 */
const ALLOY_STATE = '/var/lib/alloy';
const ALLOY_USER = '473:473';

export function alloy(ctx: BuildContext): Component {
  const conf = configPath('config.alloy');
  return {
    ...base(ctx, 'alloy'),
    // The UI/API listens on loopback only: nothing scrapes it, nothing else may reach it.
    command: ['run', `--server.http.listen-addr=127.0.0.1:${PORTS.alloy.http}`, `--storage.path=${ALLOY_STATE}/data`, conf],
    env: {},
    files: [{
      path: conf,
      content: renderAlloyConfig({
        // The read-only socket proxy, never the socket itself.
        dockerHost: `tcp://${hostPort(ctx.addr.endpoint('docker-socket-proxy', 'api'))}`,
        stackLabel: { name: CONTAINER_LABELS.stack, value: ctx.stackName },
        componentLabel: CONTAINER_LABELS.component,
        instanceLabel: CONTAINER_LABELS.instance,
        loki: hostPort(ctx.addr.endpoint('loki', 'http')),
      }),
    }],
    dependsOn: [{ component: 'loki', condition: 'started' }, { component: 'docker-socket-proxy', condition: 'started' }],
    // Its read position, so a restart does not ship every log line again.
    volumes: [{ name: 'alloy-state', mountPath: ALLOY_STATE }],
    networks: ['backend', 'docker-api'],
    user: ALLOY_USER,
  };
}

/** haproxy's config in the image: the entrypoint would render it into the (read-only) root. */
const SOCKET_PROXY_TEMPLATE = '/usr/local/etc/haproxy/haproxy.cfg.template';

/**
 * The Docker API for Alloy, read-only: tecnativa/docker-socket-proxy (haproxy) in front of the
 * socket, answering GET only (POST=0) and only the sections Alloy reads: /containers (list,
 * inspect, logs) and /networks (discovery.docker lists them to label targets), plus /_ping and
 * /version for the client's API negotiation. Events, exec, images, volumes, info: refused.
 * On a network of its own with Alloy, so no other container reaches it.
 */
export function dockerSocketProxy(ctx: BuildContext): Component {
  return {
    ...base(ctx, 'docker-socket-proxy'),
    // haproxy straight on the image's template: the image's entrypoint writes the config into
    // /usr/local/etc/haproxy (read-only here) to fill ${BIND_CONFIG}, which haproxy itself
    // expands from the environment just as it does $SOCKET_PATH and the env(...) switches.
    entrypoint: ['haproxy'],
    command: ['-W', '-db', '-f', SOCKET_PROXY_TEMPLATE],
    env: {
      CONTAINERS: '1', NETWORKS: '1', POST: '0', PING: '1', VERSION: '1',
      EVENTS: '0', EXEC: '0', IMAGES: '0', INFO: '0', VOLUMES: '0', SYSTEM: '0',
      BIND_CONFIG: `:${PORTS['docker-socket-proxy'].api}`,
      SOCKET_PATH: DOCKER_SOCKET,
      LOG_LEVEL: 'info',
    },
    files: [],
    health: wgetCheck(`http://127.0.0.1:${PORTS['docker-socket-proxy'].api}/_ping`),
    dependsOn: [],
    volumes: [],
    // haproxy's pid file and its (absent) server-state file.
    tmpfs: ['/run', '/var/lib/haproxy'],
    hostMounts: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }],
    networks: ['docker-api'],
    // Root (the socket is root's), no capabilities: the stack's one privileged reader.
  };
}
