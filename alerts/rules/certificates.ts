// The front door's TLS certificate (HTTPS on Docker with a domain; loopback --tls): the
// certificate manager failing to renew, and the served certificate running out. On AWS, ACM
// renews the ALB's certificate itself and the edge probe reaches nginx over HTTP: neither fires.
import { CERT_METRICS } from '../../app/src/certs/metrics.js';
import { RENEW_BEFORE_DAYS } from '../../app/src/certs/settings.js';
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import { EDGE_SCRAPE_JOB } from '../../monitoring/edge.js';
import type { Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition } from '../types.js';

const panel = { dashboard: DASHBOARDS.overview.title, panel: OVERVIEW_PANELS.certificate };
const daysLeft = THRESHOLDS.certificateDaysLeft;
const failures = THRESHOLDS.certificateRenewalFailures;
/** The certificate clients get, as the edge probe saw it. */
const SERVED = `openssl s_client -connect <domain>:443 -servername <domain> </dev/null 2>/dev/null | openssl x509 -noout -serial -dates -issuer`;
const query = (q: string) => `curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=${q}' | jq -r '.data.result[] | "\\(.metric.instance) \\(.value[1])"'`;
const AWS_CERT = 'ACM renews the ALB\'s certificate itself (DNS validation through Route 53, or the imported one is yours to renew): aws acm describe-certificate --certificate-arn <arn> --query \'Certificate.[Status,NotAfter,RenewalSummary]\'';

export function certificateAlerts({ docker, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: 'CertificateRenewalFailing',
      group: 'shortstack-certificates',
      expr: `max by (job, instance) (${CERT_METRICS.consecutiveFailures}) >= ${failures}`,
      for: '5m',
      severity: 'warning',
      component: 'cert-manager',
      summary: 'Certificate renewal failing: {{ $value | printf "%.0f" }} attempts in a row',
      description: `The certificate manager has failed ${failures} or more renewal attempts in a row; it keeps retrying with backoff (up to an hour apart).`,
      runbook: {
        meaning: 'The certificate manager cannot get a certificate from the ACME CA: the HTTP-01 challenge does not reach nginx on port 80, the CA refuses (rate limit, account, policy), or the CA is unreachable. If it never succeeded, nginx still serves the temporary self-signed certificate.',
        impact: `None yet while the served certificate is valid: it is renewed ${RENEW_BEFORE_DAYS} days before it expires, so there is time. With the self-signed one (${CERT_METRICS.selfSigned} = 1), every HTTPS client refuses the front door.`,
        diagnose: {
          promql: [
            CERT_METRICS.consecutiveFailures,
            CERT_METRICS.selfSigned,
            `(${CERT_METRICS.expiry} - time()) / 86400`,
            `increase(${CERT_METRICS.failures}[6h])`,
          ],
          logql: ['{component="cert-manager"} | json | level >= 50'],
          panel,
          commands: {
            docker: [docker.logs('cert-manager'), `curl -si http://<domain>/.well-known/acme-challenge/probe   # from outside: must be nginx's JSON 404, not a timeout or another server`],
            loopback: [loopback.logs('cert-manager'), query(CERT_METRICS.consecutiveFailures)],
            aws: [AWS_CERT],
          },
        },
        mitigate: [
          'The log names the CA\'s error. "Connection refused"/"Timeout during connect" in the challenge: port 80 does not reach nginx (DNS of the domain, firewall, publicPort not 80, a proxy in front). Fix the path; the next retry succeeds on its own.',
          '"rateLimited": Let\'s Encrypt\'s limits (5 duplicate certificates a week); wait for the window the error names, or test against staging (shortstack:acmeDirectory).',
          'Once fixed, renew at once instead of waiting for the backoff: docker kill --signal=USR2 on the cert-manager container (loopback: kill -USR2 on its pid).',
          'Out of time before expiry: bring your own certificate (README, HTTPS) by writing it into the certs volume as live/fullchain.pem and live/privkey.pem and sending nginx SIGHUP.',
        ],
        escalate: 'Ticket the platform team; page only if the certificate expires within days (CertificateExpiresSoon) or the self-signed one is served.',
      },
    },
    {
      name: 'CertificateExpiresSoon',
      group: 'shortstack-certificates',
      expr: `(probe_ssl_earliest_cert_expiry{job="${EDGE_SCRAPE_JOB}"} - time()) / 86400 < ${daysLeft}`,
      for: '1h',
      severity: 'warning',
      component: 'edge',
      summary: 'The front door\'s certificate expires in {{ $value | printf "%.1f" }} days',
      description: `The certificate clients get from the front door expires in less than ${daysLeft} days; it should have been renewed at ${RENEW_BEFORE_DAYS}.`,
      runbook: {
        meaning: `The served certificate was not renewed in time: renewal has been failing for over ${RENEW_BEFORE_DAYS - daysLeft} days (see CertificateRenewalFailing), nginx did not reload after a renewal (the manager's files are newer than what is served), or the certificate was brought by hand and not replaced.`,
        impact: 'None until it expires; then every HTTPS client refuses the front door: short links and the API are down for users.',
        diagnose: {
          promql: [
            `(probe_ssl_earliest_cert_expiry{job="${EDGE_SCRAPE_JOB}"} - time()) / 86400`,
            `(${CERT_METRICS.expiry} - time()) / 86400`,
            CERT_METRICS.consecutiveFailures,
          ],
          logql: ['{component="cert-manager"}'],
          panel,
          commands: {
            docker: [SERVED, docker.logs('cert-manager')],
            loopback: [loopback.logs('cert-manager'), query(`probe_ssl_earliest_cert_expiry{job="${EDGE_SCRAPE_JOB}"}`)],
            aws: [AWS_CERT],
          },
        },
        mitigate: [
          'The files are newer than what is served (the two days-left lines differ on the panel): nginx missed the reload. Send it SIGHUP: docker kill --signal=HUP on the nginx container.',
          'Renewal failing: follow CertificateRenewalFailing, then renew at once with SIGUSR2 to the cert-manager container.',
          'A certificate brought by hand: replace live/fullchain.pem and live/privkey.pem in the certs volume with the new one, then SIGHUP nginx.',
        ],
        escalate: `Ticket the platform team; page the on-call when fewer than 3 days remain.`,
      },
    },
  ];
}
