// A stand-in for the pinned PgBouncer image (edoburu/pgbouncer:v1.23.1-p2), for engines that
// cannot reach a registry: Debian's PgBouncer on the engine tier's bookworm base, with what the
// Docker placement relies on: /usr/bin/pgbouncer (the placement's entrypoint), pg_isready on
// PATH (its health check), the `postgres` user with uid/gid 70 (its --user 70:70), and
// /etc/pgbouncer owned by it. Differences: PgBouncer 1.18 (Debian's) instead of 1.23, glibc,
// and no /entrypoint.sh that writes pgbouncer.ini from environment variables (the placement
// replaces that entrypoint with its own rendered file): this image starts pgbouncer directly.
import type { Log } from './base-image.js';
import type { DockerClient } from './docker.js';
import { PG_MAJOR } from './postgres-image.js';
import { ensureStandIn, type StandInRecipe } from './stand-in.js';

export const PGBOUNCER_RECIPE: StandInRecipe = {
  name: 'shortstack-engine/pgbouncer',
  dockerfile: (base) => [
    `FROM ${base}`,
    'RUN groupadd -r -g 70 postgres && useradd -r -u 70 -g postgres -d /var/lib/postgresql -M -s /bin/sh postgres',
    // postgresql-client for pg_isready; Debian installs pgbouncer in sbin, the image in bin.
    `RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends pgbouncer postgresql-client-${PG_MAJOR} && rm -rf /var/lib/apt/lists/* \\`,
    ' && ln -s /usr/sbin/pgbouncer /usr/bin/pgbouncer \\',
    ' && mkdir -p /etc/pgbouncer /var/log/pgbouncer /var/run/pgbouncer && chown -R postgres /var/run/pgbouncer /etc/pgbouncer',
    `ENV PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    'USER postgres',
    'EXPOSE 5432',
    'ENTRYPOINT []',
    'CMD ["/usr/bin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]',
    '',
  ].join('\n'),
};

/** The stand-in in this engine: present, loaded from the cache, or built (stand-in.ts). */
export function ensurePgbouncerStandIn(docker: DockerClient, base: string, log?: Log): Promise<string> {
  return ensureStandIn(docker, PGBOUNCER_RECIPE, base, log);
}
