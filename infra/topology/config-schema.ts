// The stack config (Pulumi.<stack>.yaml, namespace `shortstack`) declared once: every key's
// type, default and error message (config-schema-kit.ts). Keys whose default follows other keys
// are optional here and filled by config.ts; rules across keys are in config-rules.ts.
import { Type, type Static } from 'typebox';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { bool, CIDR, group, int, keyed, list, num, oneOf, onlyOn, section, str } from './config-schema-kit.js';
import { awsSchema, type AwsTier } from './config-aws.js';
import { TLS_SCHEMA } from './config-tls.js';
import { BACKUP_S3_SCHEMA } from './config-backup-s3.js';
import { DEFAULT_IMAGES, PINNED_IMAGE_KEYS } from './images.js';
import { COMPONENT_NAMES, type ComponentName } from './names.js';
import { SECRET_NAMES } from './secret-table.js';

// pids: Go programs (exporters, Prometheus, Loki, Alloy) run a few dozen threads; PostgreSQL one
// process per connection (max_connections 200) plus its workers. Components that share a uid
// (70: PostgreSQL and PgBouncer; 65534: Prometheus, Alertmanager and the exporters) get the same
// ceiling, sized for all of them together, because on Docker the limit is counted per uid.
export const DEFAULT_RESOURCES: Record<ComponentName, { cpus: number; memoryMb: number; pids: number }> = {
  nginx: { cpus: 1, memoryMb: 128, pids: 64 },
  app: { cpus: 1, memoryMb: 384, pids: 256 },
  migrate: { cpus: 0.5, memoryMb: 256, pids: 256 },
  pgbouncer: { cpus: 0.5, memoryMb: 64, pids: 512 },
  postgres: { cpus: 1, memoryMb: 512, pids: 512 },
  redis: { cpus: 0.5, memoryMb: 320, pids: 64 },
  prometheus: { cpus: 0.5, memoryMb: 512, pids: 1024 },
  alertmanager: { cpus: 0.25, memoryMb: 64, pids: 1024 },
  grafana: { cpus: 0.5, memoryMb: 256, pids: 256 },
  loki: { cpus: 0.5, memoryMb: 256, pids: 256 },
  alloy: { cpus: 0.25, memoryMb: 128, pids: 256 },
  'nginx-exporter': { cpus: 0.1, memoryMb: 32, pids: 1024 },
  'postgres-exporter': { cpus: 0.1, memoryMb: 64, pids: 1024 },
  'pgbouncer-exporter': { cpus: 0.1, memoryMb: 32, pids: 1024 },
  'redis-exporter': { cpus: 0.1, memoryMb: 32, pids: 1024 },
  'docker-socket-proxy': { cpus: 0.1, memoryMb: 32, pids: 64 },
  'blackbox-exporter': { cpus: 0.1, memoryMb: 32, pids: 1024 },
  'node-exporter': { cpus: 0.1, memoryMb: 32, pids: 1024 },
  // One-shots: psql through PostgreSQL's socket (uid 70), the grafana CLI (Grafana's uid).
  'set-db-password': { cpus: 0.1, memoryMb: 64, pids: 512 },
  'set-grafana-password': { cpus: 0.25, memoryMb: 128, pids: 256 },
  'cert-bootstrap': { cpus: 0.1, memoryMb: 128, pids: 64 },
  'cert-manager': { cpus: 0.1, memoryMb: 128, pids: 64 },
  // pgBackRest as PostgreSQL's uid (70): the same process ceiling as the others sharing it.
  'postgres-backup': { cpus: 0.5, memoryMb: 256, pids: 512 },
};

const PORT = (fallback?: number) => int(1, 65535, fallback);
const DURATION = /^\d+(ms|s|m|h|d)$/;
/** name:tag, name@sha256:<digest>, or name:tag@sha256:<digest> (the digest decides what runs). */
const IMAGE_REF = /^[\w./-]+(:[\w.-]+(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$/;
const duration = () => Type.Optional(str(undefined, DURATION, 'a duration such as 30s or 4h'));

const resources = (d: { cpus: number; memoryMb: number; pids: number }) => group({
  cpus: num(0.05, 64, d.cpus),
  memoryMb: int(16, 1 << 20, d.memoryMb),
  /**
   * Most processes (threads count) the component may run: a fork bomb or a thread leak stops
   * here. See the Docker placement for how it is enforced there.
   */
  pids: int(16, 1 << 22, d.pids),
});

const smtp = section({
  smarthost: str(undefined, /^[^\s:]+:\d+$/, 'host:port'),
  from: str(undefined, /^[^\s@]+@[^\s@]+$/, 'an email address'),
  to: list(str(), 'a non-empty list of strings'),
  username: Type.Optional(str()),
  requireTls: Type.Optional(bool()),
});

/** Every key of a stack file, for a stack whose AWS tier (if any) is `tier`. */
export function stackFileSchema(tier: AwsTier = 'dev') {
  return Type.Object({
    placement: oneOf(['docker', 'aws'], 'docker'),
    aws: awsSchema(tier),
    replicas: int(1, 32, 2),
    /** nginx, published on every interface of the host (plain HTTP; 80 with a domain, for ACME's HTTP-01, else 8080). */
    publicPort: Type.Optional(onlyOn('docker', 'the ALB listens on 80/443', PORT())),
    /** The address clients use; short links are built on it (by default from the domain or publicPort). */
    publicBaseUrl: Type.Optional(str(undefined, /^https?:\/\/[^/\s]+\/?$/, 'an http(s) origin such as https://sho.rt')),
    /** Operator UIs, published on 127.0.0.1 only. */
    localPorts: group({ grafana: PORT(3000), prometheus: PORT(9090), alertmanager: PORT(9093) }),
    // A tag or digest is required: `latest` by omission would make two deploys of one config differ.
    images: group(keyed(PINNED_IMAGE_KEYS, (k) => str(DEFAULT_IMAGES[k], IMAGE_REF, 'an image pinned by tag or digest (name:tag@sha256:... best)'))),
    /** Name (and tag) given to the app image built from app/Dockerfile. */
    appImageName: onlyOn('docker', 'the app image is pushed to the stack\'s ECR repository and deployed by digest',
      str('shortstack-app:dev', /^[\w./-]+:[\w.-]+$/, 'name:tag')),
    /** The app image to run instead of building app/Dockerfile (config-app-image.ts; `npm run promote` writes it). */
    appImage: Type.Optional(str()),
    /** Redis's memoryMb follows cache.redisMaxMemoryMb unless set (config.ts). */
    resources: group(keyed(COMPONENT_NAMES, (c) => resources(DEFAULT_RESOURCES[c]))),
    pools: group({
      appDbPoolMax: int(1, 1000, APP_DEFAULTS.dbPoolMax),
      pgbouncerPoolSize: int(1, 1000, 20),
      pgbouncerMaxClientConn: int(1, 100000, 1000),
    }),
    cache: group({
      lruEnabled: bool(APP_DEFAULTS.cacheLruEnabled),
      lruMax: int(1, 100_000_000, APP_DEFAULTS.cacheLruMax),
      lruTtlMs: int(1, 86_400_000, APP_DEFAULTS.cacheLruTtlMs),
      negativeTtlMs: int(0, 86_400_000, APP_DEFAULTS.cacheNegativeTtlMs),
      redisMaxMemoryMb: int(8, 1 << 20, 256),
    }),
    /** PostgreSQL's own sizing, checked against its container and the pools in front of it. */
    postgres: group({
      maxConnections: int(10, 10_000, 200),
      // PostgreSQL's own default, not derived from the memory: a new shared_buffers needs a
      // restart (a new command, which replaces the container), while the memory limit alone is
      // resized in place. Set it with the memory it is sized for (a quarter is a good start).
      sharedBuffersMb: int(16, 1 << 20, 128),
    }),
    rateLimit: group({
      max: int(1, 10_000_000, APP_DEFAULTS.rateLimitMax),
      windowMs: int(1, 86_400_000, APP_DEFAULTS.rateLimitWindowMs),
      exemptAdmin: bool(APP_DEFAULTS.rateLimitExemptAdmin),
    }),
    nginx: group({
      workerConnections: int(64, 1 << 20, 4096),
      // Per client address: requests a second (and the burst above it), probes a second, open connections.
      requestsPerSecondPerAddress: int(1, 10_000_000, 200),
      burstPerAddress: int(0, 10_000_000, 400),
      probeRequestsPerSecondPerAddress: int(1, 10_000_000, 20),
      connectionsPerAddress: int(1, 65_535, 256),
      /** Seconds a slow client may pause while sending headers or a body, or reading the answer. */
      clientTimeoutS: int(1, 3600, 10),
      /** Proxies in front of nginx (CIDRs) whose X-Forwarded-For is believed; none on a bare host. */
      trustedProxies: list(str(undefined, CIDR), 'IPv4 CIDRs such as 10.0.0.0/16', []),
    }),
    alerts: group({
      smtp: Type.Optional(smtp),
      timing: group({ groupWait: duration(), groupInterval: duration(), repeatInterval: duration(), resolveTimeout: duration() }),
    }),
    logLevel: str(APP_DEFAULTS.logLevel, /^(fatal|error|warn|info|debug|trace|silent)$/, 'a pino level (info, debug, ...)'),
    /** The backend network's subnet: the app trusts X-Forwarded-For from nginx's address in it. */
    backendSubnet: onlyOn('docker', 'subnets come from aws.vpcCidr', str('172.30.213.0/24', CIDR, 'an IPv4 CIDR such as 172.30.213.0/24')),
    build: group({ version: str('0.1.0'), commit: str('unknown') }),
    /**
     * pgBackRest on Docker and loopback: full backups kept (each with the differentials and WAL
     * that depend on it), differentials kept, and the longest a finished WAL segment waits before
     * it is archived (the RPO's bound when writes are few).
     */
    backup: group({
      retentionFull: int(1, 100, 2),
      retentionDiff: int(1, 100, 6),
      // Issue 14's RPO aim is 60 s: a longer timeout could leave a quiet minute of writes unarchived.
      archiveTimeoutS: int(1, 60, 60),
      // The schedule: a differential copies what changed since the last full, so restores replay less WAL.
      fullEveryHours: int(1, 24 * 31, 24),
      diffEveryHours: int(1, 24 * 31, 1),
    }),
    ...TLS_SCHEMA,
    ...BACKUP_S3_SCHEMA,
    // Read by the placements as secrets (generated when absent); never echoed in a message.
    ...keyed(SECRET_NAMES, () => Type.Optional(Type.Unknown())),
  }, { additionalProperties: false });
}

export type StackFile = Static<ReturnType<typeof stackFileSchema>>;

/** Keys a stack file may still carry from an older release, and why they are no longer read. */
export const RETIRED_KEYS: Record<string, string> = {
  postgresVolumeGiB: 'is no longer read: node-exporter measures the disk PostgreSQL writes to (on AWS, aws.rds sizes it); remove it',
};
