// PostgreSQL's processes told apart by what they do, from their titles (/proc/PID/cmdline: the
// postmaster's children retitle themselves `postgres: [cluster: ]ROLE` or, for a client's backend,
// `postgres: [cluster: ]USER DATABASE HOST(PORT) ACTIVITY`), for bench:pg. Pure.
import type { ProcStat } from '../../loadtest/lib/cpu.js';

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
export const ARCHIVE_COMMAND_ROLE = "archive_command (the archiver's children)";

/** What the reaped children of a process with this role are (exited within the window). */
const reapedLabel = (role: string): string => (role === 'archiver' ? ARCHIVE_COMMAND_ROLE : `${role}: exited children`);

/**
 * CPU ticks each role of the cluster under `postmaster` spent between two snapshots (readProcs).
 * Children born in between count from zero; children that exited in between (autovacuum workers
 * come and go) are in the postmaster's reaped time, less what they had spent before the first.
 */
export function postgresCpuByRole(before: readonly ProcStat[], after: readonly ProcStat[], postmaster: number): Record<string, number> {
  const start = new Map(before.map((p) => [p.pid, p]));
  const alive = new Set(after.map((p) => p.pid));
  const goneAtStart = before.filter((p) => p.ppid === postmaster && !alive.has(p.pid)).reduce((n, p) => n + p.ticks, 0);
  const out: Record<string, number> = {};
  const add = (label: string, ticks: number) => {
    if (ticks > 0) out[label] = (out[label] ?? 0) + ticks;
  };
  for (const p of after) {
    if (p.pid !== postmaster && p.ppid !== postmaster) continue;
    const s = start.get(p.pid);
    const role = p.pid === postmaster ? 'postmaster' : postgresRole(p.title ?? '');
    add(role, p.ticks - (s?.ticks ?? 0));
    add(p.pid === postmaster ? 'exited children (autovacuum workers, ...)' : reapedLabel(role),
      p.reapedTicks - (s?.reapedTicks ?? 0) - (p.pid === postmaster ? goneAtStart : 0));
  }
  return out;
}

/** A statement's text on one line, cut to `width`. */
export function statementLabel(query: string, width = 110): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
}
