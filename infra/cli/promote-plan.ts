// What a promotion does, decided from facts alone (no CLI, no file): refuse, or say which image
// the target's config gets and whether it must be pushed to the target's registry first.
import { appImageKind, appImageProblem, pinsContent, type AppImageRules } from '../topology/config-app-image.js';
import { PromoteError, type UpdateSummary } from './promote-pulumi.js';
import { promotedTag, type PushStep } from './promote-registry.js';

/** Where the image comes from: a stack's last successful update, or a reference given (a rollback). */
export type Source =
  | { stack: string; lastUpdate: UpdateSummary | undefined; appImage: unknown }
  | { image: string };

export interface Target {
  stack: string;
  rules: AppImageRules;
  /** The target's ECR repository (its `appRepository` output), when it has been deployed on AWS. */
  repository?: string;
}

export interface Plan {
  /** The reference the source runs (or the one given). */
  image: string;
  /** What goes into shortstack:appImage; undefined until the push answers with a digest. */
  ref?: string;
  push?: PushStep;
  /** Things the operator should know (said, never refused). */
  notes: string[];
}

/** The image a source stack runs, or a refusal saying why it cannot be promoted. */
export function sourceImage(source: Source): string {
  if ('image' in source) {
    if (appImageKind(source.image) === undefined) throw new PromoteError(`--image ${source.image} is no image reference (repository@sha256:<digest>, repository:tag or sha256:<id>)`);
    return source.image;
  }
  const { stack, lastUpdate, appImage } = source;
  if (lastUpdate === undefined) throw new PromoteError(`stack ${stack} has never been updated: nothing runs there to promote`);
  if (lastUpdate.result !== 'succeeded') {
    throw new PromoteError(`stack ${stack}'s last update${lastUpdate.version === undefined ? '' : ` (#${lastUpdate.version})`} `
      + `${lastUpdate.result === 'in-progress' ? 'is still in progress' : `ended ${lastUpdate.result ?? 'without a result'}`}: `
      + `promote only what deployed cleanly (run pulumi up --stack ${stack} until it succeeds)`);
  }
  if (typeof appImage !== 'string' || !pinsContent(appImage)) {
    throw new PromoteError(`stack ${stack} reports no app image digest (appImage output: ${appImage === undefined ? 'missing' : JSON.stringify(appImage)}): `
      + `deploy it with this version of the program first (pulumi up --stack ${stack})`);
  }
  return appImage;
}

export function planPromotion(source: Source, target: Target): Plan {
  const image = sourceImage(source);
  const notes: string[] = [];
  const kind = appImageKind(image);
  if (kind === 'image-id' && target.rules.placement === 'aws') {
    // A local image: only this Docker engine has it. The target gets the registry's digest of it.
    if (target.repository === undefined) {
      throw new PromoteError(`stack ${target.stack} has no ECR repository yet (appRepository output): `
        + `deploy it once (pulumi up --stack ${target.stack}), then promote into it`);
    }
    return { image, push: { image, repository: target.repository, tag: promotedTag(image) }, notes };
  }
  const problem = appImageProblem(image, target.rules);
  if (problem !== undefined) throw new PromoteError(`stack ${target.stack} refuses ${image}: shortstack:appImage ${problem}`);
  if (kind === 'image-id') notes.push(`${image} is a local image id: stack ${target.stack} must run on the Docker engine that has it`);
  const repository = image.replace(/(:[\w.-]+)?@sha256:[0-9a-f]{64}$/, '');
  if (kind === 'registry-digest' && target.repository !== undefined && repository !== target.repository) {
    notes.push(`stack ${target.stack} will pull from ${repository}, not its own repository: within one account its tasks may; `
      + 'across accounts, grant its account pull on that repository or replicate it (README, Promotion)');
  }
  return { image, ref: image, notes };
}
