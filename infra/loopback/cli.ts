// `npm run local`: the whole stack on 127.0.0.1 without Docker, until Ctrl-C or SIGTERM.
import { Command, InvalidArgumentError } from 'commander';
import { startStack } from './stack.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

const program = new Command('local')
  .description('Run the Shortstack topology on 127.0.0.1 with Debian binaries and N app processes')
  .option('--replicas <n>', 'app replicas', int('replicas', 1, 16), 2)
  .option('--port <p>', 'front door port (default: a free one)', int('port', 1, 65535))
  .option('--admin-key <key>', 'admin API key (default: generated)')
  .option('--dir <dir>', 'keep every file and log in this folder (default: a temporary one, removed on exit)')
  .parse();

const opts = program.opts<{ replicas: number; port?: number; adminKey?: string; dir?: string }>();
const stack = await startStack(opts);
console.log(`ready: ${stack.url}`);
console.log(`admin key: ${stack.adminKey}`);
console.log(`prometheus: ${stack.prometheusUrl}`);
console.log(`alertmanager: ${stack.alertmanagerUrl}`);
console.log(`files and logs: ${stack.dir}`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  stack.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
