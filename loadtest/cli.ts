// npm run loadtest -- --url URL --scenario redirects|mixed|spike|soak --duration S --connections C
//   [--admin-key-file F | SHORTSTACK_ADMIN_KEY=K] [--seed-dir DIR] [--links N] [--report FILE]
// Seeds the stack through its API, runs the scenario, prints the table, writes JSON + SVG.
import { Command, InvalidArgumentError } from 'commander';
import { adminKeyFrom, positiveInt, positiveNumber } from './lib/cli-args.js';
import { drive, newRunTag, seedLinks } from './lib/load.js';
import { progressPrinter } from './lib/progress.js';
import { writeReport } from './lib/report.js';
import { isScenario, scenario, SCENARIOS, type ScenarioName } from './lib/scenarios.js';
import { renderSummary } from './lib/table.js';

const program = new Command()
  .name('loadtest')
  .description('Load a deployed Shortstack stack and report what it did')
  .requiredOption('--url <url>', 'the stack\'s front door, e.g. http://127.0.0.1:8080')
  .option('--scenario <name>', `one of ${SCENARIOS.join(', ')}`, (v) => {
    if (!isScenario(v)) throw new InvalidArgumentError(`must be one of ${SCENARIOS.join(', ')}`);
    return v;
  }, 'redirects' as ScenarioName)
  .option('--duration <seconds>', 'length of the run', positiveNumber, 10)
  .option('--connections <n>', 'concurrent connections (the spike peaks at 10x)', positiveInt, 50)
  .option('--admin-key-file <path>', 'file holding the admin API key (or set SHORTSTACK_ADMIN_KEY) for seeding, creates and reads')
  .option('--seed-dir <dir>', 'seed from a seed-data folder\'s urls.csv instead of generated links')
  .option('--links <n>', 'generated links to seed', positiveInt, 1000)
  .option('--seed <n>', 'random seed of the traffic', positiveInt, 1)
  .option('--timeout <seconds>', 'a response slower than this counts as a timeout', positiveNumber, 10)
  .option('--report <file>', 'JSON report path, the SVG chart beside it (default: loadtest/reports/<scenario>-<time>.json)')
  .parse();

const o = program.opts<{
  url: string; scenario: ScenarioName; duration: number; connections: number; adminKeyFile?: string;
  seedDir?: string; links: number; seed: number; timeout: number; report?: string;
}>();

/** Where a run's report goes when --report is not given: a folder in the working directory, one file per run. */
const defaultReport = (name: string, at: string) => `loadtest/reports/${name}-${at.replace(/[:.]/g, '-')}.json`;

const adminKey = adminKeyFrom(o) ?? program.error('an admin key is needed to seed links: SHORTSTACK_ADMIN_KEY or --admin-key-file');

const runTag = newRunTag();
const startedAt = new Date().toISOString();
process.stderr.write(`seeding ${o.seedDir ? `links from ${o.seedDir}` : `${o.links} links`} through ${o.url} ...\n`);
const links = await seedLinks({ url: o.url, adminKey, seedDir: o.seedDir, links: o.links, runTag });
const sc = scenario(o.scenario, o.duration, o.connections);
process.stderr.write(`${links.size} links; running ${sc.name} for ${o.duration}s\n`);
const progress = progressPrinter();
const { summary } = await drive({
  url: o.url, scenario: sc, links, adminKey, runTag, seed: o.seed, timeoutS: o.timeout, onProgress: progress.print,
});
progress.done();
console.log(renderSummary(`${sc.name} against ${o.url} (${o.connections} connections, ${links.size} links)`, summary));
const paths = writeReport(o.report ?? defaultReport(sc.name, startedAt), {
  meta: { kind: 'load', name: sc.name, url: o.url, startedAt, connections: o.connections, links: links.size, runTag },
  summary,
});
console.log(`\nreport: ${paths.json}\nchart:  ${paths.svg}`);
