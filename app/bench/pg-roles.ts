// PostgreSQL's processes told apart by what they do, from their titles (/proc/PID/cmdline: the
// postmaster's children retitle themselves `postgres: [cluster: ]ROLE` or, for a client's backend,
// `postgres: [cluster: ]USER DATABASE HOST(PORT) ACTIVITY`), for bench:pg. Pure.
import { ARCHIVE_COMMAND } from '../../loadtest/lib/aims.js';
import { cpuByProgram, type ProcStat } from '../../loadtest/lib/cpu.js';

/** pg_stat_statements for one run: loaded at the server's start, statements in functions and triggers too. */
export const PG_STAT_STATEMENTS_SETTINGS: Readonly<Record<string, string>> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
};

const ROLES = [
  'autovacuum launcher', 'autovacuum worker', 'background writer', 'checkpointer', 'walwriter', 'archiver',
  'logical replication launcher', 'logical replication worker', 'parallel worker', 'walsender', 'walreceiver',
  'startup', 'stats collector',
];

/** A child's role from its title: `backend USER` for a client's, else the role PostgreSQL names. */
export function postgresRole(title: string): string {
  let rest = title.replace(/^postgres: /, '');
  for (let i = 0; i < 2; i++) {
    const known = ROLES.find((r) => rest === r || rest.startsWith(`${r} `));
    if (known) return known;
    const backend = /^(\S+) \S+ (?:\S+\(\d+\)|\[local\])/.exec(rest);
    if (backend) return `backend ${backend[1]}`;
    rest = rest.replace(/^[^:\s]+: /, ''); // a cluster_name prefix, once
  }
  return 'other';
}

/** The archiver's children: archive_command (pgBackRest), a program of its own, outside aim 2's figure. */
export const ARCHIVE_COMMAND_ROLE = `archiver: ${ARCHIVE_COMMAND.label}`;

/** A cluster's ticks by role, summed but for archive_command's (WAL archiving: shown beside aim 2, not in it). */
export const ticksButArchiving = (byRole: Readonly<Record<string, number>>): number =>
  Object.entries(byRole).reduce((n, [role, t]) => (role === ARCHIVE_COMMAND_ROLE ? n : n + t), 0);

/** The postmaster's own title is its command line (`.../bin/postgres -D ...`); its children's start `postgres:`. */
const POSTMASTER_TITLE = /(?:^|\/)postgres(?:\s|$)/;

/**
 * CPU ticks each role of the cluster under `postmaster` spent between two snapshots (readProcs),
 * counted as cpuByProgram counts programs: children born in between from zero, children that
 * exited in between (autovacuum workers come and go) through the postmaster's reaped time.
 * Roles with no ticks are left out.
 */
export function postgresCpuByRole(before: readonly ProcStat[], after: readonly ProcStat[], postmaster: number): Record<string, number> {
  const ticks = cpuByProgram(before, after, postmaster, {
    rootLabel: 'postmaster',
    labelOf: (p) => postgresRole(p.title ?? ''),
    reapedAs: [ARCHIVE_COMMAND, { title: POSTMASTER_TITLE, label: 'exited children (autovacuum workers, ...)' }],
  });
  return Object.fromEntries(Object.entries(ticks).filter(([, t]) => t > 0));
}

/** A statement's text on one line, cut to `width`. */
export function statementLabel(query: string, width = 110): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
}
