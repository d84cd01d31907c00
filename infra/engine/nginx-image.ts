// A stand-in for the pinned nginx image (nginx:1.28.0-alpine), for engines that cannot reach a
// registry: Debian's nginx on the engine tier's bookworm base. It has what the Docker placement
// relies on in the real image: `nginx` and `sh`, `kill`, `find`, `cp`, `mv`, `wget` (its health
// check; busybox's in the real image) on PATH, and runs as any uid (the placement sets 101:101). Differences: nginx 1.22, whose upstream `server` has no
// `resolve` parameter (the tests that use it say how they adapt the rendered file), and glibc.
import type { Log } from './base-image.js';
import type { DockerClient } from './docker.js';
import { ensureStandIn, type StandInRecipe } from './stand-in.js';

/**
 * A rendered nginx.conf as nginx before 1.27.3 takes it (the stand-in, and Debian's nginx in the
 * main suite's nginx -t): no `resolve` on upstream servers, no resolver in the upstream block.
 */
export const before1273 = (conf: string) => conf.replace(/ resolve;/g, ';').replace(/^\s*(resolver|resolver_timeout) [^;]*;\n/gm, '');

export const NGINX_RECIPE: StandInRecipe = {
  name: 'shortstack-engine/nginx',
  dockerfile: (base) => [
    `FROM ${base}`,
    'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx-light wget && rm -rf /var/lib/apt/lists/*',
    // The official image's entrypoint and command, reduced to what the placement overrides anyway.
    'ENTRYPOINT []',
    'CMD ["nginx", "-g", "daemon off;"]',
    '',
  ].join('\n'),
};

/**
 * nginx as the pinned image runs it, `resolve` included: Debian's current nginx (sid's, 1.27.3
 * or later) on the same base, with the libraries it needs from sid. For what the 1.22 stand-in
 * cannot show: replicas picked up and dropped by re-resolving their name while nginx runs.
 */
export const NGINX_RESOLVE_RECIPE: StandInRecipe = {
  name: 'shortstack-engine/nginx-resolve',
  dockerfile: (base) => [
    `FROM ${base}`,
    // No expiry check: the Release file a mirror or snapshot serves may be older than sid's week.
    "RUN echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg check-valid-until=no] http://deb.debian.org/debian sid main' > /etc/apt/sources.list.d/sid.list \\",
    ' && apt-get update -qq && apt-get install -y -qq --no-install-recommends -t sid nginx wget \\',
    ' && rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/sid.list \\',
    // Fails the build unless this nginx has what the stand-in is for.
    " && nginx -v 2>&1 | awk -F/ '{ split($2, v, \".\"); exit !(v[1] > 1 || (v[1] == 1 && (v[2] > 27 || (v[2] == 27 && v[3] >= 3)))) }'",
    'ENTRYPOINT []',
    'CMD ["nginx", "-g", "daemon off;"]',
    '',
  ].join('\n'),
};

export function ensureNginxResolveStandIn(docker: DockerClient, base: string, log?: Log): Promise<string> {
  return ensureStandIn(docker, NGINX_RESOLVE_RECIPE, base, log);
}

/** The stand-in in this engine: present, loaded from the cache, or built (stand-in.ts). */
export function ensureNginxStandIn(docker: DockerClient, base: string, log?: Log): Promise<string> {
  return ensureStandIn(docker, NGINX_RECIPE, base, log);
}
