// The shell commands runbooks show, per placement. Docker container names come from the Docker
// placement; the runbook shows the default stack. Loopback logs live under the folder
// `npm run local` prints.
import { dockerContainerName } from '../infra/placements/types.js';
import { secretPath } from '../infra/topology/context.js';
import { DATABASE } from '../infra/topology/names.js';

export const DOCKER_STACK = 'dev';
const container = (instance: string) => dockerContainerName(DOCKER_STACK, instance);

export const docker = {
  logs: (instance: string) => `docker logs --since 30m ${container(instance)}`,
  status: () => `docker ps -a --filter name=${container('')} --format 'table {{.Names}}\\t{{.Status}}'`,
  inspectHealth: (instance: string) => `docker inspect --format '{{json .State.Health}}' ${container(instance)}`,
  restart: (instance: string) => `docker restart ${container(instance)}`,
  exec: (instance: string, cmd: string) => `docker exec -it ${container(instance)} ${cmd}`,
  inspect: (instance: string, format: string) => `docker inspect --format '${format}' ${container(instance)}`,
  converge: () => 'npm run up',
  /** psql inside the PostgreSQL container, as the stack's role (there is no `postgres` login in use). */
  psql: (sql: string) => `docker exec -it ${container('postgres')} psql -U ${DATABASE.user} -d ${DATABASE.name} -c "${sql.replace(/"/g, '\\"')}"`,
  pgIsReady: () => `docker exec -it ${container('postgres')} pg_isready -U ${DATABASE.user} -d ${DATABASE.name}`,
  /**
   * redis-cli inside the Redis container with the password read there, from its secret file:
   * `-a "$REDIS_PASSWORD"` would be expanded by the operator's shell, where it is not set.
   */
  redisCli: (args: string) => `docker exec -it ${container('redis')} sh -c 'REDISCLI_AUTH="$(cat ${secretPath('redis-password')})" redis-cli ${args}'`,
} as const;

/** The container (and loopback server) that answers each scrape job: exporters are named for what they watch. */
export const SCRAPE_JOB_CONTAINERS: Record<string, string> = {
  nginx: 'nginx-exporter',
  postgres: 'postgres-exporter',
  pgbouncer: 'pgbouncer-exporter',
  redis: 'redis-exporter',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  edge: 'blackbox-exporter',
};

export const loopback = {
  logs: (name: string) => `find "$STACK_DIR" -name '${name}*.log' -exec tail -n 100 {} +`,
  status: () => 'curl -s "$PROMETHEUS_URL/api/v1/targets?state=active" | jq -r \'.data.activeTargets[] | "\\(.labels.instance) \\(.health) \\(.lastError)"\'',
  restartStack: () => 'stop `npm run local` (Ctrl-C) and start it again; it prints `ready:` once every component is healthy',
} as const;

/** The same on every placement: Prometheus answers over HTTP. */
export function promQuery(expr: string): string {
  return `curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=${expr}' | jq .data.result`;
}
