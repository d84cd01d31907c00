// postgres_exporter's extra queries (--extend.query-path): WAL archiving, which the Debian
// exporter (0.11) does not collect. Pure: the YAML the exporter reads, from one table.
import { stringify } from 'yaml';

interface QueryMetric {
  column: string;
  usage: 'COUNTER' | 'GAUGE';
  description: string;
}

/** Each query's metrics are named `<query>_<column>`. */
export const POSTGRES_QUERIES: Record<string, { query: string; metrics: QueryMetric[] }> = {
  pg_stat_archiver: {
    // Times as epoch seconds, 0 when it never happened (the exporter skips NULLs).
    query: `select archived_count, failed_count,
      coalesce(extract(epoch from last_archived_time), 0) as last_archived_time_seconds,
      coalesce(extract(epoch from last_failed_time), 0) as last_failed_time_seconds
      from pg_stat_archiver`,
    metrics: [
      { column: 'archived_count', usage: 'COUNTER', description: 'WAL segments archived since the statistics were reset' },
      { column: 'failed_count', usage: 'COUNTER', description: 'Failed attempts to archive a WAL segment' },
      { column: 'last_archived_time_seconds', usage: 'GAUGE', description: 'When the last WAL segment was archived (0: never)' },
      { column: 'last_failed_time_seconds', usage: 'GAUGE', description: 'When the last archive attempt failed (0: never)' },
    ],
  },
  pg_archive: {
    // The archive lag: finished segments waiting for archive_command (needs pg_monitor or superuser).
    query: "select count(*) as ready_segments from pg_ls_archive_statusdir() where name like '%.ready'",
    metrics: [{ column: 'ready_segments', usage: 'GAUGE', description: 'Finished WAL segments not yet archived' }],
  },
};

/** The metric names the queries export, with their Prometheus type. */
export const postgresQueryMetrics = (): { name: string; type: 'counter' | 'gauge'; help: string }[] =>
  Object.entries(POSTGRES_QUERIES).flatMap(([q, def]) => def.metrics.map((m) => ({
    name: `${q}_${m.column}`, type: m.usage === 'COUNTER' ? 'counter' as const : 'gauge' as const, help: m.description,
  })));

export function renderPostgresQueries(): string {
  return stringify(Object.fromEntries(Object.entries(POSTGRES_QUERIES).map(([q, def]) => [q, {
    query: def.query.replace(/\s+/g, ' '),
    master: true,
    metrics: def.metrics.map((m) => ({ [m.column]: { usage: m.usage, description: m.description } })),
  }])));
}
