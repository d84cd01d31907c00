// Names and labels derived from a container's inputs: what would replace it renames it.
import { createHash } from 'node:crypto';
import type { ContainerArgs } from '@pulumi/docker/container.js';
import * as pulumi from '@pulumi/pulumi';

/** Label on each container: a digest of its fields the provider never updates in place (health check, tmpfs). */
export const RUNTIME_LABEL = 'com.shortstack.runtime';

/** JSON with object keys sorted: the same value always gives the same text. */
const stableJson = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v);
/** A short content digest (for volume names and labels): sha256 of stable JSON, 16 hex digits. */
export const shortDigest = (value: unknown): string => createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);

/**
 * `<base>-<digest>`: the digest over every input of the container (the image id, config and gate
 * labels included), so a change that replaces it also renames it. Resolved once all are known.
 */
export function generationName(base: string, inputs: ContainerArgs): pulumi.Output<string> {
  // Not secret: 8 hex digits of a digest over many values say nothing of a secret among them
  // (the config digest label already carries them), and a name shown as [secret] helps no one.
  return pulumi.unsecret(pulumi.output(inputs).apply((resolved) => `${base}-${shortDigest({ ...resolved, name: base }).slice(0, 8)}`));
}

/**
 * The resource option a container named by generationName needs to be replaced create-before-
 * delete: the provider asks for delete-before-create on every container (pulumi-docker gives its
 * Container `DeleteBeforeReplace`, for fixed names), and Pulumi follows it unless told otherwise.
 */
export const CREATE_BEFORE_DELETE = { deleteBeforeReplace: false } as const;
