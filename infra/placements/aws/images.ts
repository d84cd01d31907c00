// Images for the AWS placement: the app built here and pushed to the stack's ECR repository
// (tags immutable, deployed by digest), the pinned images as they are, and the config-init image.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as aws from '@pulumi/aws';
import { Image } from '@pulumi/docker/image.js';
import * as pulumi from '@pulumi/pulumi';
import type { AwsTier } from '../../topology/config-aws.js';
import type { ImageRef } from '../../topology/types.js';
import { REPO_ROOT } from '../docker/images.js';

/**
 * The config-init container's image: the AWS CLI (S3 copy) on Amazon Linux (sh, chown, chmod).
 * Pinned to the multi-arch index digest a public repository verified for this tag
 * (`AWS_CLI_IMAGE` of an inference deployment, found by exact-string search, 2026-11-30).
 */
export const CONFIG_INIT_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.36.26@sha256:eaa5d4d024c9b83fe4af2aae3068b052f096beed1a41f202d480c5c521aa3378';

/** What goes into the app image (app/Dockerfile's COPY lines): a change is a new tag. */
const APP_INPUTS = ['app/Dockerfile', 'app/src', 'app/migrations', 'tsconfig.json', 'app/tsconfig.build.json', 'package.json', 'package-lock.json'];

function filesUnder(path: string): string[] {
  const full = join(REPO_ROOT, path);
  try {
    if (!statSync(full).isDirectory()) return [path];
  } catch {
    return [];
  }
  return readdirSync(full).sort().flatMap((f) => filesUnder(join(path, f)));
}

/** A tag from the content of the image's inputs: an immutable tag is never pushed twice. */
export function appSourceTag(): string {
  const h = createHash('sha256');
  for (const f of APP_INPUTS.flatMap(filesUnder)) h.update(`${relative(REPO_ROOT, join(REPO_ROOT, f))}\0`).update(readFileSync(join(REPO_ROOT, f)));
  return `src-${h.digest('hex').slice(0, 16)}`;
}

export class AppRepository extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  /** repository@sha256:...: what the task definitions of the app and the migration run. */
  readonly digestRef: pulumi.Output<string>;

  /**
   * `image` is the app's: built here and pushed when the topology says build; a configured image
   * (`appImage`, a registry digest that promote pushed or that another stack runs) is run as it
   * is: the repository is still the stack's, the place a promotion from Docker pushes to.
   */
  constructor(name: string, args: { image: ImageRef; tier: AwsTier; tags: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:AppRepository', name, {}, opts);
    this.repository = new aws.ecr.Repository(`${name}-app`, {
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      // A dev stack's repository goes with it; prod keeps its images unless emptied by hand.
      forceDelete: args.tier === 'dev',
      tags: args.tags,
      // prod: `pulumi destroy` leaves the repository and its images (they are what ran).
    }, { parent: this, retainOnDelete: args.tier === 'prod' });
    if (args.image.kind === 'pinned') {
      this.digestRef = pulumi.output(args.image.ref);
      this.registerOutputs({});
      return;
    }
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
    const image = new Image(`${name}-app`, {
      imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${appSourceTag()}`,
      build: { context: REPO_ROOT, dockerfile: join(REPO_ROOT, args.image.dockerfile), platform: 'linux/amd64' },
      registry: { server: this.repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
    }, { parent: this });
    this.digestRef = image.repoDigest;
    this.registerOutputs({});
  }
}
