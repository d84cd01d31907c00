// The stack's configuration (Pulumi.<stack>.yaml, namespace `shortstack`): typed, defaulted and
// validated in one pass that reports every bad key at once, so an operator fixes a stack in one go.
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { DEFAULT_IMAGES, PINNED_IMAGE_KEYS, type PinnedImageKey } from './images.js';
import { appImageProblem } from './config-app-image.js';
import { parseAwsSettings, type AwsSettings } from './config-aws.js';
import { parseTlsSettings, TLS_KEYS, type TlsSettings } from './config-tls.js';
import { BACKUP_S3_KEYS, parseBackupS3Settings, type BackupS3Settings } from './config-backup-s3.js';
import { PUBLIC_HOST } from './addressing.js';
import { CIDR, isObject, Reader, type Raw } from './config-reader.js';
import { COMPONENT_NAMES, type ComponentName } from './names.js';
import { SECRET_NAMES, type SecretName } from './secret-table.js';

export interface Resources {
  cpus: number;
  memoryMb: number;
  /**
   * Most processes (threads count) the component may run: a fork bomb or a thread leak stops
   * here. See the Docker placement for how it is enforced there.
   */
  pids: number;
}

export interface SmtpSettings {
  smarthost: string;
  from: string;
  to: string[];
  username?: string;
  requireTls?: boolean;
}

export interface AlertTimingConfig {
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  resolveTimeout?: string;
}

export type PlacementName = 'docker' | 'aws';

export interface StackConfig {
  placement: PlacementName;
  /** The AWS placement's own settings; present exactly when placement is aws. */
  aws?: AwsSettings;
  replicas: number;
  /** nginx, published on every interface of the host (plain HTTP; 80 by default with a domain, for ACME's HTTP-01). */
  publicPort: number;
  /** HTTPS on Docker, certificates over ACME (config-tls.ts); absent: plain HTTP. */
  tls?: TlsSettings;
  /** Strict-Transport-Security max-age (s) on HTTPS answers; 0: no header. */
  hstsMaxAgeS: number;
  /** The address clients use; short links are built on it. */
  publicBaseUrl: string;
  /** Operator UIs, published on 127.0.0.1 only. */
  localPorts: { grafana: number; prometheus: number; alertmanager: number };
  images: Record<PinnedImageKey, string>;
  /** Name (and tag) given to the app image built from app/Dockerfile. */
  appImageName: string;
  /** The app image to run instead of building app/Dockerfile (config-app-image.ts; `npm run promote` writes it). */
  appImage?: string;
  resources: Record<ComponentName, Resources>;
  pools: { appDbPoolMax: number; pgbouncerPoolSize: number; pgbouncerMaxClientConn: number };
  cache: { lruEnabled: boolean; lruMax: number; lruTtlMs: number; negativeTtlMs: number; redisMaxMemoryMb: number };
  /** PostgreSQL's own sizing, checked against its container and the pools in front of it. */
  postgres: { maxConnections: number; sharedBuffersMb: number };
  rateLimit: { max: number; windowMs: number; exemptAdmin: boolean };
  nginx: {
    workerConnections: number;
    /** Per client address: requests a second (and the burst above it), probes a second, open connections. */
    requestsPerSecondPerAddress: number;
    burstPerAddress: number;
    probeRequestsPerSecondPerAddress: number;
    connectionsPerAddress: number;
    /** Seconds a slow client may pause while sending headers or a body, or reading the answer. */
    clientTimeoutS: number;
    /** Proxies in front of nginx (CIDRs) whose X-Forwarded-For is believed; none on a bare host. */
    trustedProxies: string[];
  };
  alerts: { smtp?: SmtpSettings; timing: AlertTimingConfig };
  logLevel: string;
  /** The backend network's subnet: the app trusts X-Forwarded-For from nginx's address in it. */
  backendSubnet: string;
  build: { version: string; commit: string };
  /**
   * pgBackRest on Docker and loopback: full backups kept (each with the differentials and WAL
   * that depend on it), differentials kept, and the longest a finished WAL segment waits before
   * it is archived (the RPO's bound when writes are few).
   */
  backup: { retentionFull: number; retentionDiff: number; archiveTimeoutS: number; fullEveryHours: number; diffEveryHours: number };
  /** The backup repository in S3-compatible storage instead of the backup volume (config-backup-s3.ts). */
  backupS3?: BackupS3Settings;
}

/** Keys read by the placement as secrets (generated when absent); listed so they are not "unknown". */
export const SECRET_CONFIG_KEYS: readonly SecretName[] = SECRET_NAMES;

// pids: Go programs (exporters, Prometheus, Loki, Alloy) run a few dozen threads; PostgreSQL one
// process per connection (max_connections 200) plus its workers. Components that share a uid
// (70: PostgreSQL and PgBouncer; 65534: Prometheus, Alertmanager and the exporters) get the same
// ceiling, sized for all of them together, because on Docker the limit is counted per uid.
const DEFAULT_RESOURCES: Record<ComponentName, Resources> = {
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

/**
 * Redis's container holds more than `maxmemory`: allocator fragmentation, client buffers and
 * the pub/sub backlog come on top. The container gets a quarter more than the cache, and no less
 * than DEFAULT_RESOURCES.redis, unless the stack says otherwise (then it must leave that room).
 */
export const REDIS_HEADROOM = 1.25;
export const redisContainerMb = (maxMemoryMb: number): number => Math.ceil(maxMemoryMb * REDIS_HEADROOM);
/** PostgreSQL's docs: more than 40% of the memory for shared_buffers is unlikely to help. */
export const SHARED_BUFFERS_MAX_SHARE = 0.4;
/**
 * Connections made straight to PostgreSQL, besides PgBouncer's pool: the migration (its pool
 * and the advisory-lock session), postgres-exporter, the password one-shot, and the
 * superuser_reserved_connections PostgreSQL keeps (3).
 */
export const DIRECT_POSTGRES_CONNECTIONS = { migrate: 2, 'postgres-exporter': 1, 'set-db-password': 1, superuserReserved: 3 } as const;
const directConnections = Object.values(DIRECT_POSTGRES_CONNECTIONS).reduce((a, b) => a + b, 0);
/** Clients of PgBouncer besides the app's pools: pgbouncer-exporter and the health check. */
export const OTHER_PGBOUNCER_CLIENTS = 2;
/** PostgreSQL's processes besides one per connection: postmaster, checkpointer, writers, autovacuum, WAL. */
export const POSTGRES_AUX_PROCESSES = 64;

export class StackConfigError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(`invalid stack configuration:\n${Object.entries(problems).map(([k, v]) => `  shortstack:${k} ${v}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

const DURATION = /^\d+(ms|s|m|h|d)$/;
/** name:tag, name@sha256:<digest>, or name:tag@sha256:<digest> (the digest decides what runs). */
const IMAGE_REF = /^[\w./-]+(:[\w.-]+(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$/;
/** Every key under `shortstack:` a stack file may set (besides the secrets). */
export const TOP_KEYS = [
  'placement', 'replicas', 'publicPort', 'publicBaseUrl', 'localPorts', 'images', 'appImageName', 'resources',
  'pools', 'cache', 'rateLimit', 'nginx', 'alerts', 'logLevel', 'backendSubnet', 'build', 'postgres', 'aws',
  'appImage', 'backup', ...TLS_KEYS, ...BACKUP_S3_KEYS,
] as const;
/** Keys a stack file may still carry from an older release, and why they are no longer read. */
const RETIRED_KEYS: Record<string, string> = {
  postgresVolumeGiB: 'is no longer read: node-exporter measures the disk PostgreSQL writes to (on AWS, aws.rds sizes it); remove it',
};

/** Keys that only mean something on one placement: set on another, they are refused, not ignored. */
const PLACEMENT_ONLY_KEYS: Record<string, PlacementName> = {
  publicPort: 'docker', backendSubnet: 'docker', appImageName: 'docker', aws: 'aws',
  domain: 'docker', acmeEmail: 'docker', acmeDirectory: 'docker', publicHttpsPort: 'docker',
};
const PLACEMENT_ONLY_WHY: Record<string, string> = {
  publicPort: 'the ALB listens on 80/443',
  backendSubnet: 'subnets come from aws.vpcCidr',
  appImageName: 'the app image is pushed to the stack\'s ECR repository and deployed by digest',
  aws: 'it is the AWS placement\'s branch',
  domain: 'ACM issues the certificate: set aws.domain and aws.hostedZoneId, or aws.certificateArn',
  acmeEmail: 'ACM issues the certificate', acmeDirectory: 'ACM issues the certificate', publicHttpsPort: 'the ALB listens on 443',
};

/** Where the placement runs beyond the stack's own keys: the AWS provider's region. */
export interface ProviderConfig {
  awsRegion?: string;
}

/**
 * Validates raw stack config (keys without the `shortstack:` prefix; values typed or as strings,
 * as Pulumi hands them over) and fills the defaults. Throws StackConfigError naming every bad key.
 */
export function parseStackConfig(raw: Raw, provider: ProviderConfig = {}): StackConfig {
  const problems: Record<string, string> = {};
  const r = new Reader(problems);
  const known: readonly string[] = [...TOP_KEYS, ...SECRET_CONFIG_KEYS];
  for (const k of Object.keys(raw)) if (!known.includes(k)) problems[k] = RETIRED_KEYS[k] ?? 'is not a known key';

  const placement = r.str(raw, 'placement', 'placement', 'docker', /^(docker|aws)$/, '"docker" or "aws"') as PlacementName;
  for (const [k, only] of Object.entries(PLACEMENT_ONLY_KEYS)) {
    if (raw[k] !== undefined && only !== placement) problems[k] = `is for the ${only} placement only, not ${placement}: ${PLACEMENT_ONLY_WHY[k]}`;
  }
  const awsHttps = placement === 'aws' && isObject(raw.aws) && (raw.aws.domain !== undefined || raw.aws.certificateArn !== undefined);
  const { tls, hstsMaxAgeS } = parseTlsSettings(r, raw, awsHttps);
  // ACME's HTTP-01 challenge comes to port 80.
  const publicPort = r.int(raw, 'publicPort', 'publicPort', tls ? 80 : 8080, 1, 65535);
  const httpsBase = tls ? `https://${tls.domain}${tls.publicHttpsPort === 443 ? '' : `:${tls.publicHttpsPort}`}` : undefined;
  const publicBaseUrl = r.str(raw, 'publicBaseUrl', 'publicBaseUrl', httpsBase ?? `http://localhost:${publicPort}`, /^https?:\/\/[^/\s]+\/?$/, 'an http(s) origin such as https://sho.rt');

  const lp = r.object(raw, 'localPorts', 'localPorts', ['grafana', 'prometheus', 'alertmanager']);
  const localPorts = {
    grafana: r.int(lp, 'grafana', 'localPorts.grafana', 3000, 1, 65535),
    prometheus: r.int(lp, 'prometheus', 'localPorts.prometheus', 9090, 1, 65535),
    alertmanager: r.int(lp, 'alertmanager', 'localPorts.alertmanager', 9093, 1, 65535),
  };
  const hostPorts = [publicPort, localPorts.grafana, localPorts.prometheus, localPorts.alertmanager, ...(tls ? [tls.publicHttpsPort] : [])];
  if (new Set(hostPorts).size !== hostPorts.length) problems.localPorts = `host ports must differ (got ${hostPorts.join(', ')})`;

  const im = r.object(raw, 'images', 'images', PINNED_IMAGE_KEYS);
  const images = { ...DEFAULT_IMAGES } as Record<PinnedImageKey, string>;
  for (const k of PINNED_IMAGE_KEYS) {
    // A tag or digest is required: `latest` by omission would make two deploys of one config differ.
    images[k] = r.str(im, k, `images.${k}`, DEFAULT_IMAGES[k], IMAGE_REF, 'an image pinned by tag or digest (name:tag@sha256:... best)');
  }

  const rs = r.object(raw, 'resources', 'resources', COMPONENT_NAMES);
  const resources = { ...DEFAULT_RESOURCES };
  const explicitMemory = new Set<ComponentName>();
  for (const c of COMPONENT_NAMES) {
    const one = r.object(rs, c, `resources.${c}`, ['cpus', 'memoryMb', 'pids']);
    if (one.memoryMb !== undefined) explicitMemory.add(c);
    resources[c] = {
      cpus: r.num(one, 'cpus', `resources.${c}.cpus`, DEFAULT_RESOURCES[c].cpus, 0.05, 64),
      memoryMb: r.int(one, 'memoryMb', `resources.${c}.memoryMb`, DEFAULT_RESOURCES[c].memoryMb, 16, 1 << 20),
      pids: r.int(one, 'pids', `resources.${c}.pids`, DEFAULT_RESOURCES[c].pids, 16, 1 << 22),
    };
  }

  const po = r.object(raw, 'pools', 'pools', ['appDbPoolMax', 'pgbouncerPoolSize', 'pgbouncerMaxClientConn']);
  const pools = {
    appDbPoolMax: r.int(po, 'appDbPoolMax', 'pools.appDbPoolMax', APP_DEFAULTS.dbPoolMax, 1, 1000),
    pgbouncerPoolSize: r.int(po, 'pgbouncerPoolSize', 'pools.pgbouncerPoolSize', 20, 1, 1000),
    pgbouncerMaxClientConn: r.int(po, 'pgbouncerMaxClientConn', 'pools.pgbouncerMaxClientConn', 1000, 1, 100000),
  };

  const ca = r.object(raw, 'cache', 'cache', ['lruEnabled', 'lruMax', 'lruTtlMs', 'negativeTtlMs', 'redisMaxMemoryMb']);
  const cache = {
    lruEnabled: r.bool(ca, 'lruEnabled', 'cache.lruEnabled', APP_DEFAULTS.cacheLruEnabled),
    lruMax: r.int(ca, 'lruMax', 'cache.lruMax', APP_DEFAULTS.cacheLruMax, 1, 100_000_000),
    lruTtlMs: r.int(ca, 'lruTtlMs', 'cache.lruTtlMs', APP_DEFAULTS.cacheLruTtlMs, 1, 86_400_000),
    negativeTtlMs: r.int(ca, 'negativeTtlMs', 'cache.negativeTtlMs', APP_DEFAULTS.cacheNegativeTtlMs, 0, 86_400_000),
    redisMaxMemoryMb: r.int(ca, 'redisMaxMemoryMb', 'cache.redisMaxMemoryMb', 256, 8, 1 << 20),
  };

  // Redis's container follows the cache, unless set; a container too small for the cache is
  // refused (the kernel would kill Redis before its LRU eviction starts).
  const redisNeeds = Math.max(DEFAULT_RESOURCES.redis.memoryMb, redisContainerMb(cache.redisMaxMemoryMb));
  if (!explicitMemory.has('redis')) resources.redis = { ...resources.redis, memoryMb: redisNeeds };
  else if (resources.redis.memoryMb < redisContainerMb(cache.redisMaxMemoryMb)) {
    problems['cache.redisMaxMemoryMb'] = `${cache.redisMaxMemoryMb} MB of cache does not fit Redis's ${resources.redis.memoryMb} MB container `
      + `(resources.redis.memoryMb): Redis needs ${Math.round((REDIS_HEADROOM - 1) * 100)}% above maxmemory for fragmentation and client buffers, `
      + `so the container needs at least ${redisContainerMb(cache.redisMaxMemoryMb)} MB. Raise resources.redis.memoryMb, lower the cache, `
      + 'or leave resources.redis.memoryMb unset: it then follows the cache';
  }

  const pg = r.object(raw, 'postgres', 'postgres', ['maxConnections', 'sharedBuffersMb']);
  const postgres = {
    maxConnections: r.int(pg, 'maxConnections', 'postgres.maxConnections', 200, 10, 10_000),
    // PostgreSQL's own default, not derived from the memory: a new shared_buffers needs a
    // restart (a new command, which replaces the container), while the memory limit alone is
    // resized in place. Set it with the memory it is sized for (a quarter is a good start).
    sharedBuffersMb: r.int(pg, 'sharedBuffersMb', 'postgres.sharedBuffersMb', 128, 16, 1 << 20),
  };
  const sharedMax = Math.floor(resources.postgres.memoryMb * SHARED_BUFFERS_MAX_SHARE);
  if (postgres.sharedBuffersMb > sharedMax) {
    problems['postgres.sharedBuffersMb'] = `${postgres.sharedBuffersMb} MB of shared_buffers in a ${resources.postgres.memoryMb} MB container `
      + `(resources.postgres.memoryMb): keep it at most ${SHARED_BUFFERS_MAX_SHARE * 100}% (${sharedMax} MB), the rest is for connections, `
      + 'sorts and the page cache; raise the memory or lower shared_buffers';
  }
  if (pools.pgbouncerPoolSize + directConnections > postgres.maxConnections) {
    problems['pools.pgbouncerPoolSize'] = `${pools.pgbouncerPoolSize} server connections plus ${directConnections} direct ones `
      + `(${Object.entries(DIRECT_POSTGRES_CONNECTIONS).map(([k, v]) => `${k} ${v}`).join(', ')}) exceed PostgreSQL's `
      + `max_connections ${postgres.maxConnections} (postgres.maxConnections): lower the pool to at most ${postgres.maxConnections - directConnections} or raise max_connections`;
  }
  if (postgres.maxConnections + POSTGRES_AUX_PROCESSES > resources.postgres.pids) {
    problems['postgres.maxConnections'] = `${postgres.maxConnections} connections are ${postgres.maxConnections} processes, plus about `
      + `${POSTGRES_AUX_PROCESSES} of PostgreSQL's own: more than resources.postgres.pids (${resources.postgres.pids}); raise the pids or lower max_connections`;
  }

  const rl = r.object(raw, 'rateLimit', 'rateLimit', ['max', 'windowMs', 'exemptAdmin']);
  const rateLimit = {
    max: r.int(rl, 'max', 'rateLimit.max', APP_DEFAULTS.rateLimitMax, 1, 10_000_000),
    windowMs: r.int(rl, 'windowMs', 'rateLimit.windowMs', APP_DEFAULTS.rateLimitWindowMs, 1, 86_400_000),
    exemptAdmin: r.bool(rl, 'exemptAdmin', 'rateLimit.exemptAdmin', APP_DEFAULTS.rateLimitExemptAdmin),
  };

  const ng = r.object(raw, 'nginx', 'nginx', ['workerConnections', 'requestsPerSecondPerAddress', 'burstPerAddress',
    'probeRequestsPerSecondPerAddress', 'connectionsPerAddress', 'clientTimeoutS', 'trustedProxies']);
  const nginx = {
    workerConnections: r.int(ng, 'workerConnections', 'nginx.workerConnections', 4096, 64, 1 << 20),
    requestsPerSecondPerAddress: r.int(ng, 'requestsPerSecondPerAddress', 'nginx.requestsPerSecondPerAddress', 200, 1, 10_000_000),
    burstPerAddress: r.int(ng, 'burstPerAddress', 'nginx.burstPerAddress', 400, 0, 10_000_000),
    probeRequestsPerSecondPerAddress: r.int(ng, 'probeRequestsPerSecondPerAddress', 'nginx.probeRequestsPerSecondPerAddress', 20, 1, 10_000_000),
    connectionsPerAddress: r.int(ng, 'connectionsPerAddress', 'nginx.connectionsPerAddress', 256, 1, 65_535),
    clientTimeoutS: r.int(ng, 'clientTimeoutS', 'nginx.clientTimeoutS', 10, 1, 3600),
    trustedProxies: ng.trustedProxies === undefined ? [] : r.strList(ng, 'trustedProxies', 'nginx.trustedProxies'),
  };
  for (const cidr of nginx.trustedProxies) {
    if (!CIDR.test(cidr)) problems['nginx.trustedProxies'] = `must be IPv4 CIDRs such as 10.0.0.0/16 (got "${cidr}")`;
  }

  const al = r.object(raw, 'alerts', 'alerts', ['smtp', 'timing']);
  let smtp: SmtpSettings | undefined;
  if (al.smtp !== undefined) {
    const s = r.object(al, 'smtp', 'alerts.smtp', ['smarthost', 'from', 'to', 'username', 'requireTls']);
    smtp = {
      smarthost: r.str(s, 'smarthost', 'alerts.smtp.smarthost', '', /^[^\s:]+:\d+$/, 'host:port'),
      from: r.str(s, 'from', 'alerts.smtp.from', '', /^[^\s@]+@[^\s@]+$/, 'an email address'),
      to: r.strList(s, 'to', 'alerts.smtp.to'),
    };
    const username = r.optStr(s, 'username', 'alerts.smtp.username');
    if (username !== undefined) smtp.username = username;
    if (s.requireTls !== undefined) smtp.requireTls = r.bool(s, 'requireTls', 'alerts.smtp.requireTls', true);
  }
  const ti = r.object(al, 'timing', 'alerts.timing', ['groupWait', 'groupInterval', 'repeatInterval', 'resolveTimeout']);
  const timing: AlertTimingConfig = {};
  for (const k of ['groupWait', 'groupInterval', 'repeatInterval', 'resolveTimeout'] as const) {
    if (ti[k] !== undefined) timing[k] = r.str(ti, k, `alerts.timing.${k}`, '', DURATION, 'a duration such as 30s or 4h');
  }

  const replicas = r.int(raw, 'replicas', 'replicas', 2, 1, 32);
  const appClients = replicas * pools.appDbPoolMax + OTHER_PGBOUNCER_CLIENTS;
  if (appClients > pools.pgbouncerMaxClientConn) {
    problems['pools.pgbouncerMaxClientConn'] = `${replicas} replicas x ${pools.appDbPoolMax} connections (pools.appDbPoolMax) plus `
      + `${OTHER_PGBOUNCER_CLIENTS} other clients need ${appClients} PgBouncer client connections, more than its max_client_conn `
      + `${pools.pgbouncerMaxClientConn}: raise pools.pgbouncerMaxClientConn or lower the app's pool`;
  }

  const bu = r.object(raw, 'build', 'build', ['version', 'commit']);
  const bk = r.object(raw, 'backup', 'backup', ['retentionFull', 'retentionDiff', 'archiveTimeoutS', 'fullEveryHours', 'diffEveryHours']);
  const backup = {
    retentionFull: r.int(bk, 'retentionFull', 'backup.retentionFull', 2, 1, 100),
    retentionDiff: r.int(bk, 'retentionDiff', 'backup.retentionDiff', 6, 1, 100),
    // Issue 14's RPO aim is 60 s: a longer timeout could leave a quiet minute of writes unarchived.
    archiveTimeoutS: r.int(bk, 'archiveTimeoutS', 'backup.archiveTimeoutS', 60, 1, 60),
    // The schedule: a differential copies what changed since the last full, so restores replay less WAL.
    fullEveryHours: r.int(bk, 'fullEveryHours', 'backup.fullEveryHours', 24, 1, 24 * 31),
    diffEveryHours: r.int(bk, 'diffEveryHours', 'backup.diffEveryHours', 1, 1, 24 * 31),
  };

  const backupS3 = parseBackupS3Settings(r, raw, placement);
  const aws = placement === 'aws' ? parseAwsSettings(r, raw, provider.awsRegion, replicas) : undefined;
  const appImage = r.optStr(raw, 'appImage', 'appImage');
  const appImageWrong = appImage === undefined ? undefined : appImageProblem(appImage, { placement, ...(aws ? { tier: aws.tier } : {}) });
  if (appImageWrong !== undefined) problems.appImage = appImageWrong;
  // On AWS without a publicBaseUrl: the domain, or the ALB's own name (bound once it exists).
  const awsBaseUrl = aws && raw.publicBaseUrl === undefined
    ? `${aws.domain || aws.certificateArn ? 'https' : 'http'}://${aws.domain ?? PUBLIC_HOST}` : undefined;
  const config: StackConfig = {
    placement,
    ...(aws ? { aws } : {}),
    replicas,
    publicPort,
    ...(tls ? { tls } : {}),
    hstsMaxAgeS,
    publicBaseUrl: awsBaseUrl ?? publicBaseUrl.replace(/\/$/, ''),
    localPorts,
    images,
    appImageName: r.str(raw, 'appImageName', 'appImageName', 'shortstack-app:dev', /^[\w./-]+:[\w.-]+$/, 'name:tag'),
    ...(appImage !== undefined ? { appImage } : {}),
    resources,
    pools,
    cache,
    postgres,
    rateLimit,
    nginx,
    alerts: smtp ? { smtp, timing } : { timing },
    logLevel: r.str(raw, 'logLevel', 'logLevel', APP_DEFAULTS.logLevel, /^(fatal|error|warn|info|debug|trace|silent)$/, 'a pino level (info, debug, ...)'),
    backendSubnet: r.str(raw, 'backendSubnet', 'backendSubnet', '172.30.213.0/24', CIDR, 'an IPv4 CIDR such as 172.30.213.0/24'),
    build: {
      version: r.str(bu, 'version', 'build.version', '0.1.0'),
      commit: r.str(bu, 'commit', 'build.commit', 'unknown'),
    },
    backup,
    ...(backupS3 ? { backupS3 } : {}),
  };
  if (Object.keys(problems).length > 0) throw new StackConfigError(problems);
  return config;
}

/**
 * Pulumi hands config over as strings (objects and numbers JSON-encoded) keyed `project:key`.
 * This strips the namespace and decodes JSON where it parses, leaving plain strings as they are.
 */
export function fromPulumiConfig(all: Record<string, string>, namespace = 'shortstack'): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(`${namespace}:`)) continue;
    const key = k.slice(namespace.length + 1);
    try {
      out[key] = JSON.parse(v);
    } catch {
      out[key] = v;
    }
  }
  return out;
}
