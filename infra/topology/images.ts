// Pinned images: `name:tag@sha256:<digest>`. The digest decides what runs (the tag is for
// people); a tag alone can be re-pushed under the same name. Versions are chosen so that the
// config checked here by Debian's validators (nginx 1.22, promtool 2.42, amtool 0.25,
// pgbouncer 1.18) is the config deployed.
//
// No registry is reachable where this was written, so every digest below was copied from a
// public repository that pins the same `name:tag` (found by exact-string search of public
// GitHub sources, 2026-11-30), never computed or guessed. Where the tag first chosen had no
// published digest, the nearest tag with one was taken, with the same config format. Before a
// first deploy, `docker buildx imagetools inspect NAME:TAG` on a connected machine should
// print the same digest (official images are rebuilt now and then: a different but valid
// digest for the tag is possible; the pinned one stays pullable).
//
// Where each digest was seen (the public file pinning exactly this reference):
// - nginx:1.28.0-alpine (was 1.26.3; 1.27.3 brought `resolve` on upstream servers to open
//   source nginx, which the AWS placement needs to follow the app's tasks through Cloud Map):
//   seven public files, Dockerfiles (`FROM nginx:1.28.0-alpine@sha256:30f1c0d7...`), a CI
//   script and an evidence document, all the same digest.
// - edoburu/pgbouncer:v1.23.1-p2: a Terraform module's `pgbouncer` variable default and a
//   shell script writing `PGBOUNCER_IMAGE=...` (same digest in both).
// - postgres:15.13-alpine (was 15.10-alpine, no digest found): a multi-stage Dockerfile
//   (`FROM postgres:15.13-alpine@sha256:5402d0a1... AS pg15`).
// - redis:7.2.5-alpine: a compose file (`compose.phase2.yml`) and a crawler's shell script
//   (`REDIS_IMAGE=...`), plus several documents quoting the same digest.
// - prom/prometheus:v2.55.1 (was v2.53.3, no digest found; still Prometheus 2.x, the config
//   promtool 2.42 checks): `deploy/compose/monitoring.yml` of one repository, a PowerShell
//   script's `$prometheusImage` default and several pin tables, all the same digest.
// - prom/alertmanager:v0.27.0: an Ansible compose module (`compose-modules/alertmanager.yml`)
//   and a Terraform image map.
// - grafana/grafana:11.3.1: a NixOS `virtualisation.oci-containers` module and a Dockerfile
//   (`FROM grafana/grafana:11.3.1@sha256:fa801ab6...`).
// - grafana/loki:3.3.2: NixOS container modules and a pin table (same digest in each).
// - grafana/alloy:v1.6.1 (was v1.5.1, no digest found; same River syntax for
//   discovery.docker / loki.source.docker / loki.write): a NixOS container module.
// - nginx/nginx-prometheus-exporter:1.4.2 (was 1.3.0, no digest found; same flags): a
//   Terraform `terraform_data "nginx_exporter"` input.
// - prometheuscommunity/postgres-exporter:v0.16.0: a pin table of a monitoring stack.
// - quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1 (was Docker Hub's v0.10.2, no
//   digest found; same flags, same metric names, needs PgBouncer >= 1.8): a Go test's
//   `exporterImage` constant.
// - oliver006/redis_exporter:v1.66.0: an operator's `DefaultMetricsExporterImage`
//   (`api/v1/valkey_types.go`), documented there as the multi-arch index digest.
// - tecnativa/docker-socket-proxy:0.3.0: compose files and tests of several repositories
//   (`docker-compose.host-tools.yml` and others), all the same digest.
// - prom/blackbox-exporter:v0.25.0 (same module format as Debian's 0.23): a monitoring stack's
//   deploy/monitoring/docker-compose.yml pin table and a shell script's BLACKBOX_IMAGE, both beside
//   the prom/alertmanager:v0.27.0 digest pinned here too.

// - prom/node-exporter:v1.8.2 (PostgreSQL's disk, statfs of its volume): many public pin tables
//   and compose files with the same digest (sha256:4032c6d5...).

export const DEFAULT_IMAGES = {
  nginx: 'nginx:1.28.0-alpine@sha256:30f1c0d78e0ad60901648be663a710bdadf19e4c10ac6782c235200619158284',
  pgbouncer: 'edoburu/pgbouncer:v1.23.1-p2@sha256:122bac472cfb0b92dca81a72421c93c3c5a840899e2002690a39742427cfcd49',
  postgres: 'postgres:15.13-alpine@sha256:5402d0a13eab398c7c38f1b90af081d7f9e5977606ed869cecdb661403f6586a',
  redis: 'redis:7.2.5-alpine@sha256:6aaf3f5e6bc8a592fbfe2cccf19eb36d27c39d12dab4f4b01556b7449e7b1f44',
  prometheus: 'prom/prometheus:v2.55.1@sha256:2659f4c2ebb718e7695cb9b25ffa7d6be64db013daba13e05c875451cf51b0d3',
  alertmanager: 'prom/alertmanager:v0.27.0@sha256:e13b6ed5cb929eeaee733479dce55e10eb3bc2e9c4586c705a4e8da41e5eacf5',
  grafana: 'grafana/grafana:11.3.1@sha256:fa801ab6e1ae035135309580891e09f7eb94d1abdbd2106bdc288030b028158c',
  loki: 'grafana/loki:3.3.2@sha256:8af2de1abbdd7aa92b27c9bcc96f0f4140c9096b507c77921ffddf1c6ad6c48f',
  alloy: 'grafana/alloy:v1.6.1@sha256:25db7cff68ec18a4991bed5205589229f3a5b60168ce4db7313ad8e4a997adec',
  'nginx-exporter': 'nginx/nginx-prometheus-exporter:1.4.2@sha256:6edfb73afd11f2d83ea4e8007f5068c3ffaa38078a6b0ad1339e5bd2f637aacd',
  'postgres-exporter': 'prometheuscommunity/postgres-exporter:v0.16.0@sha256:6999a7657e2f2fb0ca6ebf417213eebf6dc7d21b30708c622f6fcb11183a2bb0',
  'pgbouncer-exporter': 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1@sha256:30f31b6c2efdad3647f8182cc7c1a3a19e42bae5d17387694989f969371c230d',
  'redis-exporter': 'oliver006/redis_exporter:v1.66.0@sha256:d98e6db8094f491b95791e9f776b0ba30a20aeacb90e18334935d5e51bf2e6a1',
  'docker-socket-proxy': 'tecnativa/docker-socket-proxy:0.3.0@sha256:9e4b9e7517a6b660f2cc903a19b257b1852d5b3344794e3ea334ff00ae677ac2',
  'blackbox-exporter': 'prom/blackbox-exporter:v0.25.0@sha256:b04a9fef4fa086a02fc7fcd8dcdbc4b7b35cc30cdee860fdc6a19dd8b208d63e',
  'node-exporter': 'prom/node-exporter:v1.8.2@sha256:4032c6d5bfd752342c3e631c2f1de93ba6b86c41db6b167b9a35372c139e7706',
} as const;

export type PinnedImageKey = keyof typeof DEFAULT_IMAGES;
export const PINNED_IMAGE_KEYS = Object.keys(DEFAULT_IMAGES) as PinnedImageKey[];

/**
 * Default images still pinned by tag only, each with the reason. Empty today: every default
 * above carries a digest. A tag that cannot be pinned yet goes here (never an invented
 * digest), so the gap stays visible; a test fails on any default missing from both.
 */
export const NOT_YET_PINNED: Readonly<Partial<Record<PinnedImageKey, string>>> = {};

/** `name:tag@sha256:<64 hex>`: a tag for people, a digest for the engine. */
export const DIGEST_PINNED = /^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/;

/** The reference without its digest (`name:tag`): stable across a digest bump. */
export const withoutDigest = (ref: string): string => ref.replace(/@sha256:[0-9a-f]{64}$/, '');
