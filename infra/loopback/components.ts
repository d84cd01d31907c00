// The loopback stack's servers that are one command each: what to run and how to tell it is up.
// Config files are written by the caller from the shared renderers; these only start binaries.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { dirNginxPaths } from '../render/nginx.js';
import { nodeExporterArgs, postgresExporterEnv } from '../topology/components/exporters.js';
import { alertmanagerArgs, prometheusArgs } from '../topology/components/observability.js';
import { loopbackRedisPasswords } from './configs.js';
import { CommandServer, type CommandServerSpec } from './servers/command.js';
import { canConnect } from './servers/ports.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

/** How a TypeScript entry point of the repository runs here: node with tsx's loader. */
export function tsxCommand(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', tsxLoader, join(repoRoot, entry)] };
}

/** readyPath: /health (the process serves) by default; /ready also wants the database reachable. */
export function appReplica(o: {
  name: string; dir: string; port: number; env: Record<string, string>; readyPath?: string | undefined;
  /** The release it runs: `appBuild()`'s command for 'main'. */
  run: { command: string; args: string[] };
}): CommandServer {
  return new CommandServer({
    name: o.name,
    port: o.port,
    ...o.run,
    dir: o.dir,
    env: { ...process.env, ...o.env },
    readyPath: o.readyPath ?? '/health',
    // About a second on a quiet machine, many times that at a load of 14 on two cores. A replica
    // that exits is reported at once (NotStarting), so waiting long costs nothing when start-up fails.
    readyTimeoutMs: 90_000,
  });
}

export function nginxServer(o: { dir: string; port: number; confFile: string }): CommandServer {
  const pidFile = dirNginxPaths(o.dir).pidFile;
  const server: CommandServer = new CommandServer({
    name: 'nginx',
    port: o.port,
    command: '/usr/sbin/nginx',
    // The rendered config has no `daemon` directive: containers pass it on the command line too.
    args: ['-p', o.dir, '-c', o.confFile, '-g', 'daemon off;'],
    dir: o.dir,
    // A TCP accept alone would pass on another program's listener: nginx writes its pid file only
    // once it holds its ports, and (a taken port) exits instead.
    ready: async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(server.pid) && canConnect(o.port),
    // SIGQUIT is nginx's graceful shutdown.
    stopSignal: 'SIGQUIT',
  });
  return server;
}

export function blackboxExporter(o: { dir: string; port: number; configFile: string }): CommandServer {
  return new CommandServer({
    name: 'blackbox-exporter', port: o.port, command: '/usr/bin/prometheus-blackbox-exporter',
    args: [`--config.file=${o.configFile}`, `--web.listen-address=127.0.0.1:${o.port}`],
    dir: o.dir, readyPath: '/metrics',
  });
}

/** Kernel pseudo file systems: node-exporter's default exclusion less overlay. */
const PSEUDO_FILESYSTEMS = '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$';

/**
 * Debian's node exporter with the topology's collectors: the statfs of the mount that holds
 * PostgreSQL's data folder (alerts/capacity.ts), and the backup figures the backup commands
 * write into `textfileDir` (infra/backup/metrics.ts).
 */
export function nodeExporter(o: { dir: string; port: number; textfileDir: string }): CommandServer {
  return new CommandServer({
    name: 'node-exporter', port: o.port, command: '/usr/bin/prometheus-node-exporter',
    args: [...nodeExporterArgs(o.textfileDir, `127.0.0.1:${o.port}`),
      // LOOPBACK_DIFFERENCES.nodeExporterFsTypes
      `--collector.filesystem.fs-types-exclude=${PSEUDO_FILESYSTEMS}`],
    dir: o.dir, readyPath: '/metrics',
  });
}

export function prometheusServer(o: { dir: string; port: number; configFile: string; resendDelay?: string | undefined }): CommandServer {
  return new CommandServer({
    name: 'prometheus',
    port: o.port,
    command: '/usr/bin/prometheus',
    args: [
      ...prometheusArgs({ configFile: o.configFile, dataDir: join(o.dir, 'data'), listen: `127.0.0.1:${o.port}`, externalUrl: `http://127.0.0.1:${o.port}/` }),
      ...(o.resendDelay ? [`--rules.alert.resend-delay=${o.resendDelay}`] : []),
    ],
    dir: o.dir,
    readyPath: '/-/ready',
  });
}

export function alertmanagerServer(o: { dir: string; port: number; configFile: string }): CommandServer {
  return new CommandServer({
    name: 'alertmanager',
    port: o.port,
    command: '/usr/bin/prometheus-alertmanager',
    args: alertmanagerArgs({ configFile: o.configFile, dataDir: join(o.dir, 'data'), listen: `127.0.0.1:${o.port}`, externalUrl: `http://127.0.0.1:${o.port}/` }),
    dir: o.dir,
    readyPath: '/-/ready',
  });
}

/** As on Docker: the app's role, its password from a file (not the environment, which `ps e` shows). */
export function postgresExporter(o: { dir: string; port: number; postgresPort: number; password: string; queriesFile?: string }): CommandServer {
  const passwordFile = join(o.dir, 'db-password');
  return new WithSecretFile({
    name: 'postgres-exporter',
    port: o.port,
    command: '/usr/bin/prometheus-postgres-exporter',
    args: [`--web.listen-address=127.0.0.1:${o.port}`, ...(o.queriesFile ? [`--extend.query-path=${o.queriesFile}`] : [])],
    env: { ...process.env, ...postgresExporterEnv({ postgres: `127.0.0.1:${o.postgresPort}`, sslmode: 'disable', passwordFile }) },
    dir: o.dir,
    readyPath: '/metrics',
  }, { path: passwordFile, content: o.password });
}

/** A server that writes a secret file (0600) at each start, before the binary reads it. */
class WithSecretFile extends CommandServer {
  constructor(spec: CommandServerSpec, private readonly secret: { path: string; content: string }) {
    super(spec);
  }

  override async start(): Promise<void> {
    if (this.isRunning()) return;
    this.prepareDir();
    writeFileSync(this.secret.path, this.secret.content, { mode: 0o600 });
    // `mode` applies only to a new file: a kept folder's may be older.
    chmodSync(this.secret.path, 0o600);
    await super.start();
  }
}

/**
 * The password from a file as on Docker (REDIS_PASSWORD_FILE): not on the command line, which
 * `ps` shows, nor in the environment.
 */
export function redisExporter(o: { dir: string; port: number; redisUrl: string }): CommandServer {
  const passwords = loopbackRedisPasswords(o.redisUrl);
  const passwordFile = join(o.dir, 'redis-passwords.json');
  return new WithSecretFile({
    name: 'redis-exporter',
    port: o.port,
    command: '/usr/bin/prometheus-redis-exporter',
    args: [`-redis.addr=${passwords.addr}`, `-web.listen-address=127.0.0.1:${o.port}`],
    env: { ...process.env, REDIS_PASSWORD_FILE: passwordFile },
    dir: o.dir,
    readyPath: '/metrics',
  }, { path: passwordFile, content: passwords.content });
}

export function pgbouncerExporter(o: {
  dir: string; port: number; pgbouncerPort: number; user: string; password: string;
}): CommandServer {
  return new CommandServer({
    name: 'pgbouncer-exporter',
    port: o.port,
    command: '/usr/bin/prometheus-pgbouncer-exporter',
    args: ['--host', '127.0.0.1', '--port', String(o.port), '--pgbouncer-host', '127.0.0.1',
      '--pgbouncer-port', String(o.pgbouncerPort), '--pgbouncer-user', o.user],
    // libpq reads the password from the environment, keeping it off the command line.
    env: { ...process.env, PGPASSWORD: o.password },
    dir: o.dir,
    readyPath: '/metrics',
  });
}

export function nginxExporter(o: { dir: string; port: number; stubStatusUrl: string }): CommandServer {
  return new CommandServer({
    name: 'nginx-exporter',
    port: o.port,
    command: '/usr/bin/prometheus-nginx-exporter',
    args: [`-nginx.scrape-uri=${o.stubStatusUrl}`, `-web.listen-address=127.0.0.1:${o.port}`],
    dir: o.dir,
    readyPath: '/metrics',
  });
}
