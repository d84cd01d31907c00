// The links' invalidation outbox (link_invalidations): every replica's relay sends each change to
// Redis again a few seconds after it (app/src/cache/invalidation-relay.ts). A relay that stopped
// relaying shows nowhere else: the changes' own invalidations still go at once.
import { RELAY_BATCH } from '../../app/src/cache/invalidation-relay.js';
import { LINK_CACHE_TTL_S } from '../../app/src/cache/link-cache.js';
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const age = THRESHOLDS.linkInvalidationOldestSeconds;
/** What waits, oldest first (no quotes: the ECS Exec psql line allows none). */
const OUTBOX_SQL = 'SELECT count(*), min(created_at), max(created_at), (array_agg(short_code ORDER BY id))[1:10] AS oldest_codes FROM link_invalidations';

export function invalidationAlerts({ docker, aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'LinkInvalidationsStuck',
      group: 'shortstack-cache',
      expr: `max(shortstack_link_invalidations_oldest_seconds) > ${age}`,
      for: '5m',
      severity: 'warning',
      component: 'app',
      summary: 'Link changes wait to be relayed to Redis; the oldest is {{ $value | printf "%.0f" }} s old',
      description: `A link change has waited in the invalidation outbox over ${age} s: no replica's relay gets it to Redis.`,
      runbook: {
        meaning: 'The replicas\' invalidation relay does not empty the outbox (link_invalidations): the rounds fail, or no replica runs one. The outbox is the safety net behind each change\'s own invalidation, which the changing replica sends at once.',
        impact: `A change whose own invalidation was lost (its replica died just after the commit, or a read racing it wrote the old link back to Redis) is not mended: that link redirects as it was, from Redis for up to ${LINK_CACHE_TTL_S / 3600} h, a deactivated one included. Other changes and the redirects themselves are not affected.`,
        diagnose: {
          promql: [
            'max by (instance) (shortstack_link_invalidations_oldest_seconds)',
            'max(shortstack_link_invalidations_pending)',
            'sum by (instance) (rate(shortstack_redis_errors_total{op="invalidate"}[5m]))',
            'redis_up',
          ],
          logql: ['{component="app"} | json | component="invalidations"'],
          panel: { dashboard: DASHBOARDS.overview.title, panel: OVERVIEW_PANELS.linkInvalidations },
          commands: {
            docker: [docker.psql(OUTBOX_SQL), docker.logs('<instance>')],
            loopback: [loopback.logs('app'), `psql "$DIRECT_DATABASE_URL" -c "${OUTBOX_SQL}"`],
            aws: [aws.psql(OUTBOX_SQL), aws.logs('app', { filter: 'invalidation' })],
          },
        },
        mitigate: [
          'Redis errors for op `invalidate`, or Redis down: see RedisDown and RedisCircuitOpen. The outbox waits for Redis and is sent within seconds once it answers.',
          'The relay\'s rounds fail (warnings from component `invalidations`, with the error): a database error (PostgresDown, PgbouncerDown), or a long transaction holding the outbox\'s rows (PostgresLongTransaction).',
          'An instance that cannot read the outbox reports NaN (`max by (instance) (shortstack_link_invalidations_oldest_seconds)`), which the alert passes over while another instance reads it. Its warnings say why its rounds fail; restart it if its database path does not come back.',
          `Nothing to replay by hand: once the cause is mended, the relay sends every waiting change, ${RELAY_BATCH} a round trip.`,
        ],
        escalate: 'Ticket the app team; page nobody: redirects and the API work.',
      },
    },
  ];
}
