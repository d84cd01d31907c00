// npm run chaos -- --scenario kill-replica|restart-replica|redis-down|postgres-restart|pgbouncer-down|rollout|restore
// (rollout: every replica replaced in turn, as a deploy does; restore: backup, point in time, data
// directory destroyed, restored to the point, RPO and RTO printed; both loopback stack only)
// Against the loopback stack (started here) by default; against a Docker stack with --url,
// SHORTSTACK_ADMIN_KEY (or --admin-key-file) and --container COMPONENT=NAME (docker kill/stop/start on those containers).
import { Command, InvalidArgumentError } from 'commander';
import { startStack, type LoopbackStack } from '../../infra/loopback/stack.js';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../infra/loopback/load-generator.js';
import { adminKeyFrom, positiveInt, positiveNumber } from '../lib/cli-args.js';
import { progressPrinter } from '../lib/progress.js';
import { writeReport } from '../lib/report.js';
import { renderChaos } from './render.js';
import { runChaos } from './run.js';
import { CHAOS, CHAOS_SCENARIOS, isChaosScenario, type ChaosScenarioName } from './scenarios.js';
import { dockerTarget, loopbackTarget, parseContainers, type ChaosTarget } from './target.js';

const collect = (v: string, acc: string[]) => [...acc, v];
const program = new Command()
  .name('chaos')
  .description('Inject a fault under steady load and print what the stack did')
  .option('--scenario <name>', `one of ${CHAOS_SCENARIOS.join(', ')}, or all`, (v) => {
    if (v !== 'all' && !isChaosScenario(v)) throw new InvalidArgumentError(`must be one of ${CHAOS_SCENARIOS.join(', ')} or all`);
    return v;
  }, 'kill-replica')
  .option('--connections <n>', 'steady load connections', positiveInt, 10)
  .option('--links <n>', 'links to seed and aim at', positiveInt, 200)
  .option('--warm <seconds>', 'load before the fault', positiveNumber, 4)
  .option('--down <seconds>', 'how long the component stays down (default per scenario)', positiveNumber)
  .option('--tail <seconds>', 'load after the component is back', positiveNumber, 6)
  .option('--replicas <n>', 'loopback: app replicas', positiveInt, 2)
  .option('--report <file>', 'JSON report path (one file per scenario: NAME is appended; SVG beside it)')
  .option('--url <url>', 'Docker or other stack: its front door (the loopback stack is started otherwise)')
  .option('--admin-key-file <path>', 'with --url: file holding the admin API key (or set SHORTSTACK_ADMIN_KEY)')
  .option('--container <component=name>', 'with --url: container of replica|redis|postgres|pgbouncer (repeatable)', collect, [] as string[])
  .option('--replica-container <name>', 'with --url: every app replica container, for the no-restart check (repeatable)', collect, [] as string[])
  .option('--database-url <url>', 'with --url: PostgreSQL reached directly, for the click and created-link checks')
  .parse();

const o = program.opts<{
  scenario: ChaosScenarioName | 'all'; connections: number; links: number; warm: number; down?: number; tail: number;
  replicas: number; report?: string; url?: string; adminKeyFile?: string; container: string[]; replicaContainer: string[];
  databaseUrl?: string;
}>();

// A rollout replaces the loopback stack's own replicas; on Docker or AWS it is a `pulumi up`.
// The restore drill destroys a data directory: the loopback stack's own, never a real one.
const loopbackOnly = (n: ChaosScenarioName) => CHAOS[n].fault === 'rollout' || CHAOS[n].fault === 'restore';
if (o.url && o.scenario !== 'all' && loopbackOnly(o.scenario)) program.error(`--scenario ${o.scenario} runs on the loopback stack only (leave out --url)`);
const names = o.scenario === 'all' ? CHAOS_SCENARIOS.filter((n) => !(o.url && loopbackOnly(n))) : [o.scenario];
let stack: LoopbackStack | undefined;
let target: ChaosTarget;
if (o.url) {
  const adminKey = adminKeyFrom(o) ?? program.error('--url needs SHORTSTACK_ADMIN_KEY or --admin-key-file');
  target = dockerTarget({
    url: o.url, adminKey, directDatabaseUrl: o.databaseUrl,
    containers: parseContainers(o.container), replicaContainers: o.replicaContainer,
  });
} else {
  process.stderr.write(`starting the loopback stack (${o.replicas} replicas) ...\n`);
  stack = await startStack({ replicas: o.replicas, observability: false, config: LOAD_GENERATOR_STACK_CONFIG });
  target = loopbackTarget(stack);
}

let failed = false;
try {
  for (const name of names) {
    const progress = progressPrinter();
    const startedAt = new Date().toISOString();
    const result = await runChaos({
      target, scenario: name, connections: o.connections, links: o.links, warmS: o.warm, downS: o.down, tailS: o.tail,
      onProgress: progress.print, log: (l) => process.stderr.write(`${l}\n`),
    });
    progress.done();
    console.log(`${renderChaos(result)}\n`);
    if (CHAOS[name].aims(result).some((a) => a.pass === false)) failed = true;
    if (o.report) {
      const path = o.report.replace(/(\.json)?$/i, `-${name}.json`);
      const { ready, summary, ...rest } = result;
      writeReport(path, { meta: { kind: 'chaos', name, url: target.url, startedAt, ...rest, ready }, summary });
    }
  }
} finally {
  await stack?.stop();
}
process.exitCode = failed ? 1 : 0;
