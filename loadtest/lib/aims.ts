// Issue 13's aims, written once: `npm run bench` judges the stack's figures by them, and the
// narrower commands (bench:app, bench:clicks, bench:reads) judge theirs by the same numbers.
import { REPLICA_PROCESS_TITLE } from '../../app/src/process-title.js';

/** 1. Cached redirect through the whole stack: ok req/s at least this share of the proxy ceiling's ... */
export const CACHED_OVER_PROXY_AIM = 0.8;
/** ... and its p99 at most this multiple of the ceiling's p99. */
export const CACHED_P99_OVER_PROXY_AIM = 1.5;
/** 2. PostgreSQL CPU per recorded click, in microseconds (its processes' /proc time over the run). */
export const PG_US_PER_CLICK_AIM = 8;
/** 3. A replica's CPU per cached redirect at most this multiple of the bare Fastify server's. */
export const APP_CPU_RATIO_AIM = 1.25;
/** 4. p99 with the large link set at most this multiple of the p99 with the small one. */
export const SCALE_P99_AIM = 1.2;
/** 5. Every list request (first page, deep page, filtered) answers within this many ms, median (bench:reads). */
export const LIST_MS_AIM = 20;

/**
 * PostgreSQL's archiver runs archive_command (pgBackRest archive-push: compress and checksum
 * every 16 MiB WAL segment) as its child: a program of its own, counted beside aim 2's figure,
 * not in it. The archiver's title is `postgres: archiver ...` (`postgres: NAME: archiver` with
 * a cluster_name).
 */
export const ARCHIVE_COMMAND = { title: /^postgres: (?:\S+: )?archiver\b/, label: 'archive_command' } as const;

const POSTGRES = 'postgres';

/** The process names (/proc comm) the bench tells apart: the replica's and the ceiling's bare server's. */
export const PROGRAM = {
  replica: REPLICA_PROCESS_TITLE, bare: 'bare-fastify', postgres: POSTGRES,
  /** The archiver's reaped time in the run's own cluster, as cpuByProgram labels it (`<cluster>: <reapedAs label>`). */
  archiving: `${POSTGRES}: ${ARCHIVE_COMMAND.label}`,
  /** The bench's own backend in the run's cluster (loadtest/lib/stack-probe.ts): its instrument, outside aim 2's figure. */
  benchProbe: `${POSTGRES}: the bench's own queries`,
} as const;
