// The shell commands runbooks show, per placement. Container names follow the Docker
// placement's `shortstack-<instance>`; loopback logs live under the folder `npm run local` prints.

export const docker = {
  logs: (instance: string) => `docker logs --since 30m shortstack-${instance}`,
  status: () => `docker ps -a --filter name=shortstack- --format 'table {{.Names}}\\t{{.Status}}'`,
  inspectHealth: (instance: string) => `docker inspect --format '{{json .State.Health}}' shortstack-${instance}`,
  restart: (instance: string) => `docker restart shortstack-${instance}`,
  exec: (instance: string, cmd: string) => `docker exec -it shortstack-${instance} ${cmd}`,
  converge: () => 'npm run up',
} as const;

export const loopback = {
  logs: (name: string) => `find "$STACK_DIR" -name '${name}*.log' -exec tail -n 100 {} +`,
  status: () => 'curl -s "$PROMETHEUS_URL/api/v1/targets?state=active" | jq -r \'.data.activeTargets[] | "\\(.labels.instance) \\(.health) \\(.lastError)"\'',
  restartStack: () => 'stop `npm run local` (Ctrl-C) and start it again; it prints `ready:` once every component is healthy',
} as const;

/** The same on every placement: Prometheus answers over HTTP. */
export function promQuery(expr: string): string {
  return `curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=${expr}' | jq .data.result`;
}
