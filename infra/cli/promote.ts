// `npm run promote -- --from <stack> --to <stack> [--plan] [--no-up]`, or `--image <ref>` instead
// of --from (a rollback: promote the previous digest). Reads the image the source stack runs,
// refuses when its last update failed or the image is not a digest, writes it into the target's
// Pulumi.<target>.yaml (pushed to the target's ECR repository first when it is a local Docker
// image), runs `pulumi up` on the target and checks that the target then runs exactly it.
import { Command } from 'commander';
import { pinsContent } from '../topology/config-app-image.js';
import { planPromotion, type Plan, type Source } from './promote-plan.js';
import { PromoteError, lastUpdate, stackOutputs, up, upArgs, type Where } from './promote-pulumi.js';
import { pushToEcr } from './promote-registry.js';
import { APP_IMAGE_KEY, lineDiff, readStackFile, stackRules, withAppImage, writeStackFile } from './promote-stack-file.js';
import { isMainModule } from '../../app/src/is-main.js';

export interface PromoteOptions {
  to: string;
  from?: string;
  image?: string;
  /** Print what would change; read only. */
  plan?: boolean;
  /** false: write the config and print the `pulumi up` to run, instead of running it. */
  up?: boolean;
}

const PENDING = '<the digest the push returns>';

/** Runs a promotion; returns the exit status. Refusals throw PromoteError (one line). */
export function promote(opts: PromoteOptions, where: Where, say: (line: string) => void): number {
  if ((opts.from === undefined) === (opts.image === undefined)) throw new PromoteError('give either --from <stack> or --image <ref>');
  if (opts.from === opts.to) throw new PromoteError(`--from and --to name the same stack (${opts.to})`);
  const file = readStackFile(where.root, opts.to);
  const rules = stackRules(file);
  const source: Source = opts.from === undefined ? { image: opts.image! }
    : { stack: opts.from, lastUpdate: lastUpdate(where, opts.from), appImage: stackOutputs(where, opts.from).appImage };
  // The target's repository matters only on AWS (the push target); its outputs are read then.
  const repository = rules.placement === 'aws' ? stackOutputs(where, opts.to).appRepository : undefined;
  const plan = planPromotion(source, { stack: opts.to, rules, ...(typeof repository === 'string' ? { repository } : {}) });
  const from = opts.from === undefined ? 'the reference given' : `stack ${opts.from}`;
  say(`${from} runs ${plan.image}`);
  for (const n of plan.notes) say(`note: ${n}`);

  if (opts.plan) {
    describe(plan, opts.to, say);
    say(`config diff (Pulumi.${opts.to}.yaml):`);
    for (const l of lineDiff(file.text, withAppImage(file, plan.ref ?? PENDING))) say(`  ${l}`);
    say(`then: pulumi ${upArgs(opts.to).join(' ')}, and a check that stack ${opts.to} runs it (nothing was changed: --plan)`);
    return 0;
  }
  const ref = plan.push ? pushToEcr(plan.push, where.env, say) : plan.ref!;
  const text = withAppImage(file, ref);
  if (text === file.text) say(`Pulumi.${opts.to}.yaml already has ${APP_IMAGE_KEY}: ${ref}`);
  else {
    writeStackFile(file, text);
    say(`wrote ${APP_IMAGE_KEY}: ${ref} into Pulumi.${opts.to}.yaml (review and commit it: git diff Pulumi.${opts.to}.yaml)`);
  }
  if (opts.up === false) {
    say(`next: pulumi ${upArgs(opts.to).join(' ')}`);
    say(`then check: pulumi stack output appImage --stack ${opts.to}   (must print ${ref})`);
    return 0;
  }
  const status = up(where, opts.to);
  if (status !== 0) {
    throw new PromoteError(`pulumi up --stack ${opts.to} failed (exit ${status}); Pulumi.${opts.to}.yaml keeps the new image: `
      + `fix and run it again, or git checkout Pulumi.${opts.to}.yaml`);
  }
  verify(opts.to, ref, stackOutputs(where, opts.to).appImage, say);
  return 0;
}

function describe(plan: Plan, to: string, say: (line: string) => void): void {
  if (plan.push) {
    say(`would push ${plan.push.image} to ${plan.push.repository}:${plan.push.tag} and deploy the registry digest it returns`);
  } else say(`would set stack ${to}'s ${APP_IMAGE_KEY} to ${plan.ref}`);
}

/** After `up`: the target must report exactly the image written (for a tag, some pinned image). */
export function verify(stack: string, ref: string, reported: unknown, say: (line: string) => void): void {
  const ok = pinsContent(ref) ? reported === ref : typeof reported === 'string' && (reported === ref || pinsContent(reported));
  if (!ok) {
    throw new PromoteError(`verify failed: after pulumi up, stack ${stack} reports appImage ${reported === undefined ? '(missing)' : JSON.stringify(reported)}, not ${ref}`);
  }
  say(`verified: stack ${stack} runs ${reported === ref ? ref : `${String(reported)} (${ref})`}`);
}

export function main(argv: string[], where: Where, say = (l: string) => console.log(l)): number {
  const program = new Command('promote')
    .description('promote the app image one stack runs to another stack (see README, Promotion)')
    .requiredOption('--to <stack>', 'the stack to deploy the image to')
    .option('--from <stack>', 'the stack whose running app image is promoted')
    .option('--image <ref>', 'promote this image reference instead (a rollback: the previous digest)')
    .option('--plan', 'print what would change (image, config diff) and change nothing')
    .option('--no-up', 'write the config and print the pulumi up to run, instead of running it')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
    return promote(program.opts<PromoteOptions>(), where, say);
  } catch (e) {
    if (e instanceof PromoteError) {
      console.error(`promote: ${e.message}`);
      return 1;
    }
    const code = (e as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code === 0 ? 0 : 2;
    throw e;
  }
}

if (isMainModule(import.meta.url)) {
  // npm runs scripts from the package root, where Pulumi.yaml and the stack files are; the
  // Pulumi CLI, too, works on the project of the directory it is run in.
  process.exitCode = main(process.argv.slice(2), { root: process.cwd(), env: process.env });
}
