// What the certificate manager tells Prometheus: when the served certificate expires, and how
// renewals go. Alert rules read these (alerts/rules/certificates.ts).
import { Counter, Gauge, Registry } from 'prom-client';

export const CERT_METRICS = {
  expiry: 'shortstack_certificate_expiry_timestamp_seconds',
  selfSigned: 'shortstack_certificate_self_signed',
  renewals: 'shortstack_certificate_renewals_total',
  failures: 'shortstack_certificate_renewal_failures_total',
  consecutiveFailures: 'shortstack_certificate_renewal_consecutive_failures',
  lastSuccess: 'shortstack_certificate_last_renewal_success_timestamp_seconds',
} as const;

export function createCertMetrics() {
  const registry = new Registry();
  const m = {
    registry,
    expiry: new Gauge({ name: CERT_METRICS.expiry, help: 'notAfter of the certificate nginx serves (Unix seconds).', registers: [registry] }),
    selfSigned: new Gauge({ name: CERT_METRICS.selfSigned, help: '1 while nginx serves the temporary self-signed certificate.', registers: [registry] }),
    renewals: new Counter({ name: CERT_METRICS.renewals, help: 'Certificates obtained and put in service.', registers: [registry] }),
    failures: new Counter({ name: CERT_METRICS.failures, help: 'Renewal attempts that failed.', registers: [registry] }),
    consecutiveFailures: new Gauge({ name: CERT_METRICS.consecutiveFailures, help: 'Failed renewal attempts since the last success.', registers: [registry] }),
    lastSuccess: new Gauge({ name: CERT_METRICS.lastSuccess, help: 'When a certificate was last obtained (Unix seconds).', registers: [registry] }),
  };
  // Present from the start, so a stack that never renewed has a 0, not an absent series.
  m.renewals.inc(0);
  m.failures.inc(0);
  m.consecutiveFailures.set(0);
  return m;
}

export type CertMetrics = ReturnType<typeof createCertMetrics>;
