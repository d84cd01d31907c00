// The loopback placement's config files, pure: the topology's renderer inputs (the same the
// Docker placement renders from, built from the parsed stack config), with only addresses, ports
// and paths overridden, and the differences that cannot hold here (differences.ts).
import { renderAlertmanagerConfig, type AlertReceivers, type AlertTiming } from '../../alerts/alertmanager-config.js';
import { renderPrometheusConfig } from '../../monitoring/prometheus-config.js';
import { renderBlackboxConfig, type BlackboxTls } from '../render/blackbox.js';
import { dirNginxPaths, renderNginxConf } from '../render/nginx.js';
import type { NginxTlsInput } from '../render/nginx-tls.js';
import { renderPgbouncerIni } from '../render/pgbouncer.js';
import { renderRedisConf } from '../render/redis.js';
import type { Endpoint } from '../topology/addressing.js';
import { pgbouncerIniInput, redisConfInput } from '../topology/components/data.js';
import { nginxConfInput } from '../topology/components/edge.js';
import { blackboxTlsInput, renderRedisPasswords } from '../topology/components/exporters.js';
import { alertmanagerConfInput } from '../topology/components/monitoring-files.js';
import { prometheusConfInput } from '../topology/components/observability.js';
import type { StackConfig } from '../topology/config.js';
import type { BuildContext } from '../topology/context.js';
import type { Secrets } from '../topology/types.js';
import { scrapeTargets } from '../topology/wiring.js';
import type { LoopbackAddressing } from './addressing.js';
import { LOOPBACK_NGINX_WORKERS } from './differences.js';
import { pgbouncerPaths } from './servers/pgbouncer.js';

/** The loopback stack's build context: its addressing, a Docker-like platform, the stack `local`. */
export function loopbackContext(config: StackConfig, addr: LoopbackAddressing): BuildContext {
  return { config, addr, stackName: 'local', platform: { kind: 'docker' } };
}

/** pgbouncer.ini in DIR: listening on its loopback port, PostgreSQL at its own. */
export function loopbackPgbouncerIni(ctx: BuildContext, dir: string): string {
  const paths = pgbouncerPaths(dir);
  return renderPgbouncerIni({
    ...pgbouncerIniInput(ctx),
    listen: ctx.addr.endpoint('pgbouncer', 'postgres'),
    authFile: paths.authFile,
    // LOOPBACK_DIFFERENCES.pgbouncerFiles
    logFile: paths.logFile,
    pidFile: paths.pidFile,
  });
}

/** redis.conf: DIR as its working folder, the password from `authFile` (0600, never argv). */
export function loopbackRedisConf(ctx: Pick<BuildContext, 'config'>, where: { listen: Endpoint; dir: string; authFile: string }): string {
  return renderRedisConf({ ...redisConfInput(ctx), bind: where.listen.host, port: where.listen.port, dir: where.dir, includes: [where.authFile] });
}

export interface LoopbackNginxWhere {
  dir: string;
  /** host:port of the replicas in service now (a rollout renders again with the new ones). */
  upstreams: readonly string[];
  drainFlagFile: string;
  /** HTTPS as a stack option (LOOPBACK_DIFFERENCES.tls). */
  tls?: NginxTlsInput;
}

export function loopbackNginxConf(ctx: BuildContext, where: LoopbackNginxWhere): string {
  const input = nginxConfInput(ctx);
  return renderNginxConf({
    ...input,
    listen: ctx.addr.endpoint('nginx', 'http'),
    statusListen: ctx.addr.endpoint('nginx', 'status'),
    // LOOPBACK_DIFFERENCES.nginxUpstreams: the loopback addressing has no service name, so the
    // input lists the replicas and has no resolver; a rollout passes the live ones.
    upstreams: [...where.upstreams],
    paths: dirNginxPaths(where.dir),
    workerProcesses: LOOPBACK_NGINX_WORKERS,
    drainFlagFile: where.drainFlagFile,
    ...(where.tls ? { tls: where.tls } : {}),
  });
}

export interface LoopbackPrometheusWhere {
  ruleFiles: string[];
  /** The front door is HTTPS (LOOPBACK_DIFFERENCES.tls). */
  tls: boolean;
  /** LOOPBACK_DIFFERENCES.testKnobs */
  scrapeInterval?: string | undefined;
  evaluationInterval?: string | undefined;
}

export function loopbackPrometheusYml(ctx: BuildContext, where: LoopbackPrometheusWhere): string {
  const input = prometheusConfInput(ctx, where.ruleFiles);
  return renderPrometheusConfig({
    ...input,
    ...(where.tls ? { targets: scrapeTargets(ctx.config.replicas, ctx.addr, { tls: true }) } : {}),
    ...(where.scrapeInterval ? { scrapeInterval: where.scrapeInterval } : {}),
    ...(where.evaluationInterval ? { evaluationInterval: where.evaluationInterval } : {}),
  });
}

/** A test's own receivers and timing replace the stack's (LOOPBACK_DIFFERENCES.testKnobs). */
export function loopbackAlertmanagerYml(config: StackConfig, secrets: Secrets, test: { receivers?: AlertReceivers | undefined; timing?: AlertTiming | undefined } = {}): string {
  const input = alertmanagerConfInput(config, secrets);
  return renderAlertmanagerConfig({ receivers: test.receivers ?? input.receivers, timing: test.timing ?? input.timing });
}

/** blackbox.yml; with HTTPS on loopback the probe trusts Pebble's CA (LOOPBACK_DIFFERENCES.tls). */
export function loopbackBlackboxYml(ctx: BuildContext, tls?: BlackboxTls): string {
  return renderBlackboxConfig(tls ?? blackboxTlsInput(ctx));
}

/** redis_exporter's password file for the Redis at `redisUrl` (its password in the URL), as on Docker. */
export function loopbackRedisPasswords(redisUrl: string): { addr: string; content: string } {
  const url = new URL(redisUrl);
  // (URL.origin is "null" for the redis: scheme, hence the host by hand.)
  const addr = `redis://${url.host}`;
  return { addr, content: renderRedisPasswords(addr, decodeURIComponent(url.password)) };
}
