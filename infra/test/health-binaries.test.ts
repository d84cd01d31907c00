// Health checks (and one-shot commands) run only programs their pinned image carries.
import { describe, expect, it } from 'vitest';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { BUILT_IMAGE_DOCKERFILES, IMAGE_BINARIES, programsOf, type BuiltImageKey } from '../topology/health-binaries.js';
import { DEFAULT_IMAGES, PINNED_IMAGE_KEYS, withoutDigest, type PinnedImageKey } from '../topology/images.js';
import type { Component } from '../topology/types.js';

const topo = buildTopology(parseStackConfig({}), 'dev');
const imageKey = (c: Component): PinnedImageKey | BuiltImageKey => {
  if (c.image.kind === 'build') {
    const { dockerfile } = c.image;
    const key = (Object.keys(BUILT_IMAGE_DOCKERFILES) as BuiltImageKey[]).find((k) => BUILT_IMAGE_DOCKERFILES[k] === dockerfile);
    if (!key) throw new Error(`${c.name}: ${dockerfile} is not a known Dockerfile`);
    return key;
  }
  const ref = c.image.ref;
  const key = PINNED_IMAGE_KEYS.find((k) => DEFAULT_IMAGES[k] === ref);
  if (!key) throw new Error(`${c.name}: ${ref} is not a default image`);
  return key;
};
/** What the topology runs in each container besides the image's own entrypoint. */
const programsRun = (c: Component): string[] => [
  ...programsOf(c.health?.test),
  ...(c.oneShot ? programsOf([...(c.entrypoint ?? []), ...((c.command ?? []) as string[])]) : []),
];

describe('health checks use only binaries present in the pinned images', () => {
  it('lists, per image, what each check runs and the source it was checked against', () => {
    const table: Record<string, { image: string; runs: string[]; checkedAgainst: string }> = {};
    for (const c of topo.components) {
      const runs = programsRun(c);
      if (runs.length === 0) continue;
      const entry = IMAGE_BINARIES[imageKey(c)];
      for (const p of runs) expect([c.name, p, entry.binaries.includes(p)]).toEqual([c.name, p, true]);
      table[c.name] = { image: entry.ref, runs, checkedAgainst: `${entry.checked}: ${entry.source}` };
    }
    expect(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, `${v.image}: ${v.runs.join(' ')}`]))).toEqual({
      nginx: 'nginx:1.28.0-alpine: wget',
      app: 'app/Dockerfile: node',
      pgbouncer: 'edoburu/pgbouncer:v1.23.1-p2: pg_isready',
      postgres: 'infra/images/postgres-pgbackrest/Dockerfile: pg_isready',
      'set-db-password': 'postgres:15.13-alpine: psql',
      redis: 'redis:7.2.5-alpine: sh cat redis-cli grep',
      prometheus: 'prom/prometheus:v2.55.1: wget',
      alertmanager: 'prom/alertmanager:v0.27.0: wget',
      grafana: 'grafana/grafana:11.3.1: wget',
      'set-grafana-password': 'grafana/grafana:11.3.1: sh grafana',
      loki: 'grafana/loki:3.3.2: wget',
      'docker-socket-proxy': 'tecnativa/docker-socket-proxy:0.3.0: wget',
      migrate: 'app/Dockerfile: node',
      'blackbox-exporter': 'prom/blackbox-exporter:v0.25.0: wget',
      'node-exporter': 'prom/node-exporter:v1.8.2: wget',
      'postgres-exporter': 'prometheuscommunity/postgres-exporter:v0.16.0: wget',
      'pgbouncer-exporter': 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1: wget',
    });
    for (const v of Object.values(table)) expect(v.checkedAgainst.length).toBeGreaterThan(20);
  });

  it('was checked against the tag now pinned: an image upgrade needs a new check', () => {
    for (const key of PINNED_IMAGE_KEYS) expect([key, withoutDigest(DEFAULT_IMAGES[key])]).toEqual([key, IMAGE_BINARIES[key].ref]);
  });

  it('finds every program of a shell check', () => {
    expect(programsOf(['CMD-SHELL', 'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli ping | grep -qx PONG'])).toEqual(['sh', 'cat', 'redis-cli', 'grep']);
    expect(programsOf(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://x'])).toEqual(['wget']);
    expect(programsOf(['NONE'])).toEqual([]);
  });
});
