// The edge SLI: what users meet at the front door, measured by probing it as a client does.
//
// Why a blackbox probe (prometheus-blackbox-exporter), and not the alternatives:
// - nginx-prometheus-exporter (OSS) reads stub_status: connection and request counts, no status
//   codes. It cannot tell a 302 from a 502.
// - mtail on nginx's JSON access log sees every real request's status, but has no official
//   container image to pin, and on Docker nginx logs to stdout: mtail would need a second
//   access log (a file on a shared volume that nothing rotates, or syslog over UDP in a format
//   of its own), i.e. a change to nginx itself.
// - Alloy's metrics stage sees the same log on Docker, but Alloy is not packaged for Debian:
//   the loopback placement, where the tests run, could not run the SLI at all.
// - The blackbox exporter is in Debian (0.23) and has a pinned official image
//   (prom/blackbox-exporter 0.25, same module format); it needs no change to nginx or the app,
//   and it sees what the app cannot: nginx's own 502/504 when no replica answers, a dead nginx,
//   a front door that answers something else. Its limit: it samples (one probe per scrape),
//   so a small share of failing real requests (one bad replica among several) shows in the
//   app-side availability SLO, not here. The two SLOs together cover both.
//
// The probe is not /health or /ready: those are answered by nginx's tighter probe limits and
// by a replica's liveness path, and say nothing of a client's request. It sends an API request
// without a key: every replica answers it at once with the contract's JSON 401, so the probe
// passes only when nginx reached a replica that answered as the app answers.
import type { ScrapeTarget } from './prometheus-config.js';

export const EDGE_SCRAPE_JOB = 'edge';
/** The instance label of the probe's series: the thing probed, not the exporter. */
export const EDGE_INSTANCE = 'front-door';

export const BLACKBOX_PROBE = {
  module: 'http_edge',
  method: 'GET',
  path: '/urls',
  /** The app's answer to a request without an API key. */
  validStatusCodes: [401],
  /** The contract's error body: `{"error": ...}`. */
  bodyMustMatch: '"error"',
  timeoutSeconds: 5,
  userAgent: 'shortstack-edge-probe',
} as const;

/** blackbox_exporter's port (its default; also the image's). */
export const BLACKBOX_PORT = 9115;

/**
 * The scrape target of the edge job: Prometheus asks the exporter (at `exporterAddress`,
 * host:port) to probe `frontDoorUrl` (scheme://host:port of nginx, as seen from the exporter).
 */
export function edgeScrapeTarget(exporterAddress: string, frontDoorUrl: string): ScrapeTarget {
  return {
    job: EDGE_SCRAPE_JOB,
    instance: EDGE_INSTANCE,
    address: exporterAddress,
    metricsPath: '/probe',
    params: { module: [BLACKBOX_PROBE.module], target: [`${frontDoorUrl.replace(/\/$/, '')}${BLACKBOX_PROBE.path}`] },
  };
}
