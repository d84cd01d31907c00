// Makes the local stand-in for node:24-bookworm-slim (and, with --app, the app image on it) in a
// Docker engine that cannot reach a registry. Idempotent: the slow parts are cached under
// SHORTSTACK_ENGINE_CACHE (default ~/.cache/shortstack-engine), and an image already present is
// reused.
//
//   tsx scripts/engine-image.ts [--app]
//
// With DOCKER_HOST set, the images land in that engine. Without it, a throwaway dockerd is
// started in a temporary folder and removed afterwards: that only warms the cache.
// Then, against your engine:
//   DOCKER_BUILDKIT=0 docker build --network host \
//     --build-arg NODE_IMAGE=shortstack-engine/node:24.21.0-bookworm-slim -f app/Dockerfile .
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureAppImage } from '../infra/engine/app-image.js';
import { ensureBaseImage } from '../infra/engine/base-image.js';
import { DockerClient, Dockerd } from '../infra/engine/docker.js';

async function main(): Promise<void> {
  const wantApp = process.argv.includes('--app');
  const log = (msg: string) => console.error(`[engine-image] ${msg}`);
  const started = Date.now();
  let dockerd: Dockerd | undefined;
  let docker: DockerClient;
  if (process.env.DOCKER_HOST) {
    docker = new DockerClient(process.env.DOCKER_HOST);
  } else {
    dockerd = new Dockerd({ dir: mkdtempSync(join(tmpdir(), 'shortstack-engine-')) });
    log(`no DOCKER_HOST: starting a throwaway dockerd in ${dockerd.dir} (this only warms the cache)`);
    await dockerd.start();
    docker = dockerd.client;
  }
  try {
    const base = await ensureBaseImage(docker, log);
    console.log(base);
    if (wantApp) {
      const app = await ensureAppImage(docker, { base, log, echo: true });
      console.log(`${app.tag} ${app.id} (${app.source})`);
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await dockerd?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
