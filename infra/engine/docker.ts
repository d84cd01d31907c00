// A real Docker engine for the engine tier: Debian's dockerd started with its whole state under
// one folder (no iptables, no default bridge: what runs inside this sandbox; overlay2 storage
// where the folder's filesystem allows it, vfs otherwise), and
// the `docker` CLI pointed at it. Nothing here touches a system-wide engine.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, waitFor } from '../loopback/servers/ports.js';

/** Debian's client matches Debian's engine (20.10); another `docker` on PATH negotiates down. */
export function dockerBinary(): string {
  if (process.env.SHORTSTACK_DOCKER) return process.env.SHORTSTACK_DOCKER;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A command given no bound of its own is killed after this long: a container start on a vfs
 * engine takes a minute at worst here, and an engine that stops answering then fails the step it
 * hung in, by name, not the whole test at vitest's timeout (builds, loads and stops pass their own).
 */
export const DOCKER_CALL_TIMEOUT_MS = 180_000;

export interface DockerCallOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command after this long (default DOCKER_CALL_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Resolve with a non-zero code instead of throwing. */
  allowFailure?: boolean;
  /** Stream output to this process's stderr as it comes (long builds). */
  echo?: boolean;
  /** Written to the command's stdin (e.g. a tar for `docker cp -`). */
  input?: Buffer;
}

/** The `docker` CLI against one engine. */
export class DockerClient {
  /** `binary`: the CLI to run (tests hand it a stand-in script). */
  constructor(readonly host: string, private readonly binary = dockerBinary()) {}

  run(args: string[], opts: DockerCallOptions = {}): Promise<DockerResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env, DOCKER_HOST: this.host },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // stdin gets the input, or is closed at once (nothing waits on it).
      child.stdin.end(opts.input);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (opts.echo) process.stderr.write(d);
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (opts.echo) process.stderr.write(d);
      });
      const shown = args.slice(0, 3).join(' ');
      /** The end of what the command said, for an error that names it. */
      const said = () => (stderr || stdout).trim().slice(-2000);
      const timeoutMs = opts.timeoutMs ?? DOCKER_CALL_TIMEOUT_MS;
      let settled = false;
      // Fails at once, not when the pipes close: a child the CLI left may still hold them.
      // Even with allowFailure: a probe that hangs is not a probe that answered no.
      const timer = setTimeout(() => {
        settled = true;
        child.kill('SIGKILL');
        reject(new Error(`docker ${shown} … gave no answer in ${timeoutMs / 1000} s (killed): ${said()}`));
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        if (!settled) reject(err);
        settled = true;
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
        if (result.code !== 0 && !opts.allowFailure) {
          reject(new Error(`docker ${shown} … exited ${code ?? signal}: ${said()}`));
        } else {
          resolve(result);
        }
      });
    });
  }

  /** stdout, trimmed; throws on a non-zero exit. */
  async out(args: string[], opts: DockerCallOptions = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.trim();
  }

  async inspect<T = unknown>(kind: 'container' | 'image', ref: string): Promise<T | undefined> {
    const r = await this.run([kind, 'inspect', ref], { allowFailure: true });
    if (r.code !== 0) return undefined;
    return (JSON.parse(r.stdout) as T[])[0];
  }

  async answers(): Promise<boolean> {
    const r = await this.run(['version', '--format', '{{.Server.Version}}'], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
    return r?.code === 0 && r.stdout.trim() !== '';
  }
}

/**
 * overlay2 when an overlay mount works on the folder's filesystem (here: ext4 below /tmp; a
 * container start costs ~2 s), vfs otherwise (an overlay backing filesystem, no mount rights:
 * every layer and every container is a full copy, ~30-70 s per container start on this machine).
 * SHORTSTACK_ENGINE_STORAGE_DRIVER overrides.
 */
export function pickStorageDriver(dir: string): string {
  if (process.env.SHORTSTACK_ENGINE_STORAGE_DRIVER) return process.env.SHORTSTACK_ENGINE_STORAGE_DRIVER;
  const probe = join(dir, 'overlay-probe');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(probe, d)) as [string, string, string, string];
  try {
    for (const d of [lower, upper, work, merged]) mkdirSync(d, { recursive: true });
    writeFileSync(join(lower, 'probe'), 'ok');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { stdio: 'ignore' });
    try {
      // Deleting a lower file makes a whiteout (a 0/0 character device): what image layers need.
      rmSync(join(merged, 'probe'));
      return readFileSync(join(merged, 'probe'), 'utf8') === 'ok' ? 'vfs' : 'overlay2';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'overlay2' : 'vfs';
    } finally {
      execFileSync('umount', [merged], { stdio: 'ignore' });
    }
  } catch {
    return 'vfs';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export interface DockerdOptions {
  /** Everything of this engine lives here: data-root, exec-root, socket, pid file, log. */
  dir: string;
  /** overlay2 or vfs; probed when omitted (pickStorageDriver). */
  storageDriver?: string;
  /** How long the engine may take to answer (a loaded 2-core machine: generous). */
  readyTimeoutMs?: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it holds; throws `what` after `timeoutMs`. No fixed sleeps as assertions. */
export function pollUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  return waitFor(what, probe, timeoutMs, intervalMs);
}

/** Debian's dockerd, as MACHINE-NOTES.md says it runs here, with all of its state under `dir`. */
export class Dockerd {
  readonly dir: string;
  readonly socket: string;
  readonly client: DockerClient;
  storageDriver = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly opts: DockerdOptions) {
    this.dir = opts.dir;
    this.socket = join(opts.dir, 'docker.sock');
    this.client = new DockerClient(`unix://${this.socket}`);
  }

  get host(): string {
    return this.client.host;
  }

  get logFile(): string {
    return join(this.dir, 'dockerd.log');
  }

  private get pidFile(): string {
    return join(this.dir, 'dockerd.pid');
  }

  async start(): Promise<void> {
    if (!existsSync('/usr/sbin/dockerd')) throw new Error('dockerd is not installed (apt-get install docker.io)');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.storageDriver = this.opts.storageDriver ?? pickStorageDriver(this.dir);
    const fd = openSync(this.logFile, 'a');
    this.child = spawn('/usr/sbin/dockerd', [
      '--iptables=false', '--ip6tables=false', '--bridge=none', `--storage-driver=${this.storageDriver}`,
      '--data-root', join(this.dir, 'root'), '--exec-root', join(this.dir, 'exec'),
      '-H', `unix://${this.socket}`, '--pidfile', this.pidFile,
      // dockerd starts a containerd of its own under exec-root; should a system containerd answer
      // at /run/containerd instead, dockerd uses that one, and these namespaces keep us apart.
      '--containerd-namespace', 'shortstack-engine', '--containerd-plugins-namespace', 'shortstack-engine-plugins',
    ], { stdio: ['ignore', fd, fd], detached: false });
    closeSync(fd);
    const child = this.child;
    // An interrupted run must not leave an engine behind (stop() is the orderly way out).
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    this.exited = new Promise((resolve) => child.once('exit', () => {
      process.off('exit', onExit);
      resolve();
    }));
    let gone = false;
    void this.exited.then(() => { gone = true; });
    await pollUntil('dockerd to answer', async () => {
      if (gone) throw new Error(`dockerd exited; see ${this.logFile}:\n${this.logTail()}`);
      return this.client.answers();
    }, this.opts.readyTimeoutMs ?? 120_000, 250).catch(async (err: unknown) => {
      await this.stop({ keepDir: true });
      throw err;
    });
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * Removes every container, stops the engine (SIGTERM, SIGKILL after `graceMs`), unmounts
   * whatever it left mounted below `dir`, and removes `dir` unless `keepDir`.
   */
  async stop(opts: { keepDir?: boolean; graceMs?: number; log?: (msg: string) => void } = {}): Promise<void> {
    const log = opts.log ?? (() => undefined);
    let t0 = Date.now();
    const lap = (what: string) => {
      log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      t0 = Date.now();
    };
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const ids = await this.client.out(['ps', '-aq'], { allowFailure: true, timeoutMs: 30_000 }).catch(() => '');
      if (ids) await this.client.run(['rm', '-f', '-v', ...ids.split(/\s+/)], { allowFailure: true, timeoutMs: 120_000 }).catch(() => undefined);
      lap('containers removed');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 60_000);
      await this.exited;
      clearTimeout(timer);
      lap('dockerd exited');
    }
    this.child = undefined;
    // Its containerd and shims are gone with it; anything still holding the folder is a leak.
    for (const proc of ['containerd', 'containerd-shim-runc-v2']) this.killStrays(proc);
    this.unmountBelow();
    if (!opts.keepDir) {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
      lap(`${this.dir} removed`);
    }
  }

  /** Processes of ours whose command line names our folder (never matched by name alone). */
  private killStrays(name: string): void {
    for (const pid of listPids()) {
      let cmd = '';
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
      if (cmd.split('\0')[0]?.endsWith(name) && cmd.includes(this.dir) && alive(pid)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  }

  private unmountBelow(): void {
    let mounts: string[] = [];
    try {
      mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .map((p) => p.replace(/\\040/g, ' '))
        .filter((p) => p === this.dir || p.startsWith(`${this.dir}/`));
    } catch { /* no /proc */ }
    for (const m of mounts.sort((a, b) => b.length - a.length)) {
      try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone */ }
    }
  }
}

function listPids(): number[] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}
