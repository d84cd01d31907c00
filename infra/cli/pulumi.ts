// `npm run up | preview | down`: the Pulumi CLI on the dev stack with the local file backend
// (Pulumi.yaml). Without the Pulumi CLI or a running Docker engine it says so in one line and
// points to `npm run local`, the same topology on loopback.
//
// PULUMI_CONFIG_PASSPHRASE encrypts the stack's secrets in .pulumi-state/. For the dev stack it
// defaults to "shortstack-dev" when unset (a throwaway local stack); set your own for any other.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const COMMANDS = { up: 'up', preview: 'preview', destroy: 'destroy' } as const;
export type Command = keyof typeof COMMANDS;
export const DEV_STACK = 'dev';
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
    return 'The Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); without it, run the same stack on loopback: npm run local';
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

export function main(argv: string[], probe: Probe = systemProbe, env: NodeJS.ProcessEnv = process.env): number {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || !(cmd in COMMANDS)) {
    console.error(`usage: tsx infra/cli/pulumi.ts ${Object.keys(COMMANDS).join('|')} [pulumi options]`);
    return 2;
  }
  const missing = missingPrerequisite(probe);
  if (missing) {
    console.error(missing);
    return 1;
  }
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const stack = env.SHORTSTACK_STACK ?? DEV_STACK;
  const childEnv = pulumiEnv(env, stack);
  const run = (args: string[]) => spawnSync('pulumi', args, { cwd, env: childEnv, stdio: 'inherit' }).status ?? 1;
  // The local backend starts empty: create the stack on first use.
  const selected = run(['stack', 'select', '--create', stack, '--non-interactive']);
  if (selected !== 0) return selected;
  return run([COMMANDS[cmd as Command], '--stack', stack, ...rest]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
