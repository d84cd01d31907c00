// npx tsx app/bench/link-read-costs.ts [--links 1000000] [--codes 4000] [--batches 1,2,4,8,16] [--rounds 3]
// What the cold redirect's read costs PostgreSQL per code, by how many codes one statement asks
// for: the link loader's statement (store/urls-store.ts findLinksByCodes, sent unnamed as the app
// sends it through PgBouncer's transaction pooling, so planned at every call) and the same text
// as a named statement (parsed and planned once per connection, which PgBouncer 1.18 cannot carry
// from one transaction to the next). Codes drawn at random over the links, none cached by the
// backend's plans. The backend's CPU from /proc/PID/schedstat, this process's from
// process.cpuUsage (pg's parsing and socket writes); medians of the rounds, the sides in turn in
// each. A command that prints figures (loadtest/FIGURES.md, twenty-eighth pass).
import { Command } from 'commander';
import { positiveInt } from '../../loadtest/lib/cli-args.js';
import { seededRng } from '../../loadtest/lib/rng.js';
import { arrayLiteral } from '../src/db/array-literal.js';
import { findLinksByCodes, LINKS_BY_CODES_SQL } from '../src/store/urls-store.js';
import { benchDatabase } from './click-workload.js';
import { cpuNs } from './cluster-cpu.js';
import { median } from './stats.js';

const o = new Command()
  .option('--links <n>', 'links in the table (codes b1..bN)', positiveInt, 1_000_000)
  .option('--codes <n>', 'codes read per side, batch size and round', positiveInt, 4_000)
  .option('--batches <list>', 'codes per statement, comma-separated', (s: string) => s.split(',').map((x) => positiveInt(x)), [1, 2, 4, 8, 16])
  .option('--rounds <n>', 'rounds, each side in turn', positiveInt, 3)
  .parse()
  .opts<{ links: number; codes: number; batches: number[]; rounds: number }>();

async function main(): Promise<void> {
  const { client, stop } = await benchDatabase(o.links);
  try {
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const rng = seededRng(17);
    const code = () => `b${1 + Math.floor(rng() * o.links)}`;
    const sides = {
      unnamed: (codes: string[]) => findLinksByCodes(client, codes),
      named: (codes: string[]) => client.query({ name: 'links-by-codes', text: LINKS_BY_CODES_SQL, values: [arrayLiteral(codes)] }),
    };
    type Side = keyof typeof sides;
    const pg = new Map<string, number[]>();
    const node = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    for (let r = 0; r < o.rounds; r++) {
      for (const batch of o.batches) {
        for (const side of Object.keys(sides) as Side[]) {
          const statements = Math.ceil(o.codes / batch);
          const codes = statements * batch;
          const pg0 = cpuNs(backend);
          const node0 = process.cpuUsage();
          for (let i = 0; i < statements; i++) await sides[side](Array.from({ length: batch }, code));
          const nodeUs = process.cpuUsage(node0);
          push(pg, `${side}:${batch}`, (cpuNs(backend) - pg0) / 1000 / codes);
          push(node, `${side}:${batch}`, (nodeUs.user + nodeUs.system) / codes);
        }
      }
      console.error(`round ${r + 1}/${o.rounds} done`);
    }
    console.log(`Reading links by code from ${o.links.toLocaleString('en')}, ${o.codes.toLocaleString('en')} random codes a side and batch size;`
      + ` CPU us per code, medians of ${o.rounds} rounds:`);
    console.log('codes a statement   PostgreSQL, unnamed   named   this process (pg), unnamed   named');
    for (const batch of o.batches) {
      const at = (m: Map<string, number[]>, side: Side) => median(m.get(`${side}:${batch}`)!).toFixed(1);
      console.log(`${String(batch).padStart(17)}   ${at(pg, 'unnamed').padStart(19)}   ${at(pg, 'named').padStart(5)}   `
        + `${at(node, 'unnamed').padStart(26)}   ${at(node, 'named').padStart(5)}`);
    }
  } finally {
    await stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
