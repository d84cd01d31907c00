// The app image, built for real from app/Dockerfile by the legacy builder (the only one this
// engine has), on a base given by NODE_IMAGE (the stand-in from base-image.ts here).
//
// A fresh engine has no build cache, so every run would repeat the `npm ci` and the compile. The
// built image is therefore also kept as a `docker save` archive in the cache folder, named by a
// hash of everything the Dockerfile reads (the Dockerfile, the manifests, tsconfigs, app/src,
// app/migrations, .dockerignore) and of the base recipe: an unchanged tree loads it back, any
// change rebuilds. SHORTSTACK_ENGINE_REBUILD=1 always builds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, recipeHash, type Log } from './base-image.js';
import type { DockerClient } from './docker.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The build context: this checkout, or SHORTSTACK_ENGINE_CONTEXT (another checkout or a snapshot of one). */
export function contextRoot(): string {
  return process.env.SHORTSTACK_ENGINE_CONTEXT || REPO_ROOT;
}
export const APP_TAG = 'shortstack-engine/app:test';

/** What app/Dockerfile copies into the image, plus the Dockerfile and the ignore file. */
const CONTEXT_INPUTS = ['app/Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'app/tsconfig.build.json', 'app/src', 'app/migrations'];

function filesBelow(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((e) => filesBelow(join(path, e)));
}

export function contextHash(root = contextRoot()): string {
  const h = createHash('sha256');
  h.update(`base ${recipeHash()}\n`);
  for (const input of CONTEXT_INPUTS) {
    const full = join(root, input);
    if (!existsSync(full)) continue;
    for (const file of filesBelow(full)) {
      h.update(`${relative(root, file)}\n`);
      h.update(readFileSync(file));
    }
  }
  return h.digest('hex').slice(0, 16);
}

export interface AppImageOptions {
  base: string;
  tag?: string;
  root?: string;
  log?: Log;
  /** Print the build's output as it runs. */
  echo?: boolean;
}

export interface AppImage {
  tag: string;
  id: string;
  /** 'built' on a cache miss, 'loaded' from the saved archive, 'present' already in this engine. */
  source: 'built' | 'loaded' | 'present';
}

/** DOCKER_BUILDKIT=0 docker build --network host --build-arg NODE_IMAGE=<base> -f app/Dockerfile . */
export async function buildAppImage(docker: DockerClient, opts: AppImageOptions): Promise<string> {
  const tag = opts.tag ?? APP_TAG;
  const root = opts.root ?? contextRoot();
  await docker.run(
    ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${opts.base}`, '-f', 'app/Dockerfile', '-t', tag, '.'],
    { cwd: root, env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 30 * 60_000, echo: opts.echo },
  );
  return tag;
}

export async function ensureAppImage(docker: DockerClient, opts: AppImageOptions): Promise<AppImage> {
  const log = opts.log ?? (() => undefined);
  const tag = opts.tag ?? APP_TAG;
  const hash = contextHash(opts.root);
  const hashTag = `${tag.split(':')[0]}:ctx-${hash}`;
  const rebuild = process.env.SHORTSTACK_ENGINE_REBUILD === '1';
  const id = async () => docker.out(['image', 'inspect', '--format', '{{.Id}}', tag]);
  if (!rebuild && await docker.inspect('image', hashTag)) {
    await docker.run(['tag', hashTag, tag]);
    return { tag, id: await id(), source: 'present' };
  }
  const dir = join(cacheDir(), 'app-images');
  const archive = join(dir, `app-${hash}.tar`);
  if (!rebuild && existsSync(archive)) {
    log(`docker load ${archive}`);
    await docker.run(['load', '-i', archive], { timeoutMs: 20 * 60_000 });
    await docker.run(['tag', hashTag, tag]);
    return { tag, id: await id(), source: 'loaded' };
  }
  log(`building ${tag} from app/Dockerfile on ${opts.base} (context ${hash})`);
  await buildAppImage(docker, { ...opts, tag });
  await docker.run(['tag', tag, hashTag]);
  // Keep only the newest archive: older trees are not coming back often enough to pay for the disk.
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
  const partial = `${archive}.partial-${process.pid}`;
  await docker.run(['save', '-o', partial, hashTag], { timeoutMs: 20 * 60_000 });
  renameSync(partial, archive);
  return { tag, id: await id(), source: 'built' };
}
