// What the loopback placement renders differently from the Docker placement, besides addresses,
// ports and paths: every such difference, in this one place, with why it cannot hold on loopback.
// loopback/configs.ts applies them; the parity test (config-parity.test.ts) knows each one's
// lines, and fails on any other difference.

export interface LoopbackDifference {
  /** The config file it shows in. */
  file: 'nginx.conf' | 'pgbouncer.ini' | 'prometheus.yml' | 'alertmanager.yml' | 'blackbox.yml' | 'node-exporter argv';
  why: string;
}

export const LOOPBACK_DIFFERENCES = {
  nginxWorkerProcesses: {
    file: 'nginx.conf',
    why: 'one worker: the stack, its replicas and the load generator share two cores here; a container counts its own CPUs (auto)',
  },
  nginxUpstreams: {
    file: 'nginx.conf',
    why: 'each replica listed by its own 127.0.0.1 port, with no resolver: there is no DNS name whose records follow the replicas, '
      + "and Debian's nginx 1.22 has no `server ... resolve` (1.27.3); a rollout rewrites the list and reloads instead "
      + '(so fail_timeout stays the plain one: no re-resolution to outlast)',
  },
  nginxDrain: {
    file: 'nginx.conf',
    why: 'the rollout reloads nginx, and nginx 1.22 resets a request that crosses the close of an idle keep-alive connection '
      + '(render/nginx-drain.ts); on Docker a rollout changes DNS records, not the config',
  },
  pgbouncerFiles: {
    file: 'pgbouncer.ini',
    why: 'a log file and a pid file in the stack folder: a container logs to stderr and needs no pid file',
  },
  nodeExporterFsTypes: {
    file: 'node-exporter argv',
    why: "file systems left out but overlay: node-exporter's default also leaves out overlay, the root of a CI container where "
      + "PostgreSQL's data may live here; on Docker the data is a volume (ext4 or xfs)",
  },
  tls: {
    file: 'nginx.conf',
    why: "HTTPS is a stack option here (Pebble's CA for 127.0.0.1: stack.ts `tls`), not the config's domain; the edge probe trusts that CA",
  },
  testKnobs: {
    file: 'prometheus.yml',
    why: "a test's own scrape and evaluation intervals and alert receivers and timing (StackOptions), only when it passes them",
  },
} as const satisfies Record<string, LoopbackDifference>;

/** nginx's workers on loopback (LOOPBACK_DIFFERENCES.nginxWorkerProcesses). */
export const LOOPBACK_NGINX_WORKERS = 1;
