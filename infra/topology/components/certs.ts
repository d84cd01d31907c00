// HTTPS on Docker (a stack with shortstack:domain): the one-shot that gives nginx a temporary
// certificate to start with, and the certificate manager that obtains the real one over ACME
// HTTP-01 (the CA fetches the token through nginx on port 80) and renews it, reloading nginx by
// SIGHUP to its master, pid 1 of the nginx container's pid namespace, which it shares. Both run
// the app image with another command (app/src/certs).
import { certLayout } from '../../../app/src/certs/layout.js';
import { RENEW_BEFORE_DAYS, type TlsSettings } from '../config-tls.js';
import { DEFAULT_STOP_GRACE_S, check, type BuildContext } from '../context.js';
import { ACME_ACCOUNT_DIR, CERTS_DIR, PORTS } from '../names.js';
import type { Component, VolumeMount } from '../types.js';
import { appImage } from './app.js';

/** nginx's uid and gid: the manager writes files nginx reads, and may signal only a process of its own uid. */
const NGINX_USER = '101:101';

/** The certificate files nginx serves, from the volume the one-shot creates. */
export function nginxTlsFiles() {
  const files = certLayout(CERTS_DIR);
  return { certificateFile: files.certificate, keyFile: files.key, challengeDir: files.challengeDir };
}

/** The certs volume as each component mounts it (the one-shot owns it: it runs first). */
export const certsVolume = (readOnly: boolean): VolumeMount => ({
  name: 'certs', mountPath: CERTS_DIR, owner: 'cert-bootstrap', ...(readOnly ? { readOnly } : {}),
});

function tlsOf(ctx: BuildContext): TlsSettings {
  if (!ctx.config.tls) throw new Error('the certificate components need shortstack:domain');
  return ctx.config.tls;
}

export function certBootstrap(ctx: BuildContext): Component {
  const tls = tlsOf(ctx);
  return {
    name: 'cert-bootstrap',
    image: appImage(ctx),
    ports: {},
    replicas: 1,
    oneShot: true,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['node', 'app/dist/certs/bootstrap.js'],
    env: { CERTS_DIR, CERT_NAME: tls.domain },
    files: [],
    dependsOn: [],
    // Kept across `npm run down` (a data volume): a new certificate on every start would run
    // into the CA's rate limits (Let's Encrypt: 5 duplicates a week).
    volumes: [{ name: 'certs', mountPath: CERTS_DIR }],
    tmpfs: ['/tmp'],
    hostMounts: [],
    networks: ['backend'],
    resources: ctx.config.resources['cert-bootstrap'],
    user: NGINX_USER,
    readOnlyRootFs: true,
    publish: [],
  };
}

export function certManager(ctx: BuildContext): Component {
  const tls = tlsOf(ctx);
  const metrics = PORTS['cert-manager'].metrics;
  return {
    name: 'cert-manager',
    image: appImage(ctx),
    ports: { ...PORTS['cert-manager'] },
    replicas: 1,
    oneShot: false,
    stopGraceS: DEFAULT_STOP_GRACE_S,
    command: ['node', 'app/dist/certs/main.js'],
    env: {
      CERTS_DIR, ACME_ACCOUNT_DIR, CERT_NAME: tls.domain, ACME_DIRECTORY: tls.acmeDirectory, ACME_EMAIL: tls.acmeEmail,
      NGINX_PID: '1', METRICS_PORT: String(metrics), RENEW_BEFORE_DAYS: String(RENEW_BEFORE_DAYS),
    },
    files: [],
    health: check(['CMD', 'node', '-e',
      `fetch('http://127.0.0.1:${metrics}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`], 15),
    // nginx serves the challenge, and its pid namespace must exist to be joined.
    dependsOn: [{ component: 'nginx', condition: 'healthy' }],
    pidNamespaceOf: 'nginx',
    volumes: [certsVolume(false), { name: 'acme-account', mountPath: ACME_ACCOUNT_DIR }],
    tmpfs: ['/tmp'],
    hostMounts: [],
    // egress: the ACME CA is on the internet; backend: Prometheus scrapes it.
    networks: ['backend', 'egress'],
    resources: ctx.config.resources['cert-manager'],
    user: NGINX_USER,
    readOnlyRootFs: true,
    publish: [],
  };
}
