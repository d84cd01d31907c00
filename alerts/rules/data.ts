// The data tier: PostgreSQL, PgBouncer in front of it, and Redis (a cache: degraded, not down).
import { LINK_CACHE_ENTRY_BYTES, LINK_CACHE_TTL_S } from '../../app/src/cache/link-cache.js';
import { DEPENDENCY_UNAVAILABLE_LOG } from '../../app/src/http/error-handler.js';
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import { CAPACITY_SERIES } from '../capacity.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });
const { postgresVolumeBytes: volumeSize, postgresVolumeAvailBytes: volumeAvail } = CAPACITY_SERIES;
const volumeUsedRatio = `1 - ${volumeAvail} / ${volumeSize}`;
const pct = (ratio: number) => `${ratio * 100}%`;
const OLDEST_TRANSACTIONS = "select pid, usename, state, now() - xact_start as age, left(query, 80) as query from pg_stat_activity where xact_start is not null order by age desc limit 10";
const pgbouncerClients = 'sum by (instance) (pgbouncer_pools_client_active_connections + pgbouncer_pools_client_waiting_connections)';
const pgbouncerMaxClients = 'max by (instance) (pgbouncer_config_max_client_connections)';
const redisMemory = 'redis_memory_used_bytes / (redis_memory_max_bytes > 0)';

export function dataAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'PostgresDown',
      group: 'shortstack-data',
      expr: 'pg_up == 0',
      for: '1m',
      severity: 'critical',
      component: 'postgres',
      summary: 'PostgreSQL is down',
      description: 'The postgres exporter cannot connect to PostgreSQL ({{ $labels.instance }}).',
      runbook: {
        meaning: 'PostgreSQL refuses or drops connections from the exporter: stopped, crashed, out of disk, or in recovery.',
        impact: 'Every write fails with 503; redirects still work from the caches for links seen recently; clicks pile up in the replicas\' buffers.',
        diagnose: {
          promql: ['pg_up', 'pgbouncer_up', 'sum by (kind) (rate(shortstack_db_errors_total[5m]))', 'max(shortstack_click_buffer_depth)'],
          logql: ['{component="postgres"}', `{component="app"} | json | msg = "${DEPENDENCY_UNAVAILABLE_LOG}"`],
          panel: overview(OVERVIEW_PANELS.postgresUp),
          commands: {
            docker: [docker.status(), docker.logs('postgres'), docker.pgIsReady()],
            loopback: [loopback.logs('postgres'), 'pg_isready -h 127.0.0.1 -p "$POSTGRES_PORT"'],
            aws: [aws.rdsInstance(), aws.rdsEvents(), aws.pgIsReady(), aws.logs('postgres-exporter')],
          },
        },
        mitigate: [
          'Disk full (log says "No space left on device"; on RDS the status `storage-full`): see PostgresVolumeAlmostFull.',
          `Crashed: \`${docker.restart('postgres')}\`; it replays its WAL, then PgBouncer reconnects by itself.`,
          'AWS: RDS restarts a crashed PostgreSQL and, Multi-AZ (prod), fails over to its standby by itself: follow its status and events; PgBouncer reconnects by itself. If it stays `available` but refuses connections, check the exporter\'s log and the security groups of the last infra change.',
          'The replicas keep clicks in memory up to CLICK_BUFFER_MAX and flush them once the database is back.',
        ],
        escalate: 'Paged now. Call the database owner if it is not accepting connections within 10 minutes.',
      },
    },
    {
      name: 'PgbouncerDown',
      group: 'shortstack-data',
      expr: 'pgbouncer_up == 0',
      for: '1m',
      severity: 'critical',
      component: 'pgbouncer',
      summary: 'PgBouncer is down',
      description: 'The pgbouncer exporter cannot query PgBouncer ({{ $labels.instance }}); the app reaches the database only through it.',
      runbook: {
        meaning: 'PgBouncer does not answer: the app has no path to PostgreSQL.',
        impact: 'As PostgresDown: writes fail with 503, cached redirects still work.',
        diagnose: {
          promql: ['pgbouncer_up', 'pg_up', 'shortstack_db_pool_connections'],
          logql: ['{component="pgbouncer"}'],
          panel: overview(OVERVIEW_PANELS.pgbouncerUp),
          commands: {
            docker: [docker.status(), docker.logs('pgbouncer')],
            loopback: [loopback.logs('pgbouncer')],
            aws: [aws.services('pgbouncer'), aws.events('pgbouncer'), aws.logs('pgbouncer'), aws.pgbouncerIsReady()],
          },
        },
        mitigate: [
          `Restart it: \`${docker.restart('pgbouncer')}\` (AWS: \`${aws.forceNewDeployment('pgbouncer')}\`); it holds no state.`,
          'A FATAL line at start means a bad pgbouncer.ini or userlist: roll back the last infra change.',
        ],
        escalate: 'Paged now. Infrastructure on-call if a restart does not fix it.',
      },
    },
    {
      name: 'PgbouncerPoolSaturated',
      group: 'shortstack-data',
      // Averages over 5 minutes: the pool filling and draining between scrapes gives 3, 0, 3, 0...
      // and a single zero sample must not reset \`for\`; a one-sample burst stays under the average.
      expr: `sum by (instance, database) (avg_over_time(pgbouncer_pools_client_waiting_connections[5m])) > ${THRESHOLDS.pgbouncerAverageWaiting}
or
  max by (instance, database) (avg_over_time(pgbouncer_pools_client_maxwait_seconds[5m])) > ${THRESHOLDS.pgbouncerMaxWaitSeconds}`,
      for: '2m',
      severity: 'warning',
      component: 'pgbouncer',
      summary: 'Clients queue for a PgBouncer server connection ({{ $labels.database }})',
      description: `For 5 minutes, on average more than ${THRESHOLDS.pgbouncerAverageWaiting} client has waited for a server connection of {{ $labels.database }}, or the oldest waiting client waited over ${THRESHOLDS.pgbouncerMaxWaitSeconds} s: the pool is too small for the load, or queries are slow.`,
      runbook: {
        meaning: 'Every server connection of the PgBouncer pool is busy and clients queue.',
        impact: 'Database-backed requests (API writes, cache misses) slow down and may time out with 503.',
        diagnose: {
          promql: [
            'pgbouncer_pools_client_waiting_connections',
            'pgbouncer_pools_client_maxwait_seconds',
            'pgbouncer_pools_server_active_connections',
            'histogram_quantile(0.99, sum by (le) (rate(shortstack_db_pool_wait_seconds_bucket[5m])))',
            'pg_stat_activity_max_tx_duration',
          ],
          logql: ['{component="postgres"} |= "duration"'],
          panel: overview(OVERVIEW_PANELS.pgbouncerClients),
          commands: {
            docker: [docker.psql(OLDEST_TRANSACTIONS)],
            loopback: [`psql "$DIRECT_DATABASE_URL" -c "${OLDEST_TRANSACTIONS}"`],
            aws: [aws.psql(OLDEST_TRANSACTIONS), aws.rdsMetric('CPUUtilization', 'Maximum'), aws.rdsMetric('DatabaseConnections', 'Maximum')],
          },
        },
        mitigate: [
          'A long transaction holds connections: cancel it with `select pg_cancel_backend(<pid>)`.',
          `Load grew: raise the PgBouncer pool size (stack config) within PostgreSQL's max_connections, then \`npm run up\` (AWS: \`${aws.converge()}\`).`,
        ],
        escalate: 'Ticket the database owner; page them if latency alerts fire too.',
      },
    },
    {
      name: 'RedisDown',
      group: 'shortstack-data',
      expr: 'redis_up == 0',
      for: '1m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis is down: the service runs degraded',
      description: 'The redis exporter cannot reach Redis ({{ $labels.instance }}). Replicas fall back to their in-process caches and the database.',
      runbook: {
        meaning: 'Redis does not answer. The app opens its circuit breaker and carries on without it.',
        impact: 'Degraded, not down: /ready reports `degraded`, more lookups go to PostgreSQL, rate limits are per replica, and replicas keep serving a changed link for up to the LRU TTL (`CACHE_LRU_TTL_MS`); the changes made meanwhile are sent on from the outbox once Redis is back.',
        diagnose: {
          promql: ['redis_up', 'shortstack_redis_circuit_open', 'sum by (op) (rate(shortstack_redis_errors_total[5m]))', 'sum by (tier, result) (rate(shortstack_cache_lookups_total[5m]))'],
          logql: ['{component="redis"}', '{component="app"} | json |= "redis"'],
          panel: overview(OVERVIEW_PANELS.redisUp),
          commands: {
            docker: [docker.logs('redis'), docker.redisCli('ping')],
            loopback: [loopback.logs('redis'), 'redis-cli -u "$REDIS_URL" ping'],
            aws: [aws.cacheGroup(), aws.cacheEvents(), aws.cacheMetric('EngineCPUUtilization', 'Maximum'), aws.logs('redis-exporter')],
          },
        },
        mitigate: [
          `Restart it: \`${docker.restart('redis')}\`; it is a cache, nothing is lost that PostgreSQL does not hold.`,
          'AWS: ElastiCache replaces a failed node and (prod) fails over to its replica by itself: follow the group\'s status and events; there is nothing to restart. The app reconnects once the primary endpoint answers again.',
          'OOM in its log: raise maxmemory in the stack config.',
          'Watch PgBouncer saturation while Redis is away: the database takes the cache misses.',
        ],
        escalate: 'Ticket the infrastructure on-call; escalate to a page if the database saturates.',
      },
    },
    {
      name: 'RedisCircuitOpen',
      group: 'shortstack-data',
      expr: 'max by (instance) (shortstack_redis_circuit_open) == 1',
      for: '1m',
      severity: 'info',
      component: 'redis',
      summary: '{{ $labels.instance }} has stopped using Redis (circuit open)',
      description: 'The Redis circuit breaker of {{ $labels.instance }} has been open for a minute.',
      runbook: {
        meaning: 'One replica gave up on Redis after consecutive failures; it probes again periodically.',
        impact: 'That replica serves from its LRU cache and the database.',
        diagnose: {
          promql: ['shortstack_redis_circuit_open', 'sum by (instance, op) (rate(shortstack_redis_errors_total[5m]))', 'redis_up'],
          logql: ['{component="app", replica="<instance>"} | json |= "redis"'],
          panel: overview(OVERVIEW_PANELS.redisCircuit),
          commands: {
            docker: [docker.logs('<instance>')],
            loopback: [loopback.logs('<instance>')],
            aws: [aws.tasks('app'), aws.logs('app', { task: '<task-id>', filter: 'redis' })],
          },
        },
        mitigate: [`If Redis is up for everyone else, restart the replica (AWS: \`${aws.stopTask('<task-id>')}\`); otherwise see RedisDown.`],
        escalate: 'No escalation on its own.',
      },
    },
    {
      name: 'PostgresVolumeFilling',
      group: 'shortstack-data',
      // The free space of the disk itself (WAL, temp files and other databases count too).
      expr: `predict_linear(${volumeAvail}[6h], ${THRESHOLDS.postgresVolumeFillHorizonHours} * 3600) < 0`,
      for: '30m',
      severity: 'warning',
      component: 'postgres',
      summary: `PostgreSQL will fill its volume within ${THRESHOLDS.postgresVolumeFillHorizonHours} h`,
      description: `At the rate of the last 6 hours the free space of PostgreSQL's disk (${volumeAvail}) runs out within ${THRESHOLDS.postgresVolumeFillHorizonHours} hours.`,
      runbook: {
        meaning: 'The free space of the disk PostgreSQL writes to shrinks fast enough to run out within a day.',
        impact: 'None yet. When the volume is full PostgreSQL stops accepting writes.',
        diagnose: {
          promql: [volumeAvail, `deriv(${volumeAvail}[6h])`, 'pg_database_size_bytes'],
          logql: ['{component="app"} | json | route = "/urls" | method = "POST"'],
          panel: overview(OVERVIEW_PANELS.postgresSize),
          commands: {
            docker: ['docker system df -v | grep shortstack', docker.exec('postgres', 'df -h /var/lib/postgresql/data')],
            loopback: ['du -sh "$STACK_DIR"/postgres*'],
            aws: [aws.rdsInstance(), aws.rdsMetric('FreeStorageSpace', 'Minimum')],
          },
        },
        mitigate: [
          'Find the table that grows (`select relname, pg_total_relation_size(oid) from pg_class order by 2 desc limit 10`); click events grow with traffic.',
          'Docker: grow the host disk that holds the volume (node-exporter measures it: nothing to declare), or archive old click events.',
          `AWS: RDS storage autoscaling grows the volume up to \`rds.maxAllocatedStorageGiB\` (the alerts' disk there); raise it (or \`rds.allocatedStorageGiB\`) under \`shortstack:aws\` in the stack config, then \`${aws.converge()}\` (prod applies it in the maintenance window unless applied at once in the console).`,
        ],
        escalate: 'Ticket the database owner.',
      },
    },
    {
      name: 'PostgresVolumeAlmostFull',
      group: 'shortstack-data',
      expr: `${volumeUsedRatio} > ${THRESHOLDS.postgresVolumeFullRatio}`,
      for: '5m',
      severity: 'critical',
      component: 'postgres',
      summary: 'PostgreSQL volume {{ $value | printf "%.2f" }} full',
      description: `Over ${THRESHOLDS.postgresVolumeFullRatio * 100}% of PostgreSQL's disk is used (${volumeSize} less ${volumeAvail}).`,
      runbook: {
        meaning: 'The PostgreSQL volume is nearly full.',
        impact: 'Soon every write fails and PostgreSQL may shut down; redirects of cached links keep working.',
        diagnose: {
          promql: [volumeSize, volumeAvail, volumeUsedRatio, 'pg_database_size_bytes'],
          logql: ['{component="postgres"} |= "No space left"'],
          panel: overview(OVERVIEW_PANELS.postgresSize),
          commands: {
            docker: [docker.exec('postgres', 'df -h /var/lib/postgresql/data')],
            loopback: ['df -h "$STACK_DIR"'],
            aws: [aws.rdsMetric('FreeStorageSpace', 'Minimum'), aws.rdsInstance(), aws.rdsEvents()],
          },
        },
        mitigate: [
          'Grow the volume now; then delete or archive old click events and VACUUM.',
          `AWS: raise \`rds.allocatedStorageGiB\` / \`rds.maxAllocatedStorageGiB\` in the stack config and \`${aws.converge()}\`, or now in the console (Modify, apply immediately); RDS grows storage online.`,
        ],
        escalate: 'Paged now. Call the database owner.',
      },
    },
    {
      name: 'PostgresConnectionsNearMax',
      group: 'shortstack-data',
      expr: `sum by (instance) (pg_stat_activity_count) / on(instance) max by (instance) (pg_settings_max_connections) > ${THRESHOLDS.postgresConnectionsRatio}`,
      for: '5m',
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL uses {{ $value | printf "%.2f" }} of max_connections',
      description: `Connections to {{ $labels.instance }} have been above ${pct(THRESHOLDS.postgresConnectionsRatio)} of max_connections for 5 minutes; past it, new connections are refused.`,
      runbook: {
        meaning: 'PostgreSQL is close to refusing connections: PgBouncer\'s pool, the exporters, migrations and any direct client share max_connections.',
        impact: 'None yet. At the limit, PgBouncer cannot open server connections (writes fail with 503) and the exporter cannot log in.',
        diagnose: {
          promql: ['sum by (state, datname) (pg_stat_activity_count)', 'pg_settings_max_connections', 'sum(pgbouncer_databases_pool_size)'],
          logql: ['{component="postgres"} |= "too many clients"'],
          panel: overview(OVERVIEW_PANELS.postgresConnectionLimit),
          commands: {
            docker: [docker.psql('select usename, application_name, state, count(*) from pg_stat_activity group by 1, 2, 3 order by 4 desc')],
            loopback: ['psql "$DIRECT_DATABASE_URL" -c "select usename, application_name, state, count(*) from pg_stat_activity group by 1, 2, 3 order by 4 desc"'],
            aws: [aws.psql('select usename, application_name, state, count(*) from pg_stat_activity group by 1, 2, 3 order by 4 desc'), aws.rdsMetric('DatabaseConnections', 'Maximum')],
          },
        },
        mitigate: [
          'Connections not from PgBouncer (application_name): a client bypassing the pooler; stop it.',
          'PgBouncer\'s pool size near max_connections: keep the pool below it (stack config), or raise max_connections with the memory to match.',
        ],
        escalate: 'Ticket the database owner; page if writes fail.',
      },
    },
    {
      name: 'PostgresDeadlocks',
      group: 'shortstack-data',
      expr: 'sum by (instance, datname) (increase(pg_stat_database_deadlocks[10m])) > 0',
      for: '0m',
      severity: 'warning',
      component: 'postgres',
      summary: '{{ $value | printf "%.0f" }} deadlocks in {{ $labels.datname }} in 10 minutes',
      description: 'PostgreSQL aborted transactions of {{ $labels.datname }} to break deadlocks: two code paths lock the same rows in opposite orders.',
      runbook: {
        meaning: 'Transactions waited on each other in a cycle; PostgreSQL killed one of each cycle.',
        impact: 'The killed transaction fails: a 503 for a write, or a click batch retried.',
        diagnose: {
          promql: ['sum by (datname) (increase(pg_stat_database_deadlocks[1h]))', 'sum by (kind) (rate(shortstack_db_errors_total[10m]))'],
          logql: ['{component="postgres"} |= "deadlock detected"'],
          panel: overview(OVERVIEW_PANELS.postgresDeadlocks),
          commands: {
            docker: [docker.logs('postgres')],
            loopback: [loopback.logs('postgres')],
            aws: [aws.rdsLogFiles(), aws.rdsLogGrep('deadlock detected')],
          },
        },
        mitigate: ['The log line "deadlock detected" shows both statements: find the code paths (click flush, link update) and make them lock in one order; a release that introduced it can be rolled back.'],
        escalate: 'Ticket the app team.',
      },
    },
    {
      name: 'PostgresLongTransaction',
      group: 'shortstack-data',
      expr: `max by (instance, datname) (pg_stat_activity_max_tx_duration{state!="idle"}) > ${THRESHOLDS.postgresLongTransactionSeconds}`,
      for: '2m',
      severity: 'warning',
      component: 'postgres',
      summary: 'A transaction in {{ $labels.datname }} has been open for {{ $value | printf "%.0f" }} s',
      description: `A transaction has been open for over ${THRESHOLDS.postgresLongTransactionSeconds} s: it holds locks, a pooled connection and VACUUM's horizon.`,
      runbook: {
        meaning: 'A transaction runs (or sits idle in transaction) for minutes: a stuck batch, a manual session left open, a slow query.',
        impact: 'It holds a PgBouncer server connection and row locks (writes to the same rows wait), and keeps VACUUM from cleaning: tables bloat.',
        diagnose: {
          promql: ['pg_stat_activity_max_tx_duration', 'pgbouncer_pools_client_waiting_connections'],
          logql: ['{component="postgres"} |= "duration"'],
          panel: overview(OVERVIEW_PANELS.postgresLongestTransaction),
          commands: {
            docker: [docker.psql(OLDEST_TRANSACTIONS)],
            loopback: [`psql "$DIRECT_DATABASE_URL" -c "${OLDEST_TRANSACTIONS}"`],
            aws: [aws.psql(OLDEST_TRANSACTIONS)],
          },
        },
        mitigate: ['Cancel it: `select pg_cancel_backend(<pid>)`, or `pg_terminate_backend(<pid>)` for an idle-in-transaction session.'],
        escalate: 'Ticket the database owner.',
      },
    },
    {
      name: 'PgbouncerClientsNearMax',
      group: 'shortstack-data',
      expr: `${pgbouncerClients} / on(instance) ${pgbouncerMaxClients} > ${THRESHOLDS.pgbouncerClientsRatio}`,
      for: '5m',
      severity: 'warning',
      component: 'pgbouncer',
      summary: 'PgBouncer has {{ $value | printf "%.2f" }} of max_client_conn in use',
      description: `Client connections to {{ $labels.instance }} have been above ${pct(THRESHOLDS.pgbouncerClientsRatio)} of max_client_conn for 5 minutes; past it, PgBouncer refuses new clients.`,
      runbook: {
        meaning: 'The replicas\' pools (and any other client) hold nearly as many connections as PgBouncer accepts.',
        impact: 'None yet. At the limit new connections are refused: a replica that restarts cannot connect, and its requests fail with 503.',
        diagnose: {
          promql: [pgbouncerClients, pgbouncerMaxClients, 'sum by (instance, state) (shortstack_db_pool_connections)'],
          logql: ['{component="pgbouncer"} |= "no more connections allowed"'],
          panel: overview(OVERVIEW_PANELS.pgbouncerClientLimit),
          commands: {
            docker: [docker.logs('pgbouncer')],
            loopback: [loopback.logs('pgbouncer')],
            aws: [aws.services('app', 'pgbouncer'), aws.logs('pgbouncer', { filter: '"no more connections allowed"' })],
          },
        },
        mitigate: [`More replicas times their pool size than max_client_conn (on AWS the app autoscales up to \`aws.maxReplicas\`): lower the app's pool size or raise max_client_conn (stack config), then \`npm run up\` (AWS: \`${aws.converge()}\`).`],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'RedisRejectedConnections',
      group: 'shortstack-data',
      expr: 'sum by (instance) (increase(redis_rejected_connections_total[5m])) > 0',
      for: '0m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis rejected {{ $value | printf "%.0f" }} connections in 5 minutes',
      description: 'Redis {{ $labels.instance }} refused connections: it reached maxclients.',
      runbook: {
        meaning: 'Redis is at maxclients and refuses new connections.',
        impact: 'Replicas that cannot connect open their Redis circuit and run degraded (see RedisCircuitOpen).',
        diagnose: {
          promql: ['redis_connected_clients', 'increase(redis_rejected_connections_total[1h])', 'shortstack_redis_circuit_open'],
          logql: ['{component="redis"} |= "max number of clients"'],
          panel: overview(OVERVIEW_PANELS.redisEvictions),
          commands: {
            docker: [docker.redisCli('info clients')],
            loopback: ['redis-cli -u "$REDIS_URL" info clients'],
            aws: [aws.cacheMetric('CurrConnections', 'Maximum'), aws.cacheMetric('NewConnections', 'Sum'), aws.services('app')],
          },
        },
        mitigate: ['A client leaking connections (compare connected clients with the replicas\' count): restart it; otherwise raise maxclients.'],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'RedisMemoryNearMaxEvicting',
      group: 'shortstack-data',
      expr: `${redisMemory} > ${THRESHOLDS.redisMemoryRatio}
and on(instance)
  increase(redis_evicted_keys_total[10m]) > 0`,
      for: '10m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis is at {{ $value | printf "%.2f" }} of maxmemory and evicting keys',
      description: `Redis {{ $labels.instance }} has used over ${pct(THRESHOLDS.redisMemoryRatio)} of maxmemory and evicted keys for 10 minutes.`,
      runbook: {
        meaning: 'Redis is full and drops keys to make room: cached links, but also rate-limit counters.',
        impact: 'More cache misses go to PostgreSQL; rate limits forget clients early.',
        diagnose: {
          promql: ['redis_memory_used_bytes', 'redis_memory_max_bytes', 'rate(redis_evicted_keys_total[10m])', 'sum by (tier, result) (rate(shortstack_cache_lookups_total[10m]))'],
          logql: ['{component="redis"}'],
          panel: overview(OVERVIEW_PANELS.redisEvictions),
          commands: {
            docker: [docker.redisCli('info memory')],
            loopback: ['redis-cli -u "$REDIS_URL" info memory'],
            aws: [aws.cacheMetric('DatabaseMemoryUsagePercentage', 'Maximum'), aws.cacheMetric('Evictions', 'Sum'), aws.cacheGroup()],
          },
        },
        mitigate: [
          `Raise maxmemory in the stack config (\`cache.redisMaxMemoryMb\`) within the container's memory limit. A link stays cached ${LINK_CACHE_TTL_S / 3600} h after it was last read, `
            + `so size the cache for every link asked for in the last ${LINK_CACHE_TTL_S / 3600} h at about ${LINK_CACHE_ENTRY_BYTES} bytes each (\`npm run bench\` prints the figure), `
            + 'besides the rate-limit counters and API keys.',
          `AWS: maxmemory follows the node type: a larger \`cache.nodeType\` under \`shortstack:aws\` in the stack config, then \`${aws.converge()}\`.`,
        ],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
  ];
}
