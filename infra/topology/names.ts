// Every component's name and container port, written once. Docker service names, Cloud Map
// names and Prometheus job names all come from here.
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';

export const COMPONENT_NAMES = [
  'nginx', 'app', 'migrate', 'pgbouncer', 'postgres', 'redis',
  'prometheus', 'alertmanager', 'grafana', 'loki', 'alloy',
  'nginx-exporter', 'postgres-exporter', 'pgbouncer-exporter', 'redis-exporter',
  'docker-socket-proxy', 'blackbox-exporter', 'node-exporter',
  // One-shots that carry a rotated password into the state PostgreSQL and Grafana keep.
  'set-db-password', 'set-grafana-password',
  // HTTPS on Docker: the temporary certificate nginx starts with, then the manager that obtains
  // and renews the real one over ACME.
  'cert-bootstrap', 'cert-manager',
  // Scheduled pgBackRest backups of PostgreSQL into the backup volume (Docker).
  'postgres-backup',
] as const;

export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** Ports each component listens on inside its container (or task), by name. */
export const PORTS = {
  // https: only when the stack has a domain (TLS terminated here, plain HTTP then redirects).
  nginx: { http: 8080, status: 8081, https: 8443 },
  app: { http: APP_DEFAULTS.port, metrics: APP_DEFAULTS.metricsPort },
  migrate: {},
  pgbouncer: { postgres: 6432 },
  postgres: { postgres: 5432 },
  redis: { redis: 6379 },
  prometheus: { http: 9090 },
  alertmanager: { http: 9093 },
  grafana: { http: 3000 },
  loki: { http: 3100 },
  alloy: { http: 12345 },
  'nginx-exporter': { metrics: 9113 },
  'postgres-exporter': { metrics: 9187 },
  'pgbouncer-exporter': { metrics: 9127 },
  'redis-exporter': { metrics: 9121 },
  // Read-only Docker API for Alloy (tecnativa/docker-socket-proxy's fixed port).
  'docker-socket-proxy': { api: 2375 },
  'blackbox-exporter': { metrics: 9115 },
  'node-exporter': { metrics: 9100 },
  'set-db-password': {},
  'set-grafana-password': {},
  'cert-bootstrap': {},
  'cert-manager': { metrics: 9466 },
  'postgres-backup': {},
} as const satisfies Record<ComponentName, Record<string, number>>;

export type PortName<C extends ComponentName> = keyof (typeof PORTS)[C] & string;

/** The name of one instance: `app-2` for a replicated component, the component's name otherwise. */
export function instanceName(component: ComponentName, index: number, replicated: boolean): string {
  return replicated ? `${component}-${index + 1}` : component;
}

/**
 * The networks. backend joins every service and is internal (no way out); edge carries nginx's
 * published port; ops carries the operator UIs published on 127.0.0.1; egress is the one way
 * out to the internet (Alertmanager's receivers); docker-api joins Alloy and the socket proxy
 * alone, so no other container can query the Docker API.
 */
export const NETWORKS = ['edge', 'backend', 'ops', 'egress', 'docker-api'] as const;
export type NetworkName = (typeof NETWORKS)[number];

/** The stack `npm run up` deploys unless told another (SHORTSTACK_STACK), and the runbook shows. */
export const DEV_STACK = 'dev';

/** The database and its roles. */
export const DATABASE = { name: 'shortstack', user: 'shortstack' } as const;
/** pgBackRest's stanza: the one cluster every placement backs up. */
export const BACKUP_STANZA = 'shortstack';
/** PgBouncer's admin-console user that only reads SHOW STATS/POOLS (the exporter). */
export const PGBOUNCER_STATS_USER = 'pgbouncer_exporter';
/** Where uploaded config files live in every container (a small volume: see the Docker placement). */
export const CONFIG_DIR = '/etc/shortstack';
/**
 * Where secret files live: a volume of their own per instance, mounted read-only only into the
 * container that reads them, each file mode 0400 and owned by that container's user. Every file
 * whose content embeds a secret lives here, and only such files.
 */
export const SECRETS_DIR = '/run/secrets';
/** The certificate files nginx serves and the ACME challenge folder (app/src/certs/layout.ts), a volume shared with nginx. */
export const CERTS_DIR = '/var/lib/shortstack/certs';
/** The ACME account key: the certificate manager's own volume, never mounted into nginx. */
export const ACME_ACCOUNT_DIR = '/var/lib/shortstack/acme-account';
