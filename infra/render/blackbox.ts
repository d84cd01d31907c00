// blackbox.yml for prometheus-blackbox-exporter: the edge probe (monitoring/edge.ts) as a module.
// Pure, placement-free. The same file runs under Debian's exporter (0.23, the loopback stack
// and the tests) and the pinned image (prom/blackbox-exporter 0.25, the Docker placement).
import { stringify } from 'yaml';
import { BLACKBOX_PROBE } from '../../monitoring/edge.js';

/**
 * The front door is HTTPS: the probe checks its certificate for `serverName` (the domain, as the
 * probe reaches nginx by its container name) against the system roots or `caFile`.
 */
export interface BlackboxTls {
  serverName: string;
  caFile?: string;
}

export function renderBlackboxConfig(tls?: BlackboxTls): string {
  const p = BLACKBOX_PROBE;
  return stringify({
    modules: {
      [p.module]: {
        prober: 'http',
        timeout: `${p.timeoutSeconds}s`,
        http: {
          method: p.method,
          valid_status_codes: [...p.validStatusCodes],
          // nginx's own error pages are JSON too (the contract): the body check tells the app's
          // 401 from a 502 only by status, and an HTML page from anyone by body.
          fail_if_body_not_matches_regexp: [p.bodyMustMatch],
          no_follow_redirects: true,
          preferred_ip_protocol: 'ip4',
          ip_protocol_fallback: false,
          headers: { 'User-Agent': p.userAgent, Accept: 'application/json' },
          ...(tls ? { tls_config: { server_name: tls.serverName, ...(tls.caFile ? { ca_file: tls.caFile } : {}) } } : {}),
        },
      },
    },
  }, { lineWidth: 0 });
}
