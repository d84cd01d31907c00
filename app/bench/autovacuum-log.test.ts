import { describe, expect, it } from 'vitest';
import { autovacuumWork } from './autovacuum-log.js';

// As PostgreSQL 15 writes them (other lines of the log in between).
const LOG = `2026-12-03 06:40:01.100 UTC [812] LOG:  automatic vacuum of table "shortstack.public.events": index scans: 0
	pages: 0 removed, 5402 remain, 4803 scanned (88.91% of total)
	system usage: CPU: user: 0.05 s, system: 0.01 s, elapsed: 0.08 s
2026-12-03 06:40:01.300 UTC [812] LOG:  automatic analyze of table "shortstack.public.events"
	avg read rate: 0.000 MB/s, avg write rate: 0.000 MB/s
	system usage: CPU: user: 0.09 s, system: 0.00 s, elapsed: 0.10 s
2026-12-03 06:40:02.000 UTC [700] LOG:  checkpoint starting: time
2026-12-03 06:40:03.100 UTC [813] LOG:  automatic vacuum of table "shortstack.public.click_days": index scans: 1
	system usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: 0.01 s
2026-12-03 06:40:04.100 UTC [814] LOG:  automatic vacuum of table "shortstack.public.events": index scans: 0
	system usage: CPU: user: 0.10 s, system: 0.02 s, elapsed: 0.13 s
`;

describe('autovacuum work from the log', () => {
  it('sums each table\'s vacuums and analyzes apart, most CPU first', () => {
    const work = autovacuumWork(LOG);
    expect(work.map((w) => [w.kind, w.table, w.runs])).toEqual([
      ['vacuum', 'public.events', 2],
      ['analyze', 'public.events', 1],
      ['vacuum', 'public.click_days', 1],
    ]);
    expect(work[0]!.cpuS).toBeCloseTo(0.18, 6);
    expect(work[1]!.cpuS).toBeCloseTo(0.09, 6);
    expect(work[2]!.cpuS).toBe(0);
  });

  it('finds nothing in a log without autovacuum lines', () => {
    expect(autovacuumWork('2026-12-03 LOG:  database system is ready to accept connections\n')).toEqual([]);
  });
});
