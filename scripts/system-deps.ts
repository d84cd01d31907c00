// Ensures the Debian servers the tests and the loopback stack run are installed.
// As root it installs what is missing; otherwise it names the apt command to run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Debian package -> a file it installs that proves it is there. */
export const SYSTEM_PACKAGES: Readonly<Record<string, string>> = {
  postgresql: '/usr/lib/postgresql/15/bin/postgres',
  // psql streams COPY for the scale benchmark.
  'postgresql-client': '/usr/bin/psql',
  pgbouncer: '/usr/sbin/pgbouncer',
  // WAL archiving, backups and point-in-time restores of the loopback PostgreSQL.
  pgbackrest: '/usr/bin/pgbackrest',
  'redis-server': '/usr/bin/redis-server',
  nginx: '/usr/sbin/nginx',
  prometheus: '/usr/bin/prometheus',
  'prometheus-alertmanager': '/usr/bin/prometheus-alertmanager',
  'prometheus-postgres-exporter': '/usr/bin/prometheus-postgres-exporter',
  'prometheus-redis-exporter': '/usr/bin/prometheus-redis-exporter',
  'prometheus-pgbouncer-exporter': '/usr/bin/prometheus-pgbouncer-exporter',
  'prometheus-nginx-exporter': '/usr/bin/prometheus-nginx-exporter',
  // The edge SLI's prober.
  'prometheus-blackbox-exporter': '/usr/bin/prometheus-blackbox-exporter',
  'prometheus-node-exporter': '/usr/bin/prometheus-node-exporter',
  // Let's Encrypt's test ACME server: the loopback stack's HTTPS (npm run local -- --tls) and its e2e test.
  pebble: '/usr/bin/pebble',
  // The README's curl quickstart, run as written by its test; the Docker backup container renders
  // its figures from `pgbackrest info` with jq, and its test runs that here.
  curl: '/usr/bin/curl',
  jq: '/usr/bin/jq',
};

/** What the engine tier (npm run test:engine) needs besides: a Docker engine, and debootstrap for its base image. */
export const ENGINE_PACKAGES: Readonly<Record<string, string>> = {
  'docker.io': '/usr/sbin/dockerd',
  debootstrap: '/usr/sbin/debootstrap',
};

export function missingPackages(packages: Readonly<Record<string, string>> = SYSTEM_PACKAGES): string[] {
  return Object.entries(packages)
    .filter(([, probe]) => !existsSync(probe))
    .map(([pkg]) => pkg);
}

function main(): void {
  const wanted = process.argv.includes('--engine') ? { ...SYSTEM_PACKAGES, ...ENGINE_PACKAGES } : SYSTEM_PACKAGES;
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`missing system packages: ${missing.join(', ')}\nrun as root: ${command}`);
    process.exit(1);
  }
  console.log(`installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = missingPackages(wanted);
  if (still.length > 0) {
    console.error(`still missing after install: ${still.join(', ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
