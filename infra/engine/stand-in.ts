// Stand-in images for pinned upstream images an engine cannot pull (no registry here): each is a
// Dockerfile on the tier's bookworm base with Debian's packages, built by the legacy builder with
// apt over the host network, and kept as a `docker save` archive in the cache folder. The tag
// ends in a digest of the recipe (the Dockerfile, its files and the base recipe), so a changed
// recipe is a new image and an unchanged one is loaded back instead of built.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, recipeHash, type Log } from './base-image.js';
import type { DockerClient } from './docker.js';

export interface StandInRecipe {
  /** Repository part of the tag, e.g. `shortstack-engine/postgres`. */
  name: string;
  /** The Dockerfile, given the base image's tag. */
  dockerfile: (base: string) => string;
  /** Files of the build context (COPY sources), by name: content and mode. */
  files?: Record<string, { content: string; mode: number }>;
  /** `--build-arg`s (a product Dockerfile's ARGs, as its placement passes them). */
  buildArgs?: Record<string, string>;
}

/** `<name>:bookworm-<digest of the recipe>`. */
export function standInTag(recipe: StandInRecipe): string {
  const h = createHash('sha256').update(`base ${recipeHash()}\n`).update(recipe.dockerfile('BASE'));
  for (const [file, f] of Object.entries(recipe.files ?? {}).sort(([a], [b]) => a.localeCompare(b))) h.update(`\n${file} ${f.mode.toString(8)}\n`).update(f.content);
  for (const [k, v] of Object.entries(recipe.buildArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) h.update(`\narg ${k}=${v}`);
  return `${recipe.name}:bookworm-${h.digest('hex').slice(0, 12)}`;
}

/** The stand-in in this engine: present, loaded from the cache, or built (apt over the host network). */
export async function ensureStandIn(docker: DockerClient, recipe: StandInRecipe, base: string, log: Log = () => undefined): Promise<string> {
  const tag = standInTag(recipe);
  if (await docker.inspect('image', tag)) return tag;
  const stem = recipe.name.replace(/[^a-z0-9]+/g, '-');
  const archive = join(cacheDir(), 'stand-ins', `${stem}-${tag.split(':')[1]}.tar`);
  if (existsSync(archive)) {
    await docker.run(['load', '-i', archive], { timeoutMs: 10 * 60_000 });
    return tag;
  }
  log(`building ${tag} on ${base}`);
  mkdirSync(join(cacheDir(), 'stand-ins'), { recursive: true });
  const ctx = mkdtempSync(join(cacheDir(), 'stand-in-build-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), recipe.dockerfile(base));
    for (const [file, f] of Object.entries(recipe.files ?? {})) {
      writeFileSync(join(ctx, file), f.content);
      chmodSync(join(ctx, file), f.mode);
    }
    const args = Object.entries(recipe.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await docker.run(['build', '--force-rm', '--network', 'host', ...args, '-t', tag, ctx], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 15 * 60_000 });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  // One archive per stand-in: an older recipe's is not coming back.
  for (const f of readdirSync(join(cacheDir(), 'stand-ins'))) {
    if (f.startsWith(`${stem}-bookworm-`) && join(cacheDir(), 'stand-ins', f) !== archive) rmSync(join(cacheDir(), 'stand-ins', f), { force: true });
  }
  const partial = `${archive}.partial-${process.pid}`;
  await docker.run(['save', '-o', partial, tag], { timeoutMs: 10 * 60_000 });
  renameSync(partial, archive);
  return tag;
}
