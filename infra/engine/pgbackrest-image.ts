// A stand-in for the Docker placement's postgres-pgbackrest image, for engines that cannot pull
// its base: the product's own Dockerfile (infra/images/postgres-pgbackrest/Dockerfile), built
// FROM the postgres stand-in (postgres-image.ts) with the build arguments the graph gives it, and
// one line changed: Alpine's `apk add 'pgbackrest~MAJOR' jq` becomes Debian's
// `apt-get install 'pgbackrest=MAJOR.*' jq` (bookworm: pgBackRest 2.45, jq 1.6). Everything
// else runs as written: `pgbackrest version`, the repository and figures folders with their
// owner and modes. Differences: those of the postgres stand-in, and Debian's pgBackRest build
// (2.45, the loopback stack's) instead of Alpine's current 2.x.
import { readFileSync } from 'node:fs';
import type { Log } from './base-image.js';
import type { DockerClient } from './docker.js';
import { ensurePostgresStandIn } from './postgres-image.js';
import { ensureStandIn, type StandInRecipe } from './stand-in.js';

const DOCKERFILE = new URL('../images/postgres-pgbackrest/Dockerfile', import.meta.url);
const APK_LINE = /apk add --no-cache 'pgbackrest~(\d+)' jq/;

/** The product Dockerfile with Debian's packages for Alpine's; throws when its apk line changed. */
export function debianDockerfile(product: string): string {
  const match = APK_LINE.exec(product);
  if (!match) throw new Error(`the postgres-pgbackrest Dockerfile no longer installs pgBackRest as ${String(APK_LINE)}: update the stand-in`);
  return product.replace(APK_LINE, `apt-get update -qq && apt-get install -y -qq --no-install-recommends 'pgbackrest=${match[1]}.*' jq && rm -rf /var/lib/apt/lists/*`);
}

/**
 * The recipe, given the postgres stand-in's tag and the graph's build arguments (POSTGRES_IMAGE,
 * the graph's pinned upstream, is replaced by the stand-in). The arguments are in the tag's
 * digest, so a new postgres stand-in makes a new image.
 */
export function pgbackrestRecipe(postgresStandIn: string, graphArgs: Record<string, string>): StandInRecipe {
  return {
    name: 'shortstack-engine/postgres-pgbackrest',
    dockerfile: () => debianDockerfile(readFileSync(DOCKERFILE, 'utf8')),
    buildArgs: { ...graphArgs, POSTGRES_IMAGE: postgresStandIn },
  };
}

/** The stand-in in this engine (and the postgres stand-in under it): present, loaded from the cache, or built. */
export async function ensurePgbackrestStandIn(docker: DockerClient, base: string, graphArgs: Record<string, string>, log?: Log): Promise<string> {
  const postgres = await ensurePostgresStandIn(docker, base, log);
  return ensureStandIn(docker, pgbackrestRecipe(postgres, graphArgs), base, log);
}
