// The shell commands runbooks show, per placement, from the deployment's context (names, ports
// and paths come from infra through AlertsContext). Docker commands show the default stack;
// loopback logs live under the folder `npm run local` prints; AWS names are the AWS placement's.
import type { AlertsContext } from './context.js';

/**
 * The Docker stack in the commands: a shell variable the runbook's table defines (to the default
 * stack unless the operator chose another), so a copied command finds that stack's containers.
 */
export const DOCKER_STACK_VAR = 'STACK';
const DOCKER_STACK_REF = `$${DOCKER_STACK_VAR}`;

/** The container (and loopback server) that answers each scrape job: exporters are named for what they watch. */
export const SCRAPE_JOB_CONTAINERS: Record<string, string> = {
  nginx: 'nginx-exporter',
  postgres: 'postgres-exporter',
  pgbouncer: 'pgbouncer-exporter',
  redis: 'redis-exporter',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  edge: 'blackbox-exporter',
  'cert-manager': 'cert-manager',
};

export const loopback = {
  logs: (name: string) => `find "$STACK_DIR" -name '${name}*.log' -exec tail -n 100 {} +`,
  status: () => 'curl -s "$PROMETHEUS_URL/api/v1/targets?state=active" | jq -r \'.data.activeTargets[] | "\\(.labels.instance) \\(.health) \\(.lastError)"\'',
  restartStack: () => 'stop `npm run local` (Ctrl-C) and start it again; it prints `ready:` once every component is healthy. '
    + 'Without `--dir` its folder is temporary and the data goes with it at the stop; start it with `--dir` to keep PostgreSQL\'s data across restarts',
} as const;

/** describe-services takes at most this many services per call. */
const DESCRIBE_SERVICES_MAX = 10;
const HOUR_S = 3600;

/**
 * A command string as ECS Exec runs it: the agent splits it shell-like (double quotes escape with
 * a backslash) and runs it without a shell. `sh -c` bodies go in double quotes; the whole string
 * goes in the operator's single quotes, so `$` reaches the container's shell unexpanded.
 */
function execCommand(command: string): string {
  if (command.includes("'")) throw new Error(`an ECS Exec command must not contain a single quote: ${command}`);
  return `'${command}'`;
}
const shBody = (body: string) => `sh -c "${body.replace(/[\\"]/g, '\\$&')}"`;
type Statistic = 'Average' | 'Maximum' | 'Minimum' | 'Sum';
/** A CloudWatch metric of the last 3 hours, in 5-minute points, oldest first. */
const metric = (namespace: string, name: string, dimensions: Record<string, string>, statistic: Statistic) =>
  `aws cloudwatch get-metric-statistics --namespace ${namespace} --metric-name ${name} `
  + `--dimensions ${Object.entries(dimensions).map(([k, v]) => `Name=${k},Value=${v}`).join(' ')} `
  + `--start-time $(($(date +%s) - ${3 * HOUR_S})) --end-time $(date +%s) --period 300 --statistics ${statistic} `
  + `--query 'sort_by(Datapoints, &Timestamp)[].[Timestamp, ${statistic}]' --output text`;

/**
 * The command builders for one deployment's names: `docker`, `loopback` and `aws` (the runbook's
 * example AWS stack), plus the context they were built from.
 */
export function placementCommands(ctx: AlertsContext) {
  const { database, configPath, secretPath } = ctx;
  const { labels } = ctx.docker;
  const stack = DOCKER_STACK_REF;
  const aw = ctx.aws.names;
  const cluster = `--cluster ${aw.cluster}`;
  /**
   * An instance's running container, found by its labels: app replicas are named with a
   * generation suffix (replaced create-before-delete), so a fixed name would miss them.
   */
  const container = (instance: string) =>
    `$(docker ps -q --filter label=${labels.stack}=${stack} --filter label=${labels.instance}=${instance})`;

  const docker = {
    logs: (instance: string) => `docker logs --since 30m ${container(instance)}`,
    status: () => `docker ps -a --filter label=${labels.stack}=${stack} --format 'table {{.Names}}\\t{{.Status}}'`,
    inspectHealth: (instance: string) => `docker inspect --format '{{json .State.Health}}' ${container(instance)}`,
    restart: (instance: string) => `docker restart ${container(instance)}`,
    exec: (instance: string, cmd: string) => `docker exec ${container(instance)} ${cmd}`,
    inspect: (instance: string, format: string) => `docker inspect --format '${format}' ${container(instance)}`,
    converge: () => 'npm run up',
    /** psql inside the PostgreSQL container, as the stack's role (there is no `postgres` login in use). */
    psql: (sql: string) => `docker exec ${container('postgres')} psql -U ${database.user} -d ${database.name} -c "${sql.replace(/"/g, '\\"')}"`,
    pgIsReady: () => `docker exec ${container('postgres')} pg_isready -U ${database.user} -d ${database.name}`,
    /** psql reading a script from standard input (a pipe), as the stack's role, all or nothing. */
    psqlScript: () => `docker exec -i ${container('postgres')} psql -U ${database.user} -d ${database.name} -v ON_ERROR_STOP=1 --single-transaction`,
    /**
     * redis-cli inside the Redis container with the password read there, from its secret file:
     * `-a "$REDIS_PASSWORD"` would be expanded by the operator's shell, where it is not set.
     */
    redisCli: (args: string) => `docker exec ${container('redis')} sh -c 'REDISCLI_AUTH="$(cat ${secretPath('redis-password')})" redis-cli ${args}'`,
  } as const;

  /**
   * The running tasks of a component's service (its ARNs, space-separated), or the first one: the
   * ECS Exec target. A service has a task per replica; the app's are autoscaled.
   */
  const taskArns = (component: string, desired: 'RUNNING' | 'STOPPED' = 'RUNNING') =>
    `$(aws ecs list-tasks ${cluster} --service-name ${aw.service(component)}${desired === 'STOPPED' ? ' --desired-status STOPPED' : ''} --query 'taskArns' --output text)`;
  const firstTask = (component: string) =>
    `$(aws ecs list-tasks ${cluster} --service-name ${aw.service(component)} --query 'taskArns[0]' --output text)`;

  const ecsExec = (component: string, command: string, container: string) =>
    `aws ecs execute-command ${cluster} --task ${firstTask(component)} --container ${container} --interactive --command ${execCommand(command)}`;

  /** The RDS address, port and database PgBouncer connects to, read from its pgbouncer.ini inside its task. */
  const RDS_CONNINFO = `$(sed -n s/^${database.name}.=.//p ${configPath('pgbouncer.ini')})`;
  /**
   * The role's password from PgBouncer's userlist (`"shortstack" "<password>"`): the line without
   * its first 14 characters (`"shortstack" "`), then without the closing quote.
   */
  const USERLIST_PASSWORD = `p=$(sed -n s/^.${database.user}...//p ${secretPath('userlist.txt')}) && export PGPASSWORD=\${p%?}`;

  const aws = {
    /** Running/desired tasks and the rollout state of the last deployment, per service. */
    services: (...components: string[]) => {
      if (components.length === 0 || components.length > DESCRIBE_SERVICES_MAX) throw new Error(`describe-services takes 1 to ${DESCRIBE_SERVICES_MAX} services`);
      return `aws ecs describe-services ${cluster} --services ${components.map(aw.service).join(' ')} `
        + `--query 'services[].[serviceName, runningCount, desiredCount, deployments[0].rolloutState]' --output table`;
    },
    /** The service's latest events: deployments, failed health checks, tasks stopped and why. */
    events: (component: string) =>
      `aws ecs describe-services ${cluster} --services ${aw.service(component)} --query 'services[0].events[:10].[createdAt, message]' --output text`,
    /** Each running task with its private IP (the `instance` label on AWS is `<ip>:<port>`), health and start. */
    tasks: (component: string) =>
      `aws ecs describe-tasks ${cluster} --tasks ${taskArns(component)} `
      + `--query "tasks[].[taskArn, attachments[0].details[?name=='privateIPv4Address'].value | [0], lastStatus, healthStatus, startedAt]" --output table`,
    /** Tasks stopped in the last hour or so: why, and the container's exit code (137: killed, OOM included). */
    stoppedTasks: (component: string) =>
      `aws ecs describe-tasks ${cluster} --tasks ${taskArns(component, 'STOPPED')} `
      + `--query "tasks[].[stoppedAt, stoppedReason, containers[?name=='${component}'].[exitCode, reason] | [0]]" --output text`,
    /** CloudWatch Logs of a service's task (log streams are `<container>/<container>/<task-id>`). */
    logs: (component: string, opts: { container?: string; task?: string; filter?: string } = {}) => {
      const container = opts.container ?? (opts.task ? component : undefined);
      const prefix = container ? ` --log-stream-name-prefix ${container}/${container}/${opts.task ?? ''}` : '';
      const filter = opts.filter ? ` --filter-pattern '${opts.filter}'` : '';
      return `aws logs tail ${aw.logGroup(component)} --since 30m${prefix}${filter}`;
    },
    /** A command in a container of the service's first task (ECS Exec), no shell. */
    exec: (component: string, command: string, container = component) => ecsExec(component, command, container),
    /** A shell command line in a container of the service's first task (the image needs sh). */
    sh: (component: string, body: string, container = component) => ecsExec(component, shBody(body), container),
    /** Replace every task of the service (the ECS way to restart it); old tasks stop once new ones are healthy. */
    forceNewDeployment: (component: string) =>
      `aws ecs update-service ${cluster} --service ${aw.service(component)} --force-new-deployment --query 'service.deployments[0].[status, rolloutState]' --output text`,
    /** Stop one task (a replica): the service starts a new one in its place. */
    stopTask: (task: string) => `aws ecs stop-task ${cluster} --task ${task} --query 'task.desiredStatus' --output text`,
    converge: () => `pulumi up --stack ${ctx.aws.stack}`,
    /** AWS/ECS CPUUtilization or MemoryUtilization (%) of a service, over its tasks. */
    serviceMetric: (component: string, name: 'CPUUtilization' | 'MemoryUtilization', statistic: Statistic) =>
      metric('AWS/ECS', name, { ClusterName: aw.cluster, ServiceName: aw.service(component) }, statistic),
    /** nginx's tasks as the ALB sees them (the target group's name is the prefix and a random suffix). */
    targetHealth: () =>
      `aws elbv2 describe-target-health --target-group-arn $(aws elbv2 describe-target-groups `
      + `--query "TargetGroups[?starts_with(TargetGroupName, '${aw.targetGroupPrefix}')].TargetGroupArn | [0]" --output text) `
      + `--query 'TargetHealthDescriptions[].[Target.Id, TargetHealth.State, TargetHealth.Reason, TargetHealth.Description]' --output text`,
    /** psql as the stack's role, from PgBouncer's task straight to RDS (TLS), bypassing PgBouncer's pool. */
    psql: (sql: string) => {
      if (/["'\\$`]/.test(sql)) throw new Error(`keep quotes, $ and backslashes out of runbook SQL: ${sql}`);
      return ecsExec('pgbouncer', shBody(`${USERLIST_PASSWORD} && psql "${RDS_CONNINFO} user=${database.user} sslmode=require" -c "${sql}"`), 'pgbouncer');
    },
    /** An interactive psql as the stack's role, in PgBouncer's task (ECS Exec pipes no script: paste it). */
    psqlSession: () => ecsExec('pgbouncer', shBody(`${USERLIST_PASSWORD} && psql "${RDS_CONNINFO} user=${database.user} sslmode=require" -v ON_ERROR_STOP=1`), 'pgbouncer'),
    /** Does RDS accept connections (from PgBouncer's task, which can reach it)? */
    pgIsReady: () => ecsExec('pgbouncer', shBody(`pg_isready -d "${RDS_CONNINFO} user=${database.user}"`), 'pgbouncer'),
    /** Does PgBouncer itself accept connections, in its own task? */
    pgbouncerIsReady: () => ecsExec('pgbouncer', `pg_isready -h 127.0.0.1 -p ${ctx.pgbouncerPort} -U ${database.user} -d ${database.name}`, 'pgbouncer'),
    rdsInstance: () =>
      `aws rds describe-db-instances --db-instance-identifier ${aw.rdsInstance} `
      + `--query 'DBInstances[0].{status: DBInstanceStatus, class: DBInstanceClass, storageGiB: AllocatedStorage, maxStorageGiB: MaxAllocatedStorage, multiAZ: MultiAZ, version: EngineVersion, pending: PendingModifiedValues}'`,
    rdsEvents: () =>
      `aws rds describe-events --source-type db-instance --source-identifier ${aw.rdsInstance} --duration 120 --query 'Events[].[Date, Message]' --output text`,
    /** An AWS/RDS metric of the instance: FreeStorageSpace (bytes), DatabaseConnections, CPUUtilization (%)... */
    rdsMetric: (name: string, statistic: Statistic) => metric('AWS/RDS', name, { DBInstanceIdentifier: aw.rdsInstance }, statistic),
    /** PostgreSQL's log files on RDS, those written in the last hour (names like error/postgresql.log.<date-hour>). */
    rdsLogFiles: () =>
      `aws rds describe-db-log-files --db-instance-identifier ${aw.rdsInstance} --file-last-written $((($(date +%s) - ${HOUR_S}) * 1000)) `
      + `--query 'DescribeDBLogFiles[].[LogFileName, Size]' --output text`,
    /** One of them, whole, searched for a string (file name from rdsLogFiles). */
    rdsLogGrep: (text: string) =>
      `aws rds download-db-log-file-portion --db-instance-identifier ${aw.rdsInstance} --log-file-name <log-file> --starting-token 0 --output text | grep -A 5 '${text}'`,
    cacheGroup: () =>
      `aws elasticache describe-replication-groups --replication-group-id ${aw.cacheGroup} `
      + `--query 'ReplicationGroups[0].{status: Status, nodes: NodeGroups[0].NodeGroupMembers[].[CacheClusterId, CurrentRole], failover: AutomaticFailover, multiAZ: MultiAZ, pending: PendingModifiedValues}'`,
    /** Events of the replication group and of its nodes (`<group>-001`, `-002`: failovers, restarts). */
    cacheEvents: () =>
      `aws elasticache describe-events --duration 120 --query "Events[?starts_with(SourceIdentifier, '${aw.cacheGroup}')].[Date, SourceIdentifier, Message]" --output text`,
    /**
     * An AWS/ElastiCache metric of a node: CurrConnections, DatabaseMemoryUsagePercentage,
     * EngineCPUUtilization, Evictions... Node 001 is the first primary; cacheGroup() names the current one.
     */
    cacheMetric: (name: string, statistic: Statistic, node = '001') =>
      metric('AWS/ElastiCache', name, { CacheClusterId: `${aw.cacheGroup}-${node}` }, statistic),
  } as const;

  return { docker, loopback, aws, ctx };
}

export type Commands = ReturnType<typeof placementCommands>;

/** The same on every placement: Prometheus answers over HTTP. */
export function promQuery(expr: string): string {
  return `curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=${expr}' | jq .data.result`;
}
