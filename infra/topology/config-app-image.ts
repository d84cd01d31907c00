// `shortstack:appImage`: the app image a stack runs instead of building app/Dockerfile, written
// by `npm run promote` so that a promotion is a reviewable line in Pulumi.<stack>.yaml.
// What a stack accepts follows from its config, never from its name: a prod-tier AWS stack
// (`aws.tier: prod`) runs registry digests only, because a tag can be pushed again and then one
// config would deploy two different builds; every other stack may use a tag.
import type { AwsTier } from './config-aws.js';

/** A local Docker image id: content-addressed, but only the engine that built it has it. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
// A repository, optionally on a registry with a port (localhost:5000/app).
const NAME = String.raw`(?:[\w.-]+:\d+/)?[\w./-]+`;
/** repository@sha256:<digest> or repository:tag@sha256:<digest>: the registry serves exactly this. */
export const REGISTRY_DIGEST = new RegExp(String.raw`^${NAME}(?::[\w.-]+)?@sha256:[0-9a-f]{64}$`);
/** repository:tag: whatever the tag points at when the image is pulled. */
export const TAGGED = new RegExp(String.raw`^${NAME}:[\w.-]+$`);

export type AppImageKind = 'image-id' | 'registry-digest' | 'tag';

export function appImageKind(ref: string): AppImageKind | undefined {
  if (IMAGE_ID.test(ref)) return 'image-id';
  if (REGISTRY_DIGEST.test(ref)) return 'registry-digest';
  if (TAGGED.test(ref)) return 'tag';
  return undefined;
}

/** True when the reference names content (an id or a digest), so two deploys of it run the same bytes. */
export const pinsContent = (ref: string): boolean => {
  const kind = appImageKind(ref);
  return kind === 'image-id' || kind === 'registry-digest';
};

/** The config facts that decide what a stack accepts as its app image. */
export interface AppImageRules {
  placement: 'docker' | 'aws';
  /** The AWS tier (aws.tier); absent on Docker. */
  tier?: AwsTier;
}

/** Digests only: a prod-tier AWS stack. Decided from config, so a stack's name changes nothing. */
export const requiresDigest = (rules: AppImageRules): boolean => rules.placement === 'aws' && rules.tier === 'prod';

/** Why `ref` cannot be this stack's app image, or undefined when it can. */
export function appImageProblem(ref: string, rules: AppImageRules): string | undefined {
  const kind = appImageKind(ref);
  if (kind === undefined) {
    return `must be repository@sha256:<digest>, repository:tag, or a local image id sha256:<digest> (got ${JSON.stringify(ref)})`;
  }
  if (kind === 'image-id' && rules.placement === 'aws') {
    return `is a local Docker image id (${ref}), which only the engine that built it has: `
      + 'push it to the stack\'s ECR repository and use the registry digest (npm run promote does both)';
  }
  if (kind === 'tag' && requiresDigest(rules)) {
    return `must be a registry digest (repository@sha256:...) on a prod-tier stack (aws.tier prod), not the tag ${ref}: `
      + 'a tag can be pushed again, so it does not say which build runs';
  }
  return undefined;
}
