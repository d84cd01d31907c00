// The engine tier's global setup: one dockerd of its own for every test file (state in a
// temporary folder, removed afterwards), the stand-in base image and the app image built from
// app/Dockerfile on it. Test files reach the engine through inject('engine').
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureAppImage } from './app-image.js';
import { ensureBaseImage } from './base-image.js';
import { DockerClient, Dockerd } from './docker.js';

export interface EngineInfo {
  dockerHost: string;
  baseImage: string;
  appImage: string;
  appImageId: string;
  appImageSource: 'built' | 'loaded' | 'present';
  storageDriver: string;
  /** Seconds spent in each setup step, for the report. */
  setupSeconds: Record<string, number>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    engine: EngineInfo;
  }
}

const log = (msg: string) => process.stderr.write(`[engine] ${msg}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const seconds: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      seconds[name] = Math.round((Date.now() - t0) / 100) / 10;
      log(`${name}: ${seconds[name]} s`);
    }
  };
  // An engine of the caller's (SHORTSTACK_ENGINE_DOCKER_HOST, e.g. while writing a test): used
  // as it is, its images reused, and left running afterwards.
  const given = process.env.SHORTSTACK_ENGINE_DOCKER_HOST;
  const dockerd = given ? undefined : new Dockerd({ dir: mkdtempSync(join(tmpdir(), 'shortstack-engine-')) });
  const client = dockerd?.client ?? new DockerClient(given!);
  if (dockerd) {
    await step('dockerd', () => dockerd.start());
    log(`dockerd at ${dockerd.host} (storage driver ${dockerd.storageDriver})`);
  } else if (!(await client.answers())) {
    throw new Error(`SHORTSTACK_ENGINE_DOCKER_HOST=${given}: no engine answers there`);
  }
  const storageDriver = dockerd?.storageDriver ?? await client.out(['info', '--format', '{{.Driver}}']);
  try {
    const baseImage = await step('base image', () => ensureBaseImage(client, log));
    const app = await step('app image', () => ensureAppImage(client, { base: baseImage, log, echo: process.env.SHORTSTACK_ENGINE_VERBOSE === '1' }));
    const bytes = Number(await client.out(['image', 'inspect', '--format', '{{.Size}}', app.tag]));
    log(`app image ${app.tag} ${app.id.slice(0, 19)} (${app.source}), ${(bytes / 1e6).toFixed(0)} MB`);
    project.provide('engine', {
      dockerHost: client.host,
      baseImage,
      appImage: app.tag,
      appImageId: app.id,
      appImageSource: app.source,
      storageDriver,
      setupSeconds: seconds,
    });
  } catch (err) {
    if (dockerd) {
      log(`setup failed; dockerd log tail:\n${dockerd.logTail()}`);
      await dockerd.stop();
    }
    throw err;
  }
  return async () => {
    if (!dockerd) return;
    const t0 = Date.now();
    await dockerd.stop({ log });
    log(`teardown: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
}
