// prometheus.yml: one scrape job per component WATCHED (job = component), one target per
// instance, so alert rules can say `up{job="app"}` on every placement.
import { stringify } from 'yaml';

export interface ScrapeTarget {
  job: string;
  instance: string;
  /** host:port */
  address: string;
  /**
   * Every A record of `address`'s host is a target (DNS service discovery): replicas that come
   * and go under one name (ECS with Cloud Map). Each is then named by its address.
   */
  discoverByDns?: boolean;
  metricsPath?: string;
  /** URL parameters of every scrape (the blackbox exporter's `module` and `target`). */
  params?: Record<string, string[]>;
  labels?: Record<string, string>;
}

export interface PrometheusConfigInput {
  targets: ScrapeTarget[];
  /** Paths as Prometheus sees them. */
  ruleFiles: string[];
  /** host:port */
  alertmanagers: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  externalLabels?: Record<string, string>;
}

export const DEFAULT_SCRAPE_INTERVAL = '15s';
export const DEFAULT_EVALUATION_INTERVAL = '15s';

interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

interface DnsSdConfig {
  names: string[];
  type: 'A';
  port: number;
  refresh_interval: string;
}

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
  static_configs?: StaticConfig[];
  dns_sd_configs?: DnsSdConfig[];
  relabel_configs?: Array<{ target_label: string; replacement: string }>;
}

/** A DNS-discovered job: one name, every address behind it; refreshed at Cloud Map's TTL scale. */
function dnsJob(t: ScrapeTarget): ScrapeConfig {
  const [host, port] = t.address.split(':');
  if (!host || !port) throw new Error(`job ${t.job}: ${t.address} is not host:port`);
  const labels = { ...t.labels, component: t.job };
  const job: ScrapeConfig = {
    job_name: t.job,
    dns_sd_configs: [{ names: [host], type: 'A', port: Number(port), refresh_interval: '30s' }],
    relabel_configs: Object.entries(labels).map(([target_label, replacement]) => ({ target_label, replacement })),
  };
  if (t.metricsPath !== undefined && t.metricsPath !== '/metrics') job.metrics_path = t.metricsPath;
  return job;
}

/** Jobs in first-seen order; a job whose targets disagree on the metrics path is an error. */
function scrapeConfigs(targets: ScrapeTarget[]): ScrapeConfig[] {
  const jobs = new Map<string, ScrapeConfig>();
  const seen = new Set<string>();
  for (const t of targets) {
    const key = `${t.job}/${t.instance}`;
    if (seen.has(key)) throw new Error(`duplicate scrape target ${key}`);
    seen.add(key);
    let job = jobs.get(t.job);
    if (t.discoverByDns) {
      if (job) throw new Error(`job ${t.job}: a DNS-discovered job has one target`);
      jobs.set(t.job, dnsJob(t));
      continue;
    }
    if (job && !job.static_configs) throw new Error(`job ${t.job}: a DNS-discovered job has one target`);
    if (!job) {
      job = { job_name: t.job, static_configs: [] };
      if (t.metricsPath !== undefined && t.metricsPath !== '/metrics') job.metrics_path = t.metricsPath;
      if (t.params && Object.keys(t.params).length > 0) job.params = t.params;
      jobs.set(t.job, job);
    } else if ((job.metrics_path ?? '/metrics') !== (t.metricsPath ?? '/metrics')) {
      throw new Error(`job ${t.job}: targets disagree on metrics path`);
    } else if (JSON.stringify(job.params ?? {}) !== JSON.stringify(t.params ?? {})) {
      throw new Error(`job ${t.job}: targets disagree on params`);
    }
    // One static config per target: each carries its own instance label, so an instance is
    // named for the component or replica (app-2), never for an address that changes per placement.
    job.static_configs!.push({
      targets: [t.address],
      labels: { ...t.labels, component: t.job, instance: t.instance },
    });
  }
  return [...jobs.values()];
}

export function renderPrometheusConfig(input: PrometheusConfigInput): string {
  const global: Record<string, unknown> = {
    scrape_interval: input.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
    evaluation_interval: input.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL,
  };
  if (input.externalLabels && Object.keys(input.externalLabels).length > 0) global.external_labels = input.externalLabels;
  const config: Record<string, unknown> = {
    global,
    rule_files: input.ruleFiles,
    scrape_configs: scrapeConfigs(input.targets),
  };
  if (input.alertmanagers.length > 0) {
    config.alerting = { alertmanagers: [{ static_configs: [{ targets: input.alertmanagers }] }] };
  }
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
