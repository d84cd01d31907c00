// nginx, the front door: the only component on the edge network and the only one published
// on every host interface.
import { FRONT_DOOR_HEADER_BUFFERS, HTTP_METHODS, JSON_BODY_LIMIT, PROBE_PATHS, UPLOAD_LIMIT, UPLOAD_ROUTES } from '../../../app/src/http/limits.js';
import { renderNginxConf, type FrontDoorPolicy, type NginxConfigInput } from '../../render/nginx.js';
import type { StackConfig } from '../config.js';
import { DEFAULT_STOP_GRACE_S, configPath, wgetCheck, type BuildContext } from '../context.js';
import { PORTS } from '../names.js';
import { appUpstreams } from '../wiring.js';
import { ALIAS_MAX } from '../../../app/src/domain/short-code.js';
import { certsVolume, nginxTlsFiles } from './certs.js';
import type { Component } from '../types.js';

/** Seconds nginx waits for a replica to answer an upload: an import of UPLOAD_LIMIT takes minutes. */
const UPLOAD_READ_TIMEOUT_S = 600;

/** The front door's policy: the app's own limits, and the stack's per-address budget. */
export function frontDoorPolicy(config: StackConfig, platform: Platform = { kind: 'docker' }): FrontDoorPolicy {
  const ng = config.nginx;
  return {
    methods: HTTP_METHODS,
    bodyBytes: JSON_BODY_LIMIT,
    uploads: { paths: UPLOAD_ROUTES, bodyBytes: UPLOAD_LIMIT, readTimeoutS: UPLOAD_READ_TIMEOUT_S },
    headerBuffers: FRONT_DOOR_HEADER_BUFFERS,
    perAddress: {
      requestsPerSecond: ng.requestsPerSecondPerAddress,
      burst: ng.burstPerAddress,
      connections: ng.connectionsPerAddress,
      probeRequestsPerSecond: ng.probeRequestsPerSecondPerAddress,
    },
    probePaths: PROBE_PATHS,
    clientTimeoutS: ng.clientTimeoutS,
    trustedProxies: frontDoorProxies(config, platform),
  };
}
import { frontDoorProxies, nginxSubnets, SERVICE_DNS_TTL_S, type Platform } from '../platform.js';
import { hostPort } from '../addressing.js';

/** Docker's embedded DNS server, inside every container on a user-defined network. */
const DOCKER_DNS = '127.0.0.11';

/** Who may read stub_status: the exporter and the health check; on AWS also the ALB's probe. */
function statusReaders(ctx: BuildContext): string[] {
  const { config, platform } = ctx;
  return ['127.0.0.1', ...(platform.kind === 'aws' ? [...platform.subnets.private, ...platform.subnets.public] : nginxSubnets(config, platform))];
}

/**
 * nginx.conf's input for this stack: the front door's policy and sizes, where the replicas are.
 * Every placement renders from it; the loopback overrides only addresses and paths, and what
 * loopback/differences.ts names.
 */
export function nginxConfInput(ctx: BuildContext): NginxConfigInput {
  const { config } = ctx;
  const tls = config.tls;
  const service = ctx.addr.service?.('app', 'http');
  return {
    listen: { port: PORTS.nginx.http },
    statusListen: { port: PORTS.nginx.status },
    // stub_status for the exporter on the backend network, and the health check.
    statusAllow: statusReaders(ctx),
    // The replicas are one DNS name whose records follow the running ones (Cloud Map on
    // AWS, the network alias on Docker), re-resolved while nginx runs: a replica replaced
    // create-before-delete is picked up, and dropped, without restarting nginx. A placement
    // with no such name (loopback) lists each replica's address.
    ...(service ? {
      upstreams: [hostPort(service)],
      resolver: { address: ctx.platform.kind === 'aws' ? ctx.platform.dnsResolver : DOCKER_DNS, validS: SERVICE_DNS_TTL_S },
    } : { upstreams: appUpstreams(config.replicas, ctx.addr) }),
    policy: frontDoorPolicy(config, ctx.platform),
    workerConnections: config.nginx.workerConnections,
    // Clients reach this server over HTTPS only when set (the config refuses it otherwise).
    hstsMaxAgeS: config.hstsMaxAgeS,
    ...(tls ? {
      tls: {
        listen: { port: PORTS.nginx.https }, ...nginxTlsFiles(), publicHttpsPort: tls.publicHttpsPort, shortLinkMaxLength: ALIAS_MAX,
      },
    } : {}),
  };
}

export function nginx(ctx: BuildContext): Component {
  const { config } = ctx;
  const conf = configPath('nginx.conf');
  const tls = config.tls;
  const { https, ...plainPorts } = PORTS.nginx;
  return {
    name: 'nginx',
    image: { kind: 'pinned', ref: config.images.nginx },
    ports: tls ? { ...PORTS.nginx } : plainPorts,
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    // Straight to nginx: the image's entrypoint scripts rewrite /etc/nginx, which is read-only here.
    entrypoint: ['nginx'],
    command: ['-c', conf, '-g', 'daemon off;'],
    env: {},
    files: [{ path: conf, content: renderNginxConf(nginxConfInput(ctx)) }],
    // A new config is checked, then applied by SIGHUP: connections in flight finish on the old
    // workers (a replacement would drop them and close the front door while it restarts).
    reload: { check: ['nginx', '-t', '-q', '-c', conf], signal: 'HUP' },
    health: wgetCheck(`http://127.0.0.1:${PORTS.nginx.status}/stub_status`),
    // The first replica must answer before the front door opens. With TLS nginx starts on the
    // temporary certificate, which the certificate manager replaces (a SIGHUP of its own).
    dependsOn: [{ component: 'app', condition: 'healthy' }, ...(tls ? [{ component: 'cert-bootstrap' as const, condition: 'completed' as const }] : [])],
    volumes: tls ? [certsVolume(true)] : [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['edge', 'backend'],
    resources: config.resources.nginx,
    user: '101:101',
    readOnlyRootFs: true,
    publish: [
      { port: 'http', hostPort: config.publicPort, on: 'public' },
      ...(tls ? [{ port: 'https', hostPort: tls.publicHttpsPort, on: 'public' as const }] : []),
    ],
  };
}
