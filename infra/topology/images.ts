// Pinned images. Versions are chosen so that the config checked here by Debian's validators
// (nginx 1.22, promtool 2.42, amtool 0.25, pgbouncer 1.18) is the config deployed.

export const DEFAULT_IMAGES = {
  nginx: 'nginx:1.26.3-alpine',
  pgbouncer: 'edoburu/pgbouncer:v1.23.1-p2',
  postgres: 'postgres:15.10-alpine',
  redis: 'redis:7.2.5-alpine',
  prometheus: 'prom/prometheus:v2.53.3',
  alertmanager: 'prom/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.3.1',
  loki: 'grafana/loki:3.3.2',
  alloy: 'grafana/alloy:v1.5.1',
  'nginx-exporter': 'nginx/nginx-prometheus-exporter:1.3.0',
  'postgres-exporter': 'prometheuscommunity/postgres-exporter:v0.16.0',
  'pgbouncer-exporter': 'prometheuscommunity/pgbouncer-exporter:v0.10.2',
  'redis-exporter': 'oliver006/redis_exporter:v1.66.0',
} as const;

export type PinnedImageKey = keyof typeof DEFAULT_IMAGES;
export const PINNED_IMAGE_KEYS = Object.keys(DEFAULT_IMAGES) as PinnedImageKey[];
