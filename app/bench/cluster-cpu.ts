// The CPU a PostgreSQL cluster has run, in nanoseconds: the postmaster and its live children
// (backends, WAL writer, checkpointer, ...) from /proc/PID/schedstat, whose first field counts
// nanoseconds where /proc/PID/stat counts 10 ms ticks. Taken before and after one request, the
// difference is what the request cost PostgreSQL, whatever else the shared machine runs (a
// child that exits in between is missed: the benches' backends stay, pooled by PgBouncer).
import { readFileSync } from 'node:fs';

/** CPU nanoseconds one process has run (the first field of its schedstat). */
export const cpuNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

export function clusterCpuNs(postmaster: number): number {
  let ns = cpuNs(postmaster);
  for (const child of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(' ').filter(Boolean)) {
    try {
      ns += cpuNs(Number(child));
    } catch {
      // exited between the listing and the read
    }
  }
  return ns;
}
