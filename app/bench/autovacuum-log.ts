// What autovacuum spent, per table, read from PostgreSQL's own log: with
// log_autovacuum_min_duration = 0 every automatic vacuum and analyze logs its CPU ("system usage:
// CPU: user: U s, system: S s"). The process table only shows autovacuum's workers as a whole
// (pg-roles.ts); this says which table and which of the two each second went to. Pure.

/** `-c` settings that make every automatic vacuum and analyze log its work. */
export const AUTOVACUUM_LOG_SETTINGS: Readonly<Record<string, string>> = { log_autovacuum_min_duration: '0' };

export interface AutovacuumWork {
  kind: 'vacuum' | 'analyze';
  /** schema.table, without the database. */
  table: string;
  runs: number;
  /** User and system CPU, seconds (the log's 10 ms resolution). */
  cpuS: number;
}

const HEAD = /automatic (vacuum|analyze) of table "[^".]+\.([^"]+)"/;
const USAGE = /system usage: CPU: user: ([\d.]+) s, system: ([\d.]+) s/;

/** The log's automatic vacuums and analyzes, summed per kind and table, most CPU first. */
export function autovacuumWork(log: string): AutovacuumWork[] {
  const work = new Map<string, AutovacuumWork>();
  let open: AutovacuumWork | undefined;
  for (const line of log.split('\n')) {
    const head = HEAD.exec(line);
    if (head) {
      const kind = head[1] as AutovacuumWork['kind'];
      const key = `${kind} ${head[2]!}`;
      open = work.get(key) ?? { kind, table: head[2]!, runs: 0, cpuS: 0 };
      open.runs++;
      work.set(key, open);
      continue;
    }
    const usage = open && USAGE.exec(line);
    if (usage) {
      open!.cpuS += Number(usage[1]) + Number(usage[2]);
      open = undefined; // a run logs its usage once, as its last line
    }
  }
  return [...work.values()].sort((a, b) => b.cpuS - a.cpuS);
}
