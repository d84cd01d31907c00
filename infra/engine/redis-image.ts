// A stand-in for the pinned Redis image (redis:7.2.5-alpine), for engines that cannot reach a
// registry: Debian's Redis on the engine tier's bookworm base, with what the Docker placement
// relies on: redis-server and redis-cli on PATH (its command and health check), the `redis` user
// with uid 999 and gid 1000 (Alpine's, which its --user 999:1000 names; the base image's `node`
// user, 1000:1000, is removed to free the gid), WORKDIR and VOLUME /data owned by it, and an
// entrypoint of our own with the official one's rules: a first argument that is an option or a
// `.conf` file means `redis-server ...`, umask 0077 when it was 0022, then `exec "$@"`.
// Differences: Redis 7.0 (Debian's) instead of 7.2, glibc, no su-exec step-down from root (the
// placement never starts it as root: as root this entrypoint refuses), and no `--protected-mode
// no` added when no config file is given (the placement always gives one, with a password).
import type { Log } from './base-image.js';
import type { DockerClient } from './docker.js';
import { ensureStandIn, type StandInRecipe } from './stand-in.js';

const ENTRYPOINT = `#!/bin/sh
# The stand-in's entrypoint (see infra/engine/redis-image.ts): the official image's contract.
set -e
if [ "\${1#-}" != "$1" ] || [ "\${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  echo "this stand-in does not step down from root: run it with --user 999:1000" >&2
  exit 1
fi
if [ "$(umask)" = 0022 ]; then umask 0077; fi
exec "$@"
`;

export const REDIS_RECIPE: StandInRecipe = {
  name: 'shortstack-engine/redis',
  dockerfile: (base) => [
    `FROM ${base}`,
    'RUN userdel node && (getent group node >/dev/null && groupdel node || true) \\',
    ' && groupadd -r -g 1000 redis && useradd -r -u 999 -g redis -d /data -M -s /bin/sh redis',
    'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server redis-tools && rm -rf /var/lib/apt/lists/* \\',
    ' && mkdir /data && chown redis:redis /data',
    'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh',
    'VOLUME /data',
    'WORKDIR /data',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'EXPOSE 6379',
    'CMD ["redis-server"]',
    '',
  ].join('\n'),
  files: { 'docker-entrypoint.sh': { content: ENTRYPOINT, mode: 0o755 } },
};

/** The stand-in in this engine: present, loaded from the cache, or built (stand-in.ts). */
export function ensureRedisStandIn(docker: DockerClient, base: string, log?: Log): Promise<string> {
  return ensureStandIn(docker, REDIS_RECIPE, base, log);
}
