// nginx, the front door: the only component on the edge network and the only one published
// on every host interface.
import { renderNginxConf } from '../../render/nginx.js';
import { configPath, wgetCheck, type BuildContext } from '../context.js';
import { PORTS } from '../names.js';
import type { Component } from '../types.js';
import { appUpstreams } from '../wiring.js';

export function nginx(ctx: BuildContext): Component {
  const { config } = ctx;
  const conf = configPath('nginx.conf');
  return {
    name: 'nginx',
    image: { kind: 'pinned', ref: config.images.nginx },
    ports: { ...PORTS.nginx },
    replicas: 1,
    oneShot: false,
    // Straight to nginx: the image's entrypoint scripts rewrite /etc/nginx, which is read-only here.
    entrypoint: ['nginx'],
    command: ['-c', conf, '-g', 'daemon off;'],
    env: {},
    files: [{
      path: conf,
      content: renderNginxConf({
        listen: { port: PORTS.nginx.http },
        statusListen: { port: PORTS.nginx.status },
        // stub_status for the exporter on the backend network, and the health check.
        statusAllow: ['127.0.0.1', config.backendSubnet],
        upstreams: appUpstreams(config.replicas, ctx.addr),
        clientMaxBodySize: config.nginx.clientMaxBodySize,
        workerConnections: config.nginx.workerConnections,
      }),
    }],
    health: wgetCheck(`http://127.0.0.1:${PORTS.nginx.status}/stub_status`),
    // nginx resolves upstream names once, at start: every replica must exist by then.
    dependsOn: [{ component: 'app', condition: 'healthy' }],
    resolvesOnceAtStart: ['app'],
    volumes: [],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['edge', 'backend'],
    resources: config.resources.nginx,
    user: '101:101',
    readOnlyRootFs: true,
    publish: [{ port: 'http', hostPort: config.publicPort, on: 'public' }],
  };
}
