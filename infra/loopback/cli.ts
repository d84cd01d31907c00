// `npm run local`: the whole stack on 127.0.0.1 without Docker, until Ctrl-C or SIGTERM; SIGUSR2
// replaces every replica in turn (a rollout, as a deploy does it).
// The admin key comes from SHORTSTACK_ADMIN_KEY or a file (--admin-key-file), never from the
// command line: `ps` shows every process's arguments to every user, and shells keep history.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { isObject, type Raw } from '../topology/config-check.js';
import { parseStackConfig } from '../topology/config.js';
import { LOAD_GENERATOR_STACK_CONFIG } from './load-generator.js';
import { MIN_ADMIN_KEY_LENGTH } from '../../app/src/config.js';
import { listenForRollout, rolloutHint } from './rollout-signal.js';
import { startStack } from './stack.js';
import { writeRunbookEnv } from './runbook-env.js';
import { listenForRestore, RESTORE_SOCKET } from './restore-socket.js';
import { scheduleBackups } from './backup-schedule.js';
import { isMainModule } from '../../app/src/is-main.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

export const ADMIN_KEY_ENV = 'SHORTSTACK_ADMIN_KEY';

/**
 * The admin key the operator chose: from a file (one trailing newline dropped) or from
 * SHORTSTACK_ADMIN_KEY, not both; undefined means "generate one".
 */
export function adminKeyFrom(o: { adminKeyFile?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[ADMIN_KEY_ENV]?.trim() || undefined;
  if (o.adminKeyFile !== undefined && fromEnv !== undefined) throw new InvalidArgumentError(`give the admin key by ${ADMIN_KEY_ENV} or --admin-key-file, not both`);
  let key = fromEnv;
  if (o.adminKeyFile !== undefined) {
    key = readFileSync(o.adminKeyFile, 'utf8').replace(/\r?\n$/, '').trim();
    if (key === '') throw new InvalidArgumentError(`${o.adminKeyFile} is empty`);
  }
  return key;
}

/**
 * Stack config keys from a YAML (or JSON) file, without the `shortstack:` namespace, as
 * startStack takes them: e.g. `backupS3` and its key pair (the file then holds secrets: keep it
 * out of git, mode 0600).
 */
export function stackConfigFrom(file: string): Raw {
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObject(doc)) throw new InvalidArgumentError(`${file} must hold a map of stack config keys (e.g. backupS3: {bucket: ...})`);
  return doc;
}

/** The app's rule for admin keys, checked before anything starts rather than by every replica once the stack is half up. */
export function checkAdminKey(key: string | undefined): string | undefined {
  if (key !== undefined && key.length < MIN_ADMIN_KEY_LENGTH) {
    throw new InvalidArgumentError(`the admin key must be at least ${MIN_ADMIN_KEY_LENGTH} characters (got ${key.length})`);
  }
  return key;
}

export function localCommand(): Command {
  return new Command('local')
    .description(`Run the Shortstack topology on 127.0.0.1 with Debian binaries and N app processes. Admin key (at least ${MIN_ADMIN_KEY_LENGTH} characters): ${ADMIN_KEY_ENV} or --admin-key-file (default: generated)`)
    .option('--replicas <n>', 'app replicas', int('replicas', 1, 16), 2)
    .option('--port <p>', 'front door port (default: a free one)', int('port', 1, 65535))
    .option('--admin-key-file <path>', `file holding the admin API key, at least ${MIN_ADMIN_KEY_LENGTH} characters (or set ${ADMIN_KEY_ENV}; default: generated)`)
    .option('--dir <dir>', 'keep every file and log in this folder (default: a temporary one, removed on exit)')
    .option('--config <file>', 'stack config keys as in Pulumi.<stack>.yaml without the namespace, in YAML, e.g. backupS3 and its key pair (default: the defaults)')
    .option('--tls', 'HTTPS: Pebble (a local ACME CA) issues the front door a certificate for 127.0.0.1 over HTTP-01 through nginx; the certificate manager renews it (--port is then the HTTPS port)')
    .option('--load-generator', "lift nginx's per-address request and connection limits, for a load test from this one address")
    .addHelpText('after', `
While it runs:
  kill -USR2 PID   rollout: replace every replica in turn (new process on new ports, ready, into
                   nginx by graceful reload, old one out of nginx, then SIGTERM: it drains and
                   flushes its clicks); no request fails. PID is printed at start and kept in DIR/local.pid.
  Ctrl-C, SIGTERM  stop everything`);
}

async function main(): Promise<void> {
  const program = localCommand().parse();
  const opts = program.opts<{ replicas: number; port?: number; adminKeyFile?: string; dir?: string; config?: string; loadGenerator?: boolean; tls?: boolean }>();
  let adminKey: string | undefined;
  let config: Raw = {};
  try {
    adminKey = checkAdminKey(adminKeyFrom(opts));
    if (opts.config !== undefined) config = stackConfigFrom(opts.config);
    // Every bad key named before anything starts.
    parseStackConfig(config);
  } catch (err) {
    program.error((err as Error).message);
  }
  const stack = await startStack({
    replicas: opts.replicas, port: opts.port, dir: opts.dir, adminKey,
    config: { ...config, ...(opts.loadGenerator ? LOAD_GENERATOR_STACK_CONFIG : {}) },
    ...(opts.tls ? { tls: {} } : {}),
  });
  console.log(`ready: ${stack.url}`);
  // The root to trust (curl --cacert PATH): Pebble makes a new one at each start.
  if (stack.tls) console.log(`ca: ${stack.tls.caFile}`);
  // A key the operator gave is theirs already; only a generated one is shown (on this terminal only).
  console.log(adminKey === undefined ? `admin key (generated): ${stack.adminKey}` : 'admin key: as given');
  console.log(`prometheus: ${stack.prometheusUrl}`);
  console.log(`alertmanager: ${stack.alertmanagerUrl}`);
  console.log(`files and logs: ${stack.dir}`);
  // RUNBOOK.md's variables ($FRONT_DOOR, $STACK_DIR, $REDIS_URL, ...) for this stack.
  console.log(`runbook variables: source ${writeRunbookEnv(stack)}`);

  let stopping = false;
  const removePidFile = listenForRollout(stack, () => stopping);
  console.log(rolloutHint(stack.dir));
  // npm run restore asks this process (it owns PostgreSQL and PgBouncer) over a 0600 socket.
  const closeRestore = listenForRestore(stack.dir, stack.backups);
  // A full backup now, then the stack config's schedule (the tests' stacks take theirs by hand).
  const stopSchedule = scheduleBackups(stack.backups, stack.config.backup, (l) => console.log(l));
  console.log(`backups: npm run backup -- --dir ${stack.dir} [--list]; restore: npm run restore -- --dir ${stack.dir} --to TIME | --latest (socket ${RESTORE_SOCKET})`);
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    removePidFile();
    closeRestore();
    stopSchedule();
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
}

if (isMainModule(import.meta.url)) await main();
