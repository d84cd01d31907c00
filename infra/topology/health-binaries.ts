// The programs each image must carry for what the topology runs in it: its health check, and
// the command of a one-shot. Images cannot be pulled where this is written, so each entry names
// the source it was checked against (the image's Dockerfile, read at the tag where the history
// was at hand, otherwise in its image family). A test fails when a component runs a program not
// listed for its image, or when an image's tag moves past the one checked here: an upgrade is
// re-checked, not assumed (Loki 3.6 dropped busybox, and with it `wget`).
import type { PinnedImageKey } from './images.js';

export interface ImageBinaries {
  /** The image checked: name:tag (the digest pins one build of it). */
  ref: string;
  binaries: string[];
  /** Where the list comes from. */
  source: string;
  /** 'tag': the Dockerfile at exactly this tag; 'family': the image family's Dockerfile, not at the tag. */
  checked: 'tag' | 'family';
}

const BUSYBOX = ['sh', 'wget', 'cat', 'grep'];

/** Images built here, by their Dockerfile: the app, and PostgreSQL with pgBackRest. */
export type BuiltImageKey = 'app' | 'postgres-pgbackrest';
export const BUILT_IMAGE_DOCKERFILES: Record<BuiltImageKey, string> = {
  app: 'app/Dockerfile',
  'postgres-pgbackrest': 'infra/images/postgres-pgbackrest/Dockerfile',
};

export const IMAGE_BINARIES: Record<PinnedImageKey | BuiltImageKey, ImageBinaries> = {
  app: {
    ref: 'app/Dockerfile',
    binaries: ['node'],
    source: 'app/Dockerfile in this repository: FROM node:*-bookworm-slim (node on PATH; its own HEALTHCHECK runs node -e)',
    checked: 'tag',
  },
  nginx: {
    ref: 'nginx:1.28.0-alpine',
    binaries: ['nginx', ...BUSYBOX],
    source: 'nginxinc/docker-nginx stable/alpine-slim/Dockerfile: FROM alpine:3.x (busybox applets: sh, wget, cat, grep)',
    checked: 'family',
  },
  pgbouncer: {
    ref: 'edoburu/pgbouncer:v1.23.1-p2',
    binaries: ['pgbouncer', 'pg_isready', 'psql', ...BUSYBOX],
    source: 'edoburu/docker-pgbouncer Dockerfile at v1.23.1-p2: FROM alpine:3.20, apk add busybox libevent postgresql-client (pg_isready, psql)',
    checked: 'tag',
  },
  postgres: {
    ref: 'postgres:15.13-alpine',
    binaries: ['postgres', 'pg_isready', 'psql', 'bash', ...BUSYBOX],
    source: 'docker-library/postgres 15/alpine3.2x Dockerfile and docker-entrypoint.sh (initdb with local trust; the server install ships psql and pg_isready; alpine busybox)',
    checked: 'family',
  },
  'postgres-pgbackrest': {
    ref: 'infra/images/postgres-pgbackrest/Dockerfile',
    binaries: ['postgres', 'pg_isready', 'psql', 'bash', 'pgbackrest', 'jq', 'date', 'mv', 'sleep', 'printf', ...BUSYBOX],
    source: 'infra/images/postgres-pgbackrest/Dockerfile in this repository: FROM the pinned postgres image (above), apk add pgbackrest~2 jq (busybox applets for the schedule script)',
    checked: 'tag',
  },
  redis: {
    ref: 'redis:7.2.5-alpine',
    binaries: ['redis-server', 'redis-cli', ...BUSYBOX],
    source: 'docker-library/redis 7.2/alpine/Dockerfile: FROM alpine:3.x, make install of redis-server and redis-cli',
    checked: 'family',
  },
  prometheus: {
    ref: 'prom/prometheus:v2.55.1',
    binaries: ['prometheus', 'promtool', ...BUSYBOX],
    source: 'prometheus/prometheus Dockerfile (2.x): FROM quay.io/prometheus/busybox',
    checked: 'family',
  },
  alertmanager: {
    ref: 'prom/alertmanager:v0.27.0',
    binaries: ['alertmanager', 'amtool', ...BUSYBOX],
    source: 'prometheus/alertmanager Dockerfile at v0.27.0: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (later releases moved to distroless: re-check on upgrade)',
    checked: 'tag',
  },
  grafana: {
    ref: 'grafana/grafana:11.3.1',
    binaries: ['grafana', ...BUSYBOX],
    source: 'grafana/grafana Dockerfile (11.x): FROM alpine:3.x, PATH=/usr/share/grafana/bin:$PATH (grafana server and `grafana cli`, --password-from-stdin since 9.1)',
    checked: 'family',
  },
  loki: {
    ref: 'grafana/loki:3.3.2',
    binaries: ['loki', 'sh', 'wget'],
    source: 'grafana/loki cmd/loki/Dockerfile at v3.3.2: FROM gcr.io/distroless/static:debug (busybox in /busybox, on PATH). v3.6 moved to distroless/static:nonroot: no shell, no wget',
    checked: 'tag',
  },
  alloy: {
    ref: 'grafana/alloy:v1.6.1',
    binaries: ['alloy'],
    source: 'grafana/alloy Dockerfile: FROM ubuntu (no health check is run in it)',
    checked: 'family',
  },
  'nginx-exporter': { ref: 'nginx/nginx-prometheus-exporter:1.4.2', binaries: ['nginx-prometheus-exporter'], source: 'scratch image: the exporter alone', checked: 'family' },
  'postgres-exporter': { ref: 'prometheuscommunity/postgres-exporter:v0.16.0', binaries: ['postgres_exporter', ...BUSYBOX], source: 'prometheus-community/postgres_exporter Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox applets)', checked: 'family' },
  'pgbouncer-exporter': { ref: 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1', binaries: ['pgbouncer_exporter', ...BUSYBOX], source: 'prometheus-community/pgbouncer_exporter Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox applets)', checked: 'family' },
  'redis-exporter': { ref: 'oliver006/redis_exporter:v1.66.0', binaries: ['redis_exporter'], source: 'scratch image: the exporter alone', checked: 'family' },
  'node-exporter': {
    ref: 'prom/node-exporter:v1.8.2',
    binaries: ['node_exporter', ...BUSYBOX],
    source: 'prometheus/node_exporter Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox applets)',
    checked: 'family',
  },
  'blackbox-exporter': {
    ref: 'prom/blackbox-exporter:v0.25.0',
    binaries: ['blackbox_exporter', ...BUSYBOX],
    source: 'prometheus/blackbox_exporter Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox applets)',
    checked: 'family',
  },
  'docker-socket-proxy': {
    ref: 'tecnativa/docker-socket-proxy:0.3.0',
    binaries: ['haproxy', ...BUSYBOX],
    source: 'Tecnativa/docker-socket-proxy Dockerfile at v0.3.0: FROM haproxy:2.2-alpine (busybox applets)',
    checked: 'tag',
  },
};

/**
 * The programs a health check or a command runs: the executable of exec form, or of each
 * simple command of a shell string (`A=$(cat f) redis-cli ping | grep -qx PONG` runs sh, cat,
 * redis-cli and grep).
 */
export function programsOf(argv: string[] | undefined): string[] {
  if (!argv || argv.length === 0) return [];
  const [head, ...rest] = argv;
  if (head === 'NONE') return [];
  if (head === 'CMD') return programsOf(rest);
  const shell = head === 'CMD-SHELL' ? 'sh' : /(^|\/)(ba)?sh$/.test(head!) && rest[0] === '-c' ? head!.split('/').pop()! : undefined;
  if (shell === undefined) return [head!.split('/').pop()!];
  const script = head === 'CMD-SHELL' ? rest.join(' ') : (rest[1] ?? '');
  const found = new Set<string>([shell]);
  for (const sub of script.matchAll(/\$\(([^)]*)\)/g)) for (const p of programsOf(['sh', '-c', sub[1]!])) if (p !== 'sh') found.add(p);
  const flat = script.replace(/\$\([^)]*\)/g, 'X').replace(/"[^"]*"|'[^']*'/g, 'X');
  for (const segment of flat.split(/\|\||&&|[|;]/)) {
    const words = segment.trim().split(/\s+/).filter((w) => w !== '' && !/^\w+=/.test(w) && !/^[<>]/.test(w));
    let first = words[0];
    if (first === 'exec') first = words[1];
    if (first) found.add(first.split('/').pop()!);
  }
  return [...found];
}
