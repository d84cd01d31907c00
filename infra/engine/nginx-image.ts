// A stand-in for the pinned nginx image (nginx:1.28.0-alpine), for engines that cannot reach a
// registry: Debian's nginx on the engine tier's bookworm base. It has what the Docker placement
// relies on in the real image: `nginx` and `sh`, `kill`, `find`, `cp`, `mv` on PATH, and runs as
// any uid (the placement sets 101:101). Differences: nginx 1.22, whose upstream `server` has no
// `resolve` parameter (the tests that use it say how they adapt the rendered file), and glibc.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './base-image.js';
import type { DockerClient } from './docker.js';

/**
 * A rendered nginx.conf as nginx before 1.27.3 takes it (the stand-in, and Debian's nginx in the
 * main suite's nginx -t): no `resolve` on upstream servers, no resolver in the upstream block.
 */
export const before1273 = (conf: string) => conf.replace(/ resolve;/g, ';').replace(/^\s*(resolver|resolver_timeout) [^;]*;\n/gm, '');

/** Bump when the Dockerfile below changes. */
const REVISION = 1;
export const NGINX_STAND_IN = `shortstack-engine/nginx:bookworm-${REVISION}`;

const dockerfile = (base: string) => [
  `FROM ${base}`,
  'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx-light && rm -rf /var/lib/apt/lists/*',
  // The official image's entrypoint and command, reduced to what the placement overrides anyway.
  'ENTRYPOINT []',
  'CMD ["nginx", "-g", "daemon off;"]',
  '',
].join('\n');

/** The stand-in in this engine: present, loaded from the cache, or built (apt over the host network). */
export async function ensureNginxStandIn(docker: DockerClient, base: string, log: (m: string) => void = () => undefined): Promise<string> {
  if (await docker.inspect('image', NGINX_STAND_IN)) return NGINX_STAND_IN;
  const archive = join(cacheDir(), `nginx-stand-in-${REVISION}.tar`);
  if (existsSync(archive)) {
    await docker.run(['load', '-i', archive], { timeoutMs: 10 * 60_000 });
    return NGINX_STAND_IN;
  }
  log(`building ${NGINX_STAND_IN} on ${base}`);
  const ctx = mkdtempSync(join(cacheDir(), 'nginx-build-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile(base));
    await docker.run(['build', '--network', 'host', '-t', NGINX_STAND_IN, ctx], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 15 * 60_000 });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  mkdirSync(cacheDir(), { recursive: true });
  const partial = `${archive}.partial-${process.pid}`;
  await docker.run(['save', '-o', partial, NGINX_STAND_IN], { timeoutMs: 10 * 60_000 });
  renameSync(partial, archive);
  return NGINX_STAND_IN;
}
