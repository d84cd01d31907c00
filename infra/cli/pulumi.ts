// `npm run up | preview | down`: the Pulumi CLI on the dev stack with the local file backend
// (Pulumi.yaml). Without the Pulumi CLI or a running Docker engine it says so in one line; `up`
// then runs the same topology on loopback in the foreground (`npm run local`), the others exit 1.
//
// `up` first reads the stack's state and replaces what a plain `pulumi up` would leave broken:
// a one-shot (the migration, a password reset) that exited non-zero last time, so it runs again,
// and an image resource whose image is gone from the engine (`docker image prune -a`), so it is
// pulled or built again. `down` removes everything but the data volumes (retainOnDelete);
// `down -- --delete-data` removes those too.
//
// PULUMI_CONFIG_PASSPHRASE encrypts the stack's secrets in .pulumi-state/. For the dev stack it
// defaults to "shortstack-dev" when unset (a throwaway local stack); set your own for any other.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTAINER_LABELS } from '../topology/context.js';
import { DEV_STACK } from '../topology/names.js';
import { isMainModule } from '../../app/src/is-main.js';

export const COMMANDS = { up: 'up', preview: 'preview', destroy: 'destroy' } as const;
export type Command = keyof typeof COMMANDS;
export const DEV_PASSPHRASE = 'shortstack-dev';

export interface Probe {
  /** True when `cmd args` runs and exits 0. */
  succeeds(cmd: string, args: string[]): boolean;
}

export const systemProbe: Probe = {
  succeeds(cmd, args) {
    const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
    return r.error === undefined && r.status === 0;
  },
};

/** The one line to print when something this needs is missing, or undefined when all is there. */
export function missingPrerequisite(probe: Probe): string | undefined {
  if (!probe.succeeds('pulumi', ['version'])) {
    return 'The Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); without it, the same stack runs on loopback: npm run local';
  }
  if (!probe.succeeds('docker', ['info', '--format', '{{.ServerVersion}}'])) {
    return 'No running Docker engine (`docker info` failed); start Docker, or run the same stack without it: npm run local';
  }
  return undefined;
}

export function pulumiEnv(env: NodeJS.ProcessEnv, stack: string): NodeJS.ProcessEnv {
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  return stack === DEV_STACK && !hasPassphrase ? { ...env, PULUMI_CONFIG_PASSPHRASE: DEV_PASSPHRASE } : env;
}

export interface Exec {
  /** Runs `cmd args`: output to the terminal, or captured (stdout) when `capture`. */
  run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; capture?: boolean }): { status: number; stdout: string };
}

export const systemExec: Exec = {
  run(cmd, args, { cwd, env, capture }) {
    const r = spawnSync(cmd, args, { cwd, env, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { status: r.status ?? 1, stdout: r.stdout ?? '' };
  },
};

/** The parts of `pulumi stack export` read here. */
interface ExportedResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
export interface ExportedStack {
  deployment?: { resources?: ExportedResource[] | null };
}

export interface Recovery {
  /** `--replace <urn>` arguments for `pulumi up`. */
  args: string[];
  /** One line per resource replaced, and why. */
  reasons: string[];
}

/**
 * What `up` must replace for the stack to converge: one-shot containers (attach) whose last run
 * exited non-zero (their exit code stays in the state and the next `up` would otherwise see no
 * change, and fail on the same gate forever), and image resources whose image the engine no
 * longer has (the provider does not notice; creating a container from it would fail).
 */
export function recoveryPlan(state: ExportedStack, imagePresent: (ref: string) => boolean): Recovery {
  const out: Recovery = { args: [], reasons: [] };
  const replace = (urn: string, why: string) => {
    out.args.push('--replace', urn);
    out.reasons.push(`${urn.split('::').pop()}: ${why}`);
  };
  for (const r of state.deployment?.resources ?? []) {
    const o = r.outputs ?? {};
    if (r.type === 'docker:index/container:Container' && o.attach === true && typeof o.exitCode === 'number' && o.exitCode !== 0) {
      replace(r.urn, `exited with code ${o.exitCode} last time; running it again`);
    } else if (r.type === 'docker:index/remoteImage:RemoteImage' && typeof o.imageId === 'string' && o.imageId !== '' && !imagePresent(o.imageId)) {
      replace(r.urn, `image ${typeof o.name === 'string' ? o.name : o.imageId} is gone from the engine; pulling it again`);
    } else if (r.type === 'docker:index/image:Image' && typeof o.repoDigest === 'string' && o.repoDigest !== '' && !imagePresent(o.repoDigest)) {
      replace(r.urn, `image ${typeof o.imageName === 'string' ? o.imageName : o.repoDigest} is gone from the engine; building it again`);
    }
  }
  return out;
}

export const DELETE_DATA_FLAG = '--delete-data';

export function main(argv: string[], probe: Probe = systemProbe, env: NodeJS.ProcessEnv = process.env, exec: Exec = systemExec): number {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || !(cmd in COMMANDS)) {
    console.error(`usage: tsx infra/cli/pulumi.ts ${Object.keys(COMMANDS).join('|')} [pulumi options]`);
    return 2;
  }
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const missing = missingPrerequisite(probe);
  if (missing && cmd === 'up') {
    // The main job still runs: the same topology on loopback, in the foreground, after the
    // Debian servers it needs (installed when root, as npm test does; else the apt line).
    console.error(`${missing}. Running it on loopback now (Ctrl-C stops it).`);
    const tsx = (entry: string, args: string[] = []) =>
      exec.run(process.execPath, ['--import', import.meta.resolve('tsx'), join(cwd, entry), ...args], { cwd, env }).status;
    const deps = tsx('scripts/system-deps.ts');
    return deps !== 0 ? deps : tsx('infra/loopback/cli.ts', rest);
  }
  if (missing) {
    console.error(missing);
    return 1;
  }
  const stack = env.SHORTSTACK_STACK ?? DEV_STACK;
  const childEnv = pulumiEnv(env, stack);
  const run = (args: string[]) => exec.run('pulumi', args, { cwd, env: childEnv }).status;
  const docker = (args: string[], capture = true) => exec.run('docker', args, { cwd, env, capture });
  const deleteData = rest.includes(DELETE_DATA_FLAG);
  const pulumiArgs = rest.filter((a) => a !== DELETE_DATA_FLAG);
  if (deleteData && cmd !== 'destroy') {
    console.error(`${DELETE_DATA_FLAG} goes with down (npm run down -- ${DELETE_DATA_FLAG})`);
    return 2;
  }
  // The local backend starts empty: create the stack on first use.
  const selected = run(['stack', 'select', '--create', stack, '--non-interactive']);
  if (selected !== 0) return selected;

  if (cmd === 'up') {
    const exported = exec.run('pulumi', ['stack', 'export', '--stack', stack], { cwd, env: childEnv, capture: true });
    if (exported.status === 0 && exported.stdout.trim() !== '') {
      const recovery = recoveryPlan(JSON.parse(exported.stdout) as ExportedStack,
        (ref) => docker(['image', 'inspect', '--format', '{{.Id}}', ref]).status === 0);
      for (const line of recovery.reasons) console.error(`replacing ${line}`);
      return run(['up', '--stack', stack, ...recovery.args, ...pulumiArgs]);
    }
  }
  const status = run([COMMANDS[cmd as Command], '--stack', stack, ...pulumiArgs]);
  if (cmd !== 'destroy' || status !== 0) return status;

  // Data volumes (retainOnDelete) stay on the engine, labelled with the stack; nothing else does.
  const kept = docker(['volume', 'ls', '--quiet', '--filter', `label=${CONTAINER_LABELS.stack}=${stack}`]);
  const volumes = kept.stdout.split('\n').map((v) => v.trim()).filter(Boolean);
  if (volumes.length === 0) return 0;
  if (!deleteData) {
    console.error(`Kept the data volumes (the next \`npm run up\` uses them again): ${volumes.join(', ')}`);
    console.error(`To delete them too: npm run down -- ${DELETE_DATA_FLAG}`);
    return 0;
  }
  const removed = docker(['volume', 'rm', ...volumes], false);
  if (removed.status === 0) console.error(`Deleted the data volumes: ${volumes.join(', ')}`);
  return removed.status;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
