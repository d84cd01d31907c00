// The Docker placement of a stack with a domain, under Pulumi mocks: nginx published on 80 and
// 443 with the certificate volume read-only, the one-shot that writes the temporary certificate
// first, the certificate manager in nginx's pid namespace (its SIGHUP reaches nginx's master,
// pid 1 there), and the monitoring that follows (the manager scraped, the edge probe on HTTPS).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { certLayout } from '../../app/src/certs/layout.js';
import { selfSignedCertificate } from '../../app/src/certs/self-signed.js';
import { LETS_ENCRYPT_DIRECTORY } from '../topology/config-tls.js';
import { ACME_ACCOUNT_DIR, CERTS_DIR, PORTS } from '../topology/names.js';
import { runProgram, sharedRun, type MockRun, type Recorded } from './pulumi-mocks.js';
import { before1273, nginxTest } from './support/nginx-t.js';

const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const unwrap = (v: any): any => (typeof v === 'object' && v !== null && SECRET_SIG in v ? unwrap(v.value) : v);
const CONTAINER = 'docker:index/container:Container';
const TLS_CONFIG = { 'shortstack:domain': 'sho.rt', 'shortstack:acmeEmail': 'ops@sho.rt', 'shortstack:hstsMaxAge': '31536000' };
const run = runProgram('dev', TLS_CONFIG);

const uploaded = (r: MockRun, instance: string, file: string): string =>
  unwrap((r.container(`${instance}-config`).inputs.uploads as Array<{ file: string; content: unknown }>).find((u) => u.file === file)!.content);
const mounts = (c: Recorded) => c.inputs.mounts as Array<{ source: string; target: string; readOnly?: boolean }>;
const networks = (c: Recorded) => (c.inputs.networksAdvanced as Array<{ name: string }>).map((n) => n.name.replace('shortstack-dev-', '')).sort();
const labelOf = (c: Recorded, label: string) => unwrap((unwrap(c.inputs.labels) as Array<{ label: string; value: unknown }>).find((l) => l.label === label)?.value);

describe('Docker placement with a domain (HTTPS by ACME)', () => {
  it('publishes plain HTTP on 80 (ACME HTTP-01) and HTTPS on 443, both on every interface', async () => {
    const nginx = (await run).container('nginx');
    expect(nginx.inputs.ports).toEqual([
      { internal: PORTS.nginx.http, external: 80, ip: '0.0.0.0', protocol: 'tcp' },
      { internal: PORTS.nginx.https, external: 443, ip: '0.0.0.0', protocol: 'tcp' },
    ]);
  });

  it('writes the temporary certificate first, in a data volume nginx mounts read-only', async () => {
    const r = await run;
    const bootstrap = r.container('cert-bootstrap');
    expect(bootstrap.inputs).toMatchObject({ command: ['node', 'app/dist/certs/bootstrap.js'], restart: 'no', mustRun: false, user: '101:101', readOnly: true });
    expect(bootstrap.inputs.envs).toEqual(expect.arrayContaining([`CERTS_DIR=${CERTS_DIR}`, 'CERT_NAME=sho.rt']));
    expect(mounts(bootstrap)).toContainEqual({ type: 'volume', source: 'shortstack-dev-certs', target: CERTS_DIR });
    // Kept across `npm run down`: a new certificate at every start would meet the CA's rate limits.
    expect(r.byType('docker:index/volume:Volume').find((v) => v.inputs.name === 'shortstack-dev-certs')!.retainOnDelete).toBe(true);
    const nginx = r.container('nginx');
    expect(mounts(nginx)).toContainEqual({ type: 'volume', source: 'shortstack-dev-certs', target: CERTS_DIR, readOnly: true });
    expect(mounts(nginx).some((m) => m.target === ACME_ACCOUNT_DIR)).toBe(false);
    // nginx starts only after the one-shot exited 0.
    expect(labelOf(nginx, 'com.shortstack.after.cert-bootstrap')).toBe('exited-0');
  });

  it('runs the certificate manager from the app image in nginx\'s pid namespace, as nginx\'s uid, with a way out to the CA', async () => {
    const r = await run;
    const manager = r.container('cert-manager');
    const app = r.container('app-1');
    expect(manager.inputs.image).toBe(app.inputs.image);
    expect(manager.inputs).toMatchObject({ command: ['node', 'app/dist/certs/main.js'], user: '101:101', readOnly: true, pidMode: 'container:shortstack-dev-nginx' });
    expect(manager.inputs.capabilities).toEqual({ drops: ['ALL'] });
    expect(manager.inputs.envs).toEqual(expect.arrayContaining([
      'CERT_NAME=sho.rt', 'ACME_EMAIL=ops@sho.rt', `ACME_DIRECTORY=${LETS_ENCRYPT_DIRECTORY}`, 'NGINX_PID=1',
      `CERTS_DIR=${CERTS_DIR}`, `ACME_ACCOUNT_DIR=${ACME_ACCOUNT_DIR}`, `METRICS_PORT=${PORTS['cert-manager'].metrics}`,
    ]));
    expect(mounts(manager)).toEqual(expect.arrayContaining([
      { type: 'volume', source: 'shortstack-dev-certs', target: CERTS_DIR },
      { type: 'volume', source: 'shortstack-dev-acme-account', target: ACME_ACCOUNT_DIR },
    ]));
    expect(networks(manager)).toEqual(['backend', 'egress']);
    // A new nginx is a new pid namespace: the manager is replaced with it.
    expect(labelOf(manager, 'com.shortstack.peers')).toBeDefined();
  });

  it('scrapes the manager and probes the front door over HTTPS, checking the certificate for the domain', async () => {
    const r = await run;
    const prom = parse(uploaded(r, 'prometheus', '/etc/shortstack/prometheus.yml')) as { scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; params?: Record<string, string[]> }> };
    const job = (name: string) => prom.scrape_configs.find((j) => j.job_name === name)!;
    expect(job('cert-manager').static_configs![0]!.targets).toEqual([`cert-manager:${PORTS['cert-manager'].metrics}`]);
    expect(job('edge').params!.target).toEqual([`https://nginx:${PORTS.nginx.https}/urls`]);
    const blackbox = parse(uploaded(r, 'blackbox-exporter', '/etc/shortstack/blackbox.yml')) as { modules: Record<string, { http: { tls_config?: unknown } }> };
    expect(Object.values(blackbox.modules)[0]!.http.tls_config).toEqual({ server_name: 'sho.rt' });
  });

  it('renders an nginx.conf that passes nginx -t, with HSTS and the certificate files from the volume', async () => {
    const conf = uploaded(await run, 'nginx', '/etc/shortstack/nginx.conf');
    const files = certLayout(CERTS_DIR);
    expect(conf).toContain(`listen ${PORTS.nginx.https} ssl http2 default_server;`);
    expect(conf).toContain(`ssl_certificate ${files.certificate};`);
    expect(conf).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(conf).toContain('return 301 https://$host$request_uri;');
    // The same file with the certificate folder moved to one of the test's, holding a real pair.
    // Outside /tmp: nginxTest mounts a tmpfs there for the container's temp paths.
    const dir = mkdtempSync('/var/tmp/shortstack-docker-tls-');
    try {
      const here = certLayout(dir);
      const pair = await selfSignedCertificate('sho.rt');
      mkdirSync(join(dir, 'live'), { recursive: true });
      writeFileSync(here.certificate, pair.certificate);
      writeFileSync(here.key, pair.key);
      expect(nginxTest(before1273(conf).replaceAll(CERTS_DIR, dir), ['app'])).toContain('test is successful');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Docker placement without a domain', () => {
  it('has no certificate components and publishes plain HTTP alone', async () => {
    const r = await sharedRun('dev', {});
    const names = r.byType(CONTAINER).map((c) => c.name);
    expect(names.filter((n) => n.startsWith('cert-'))).toEqual([]);
    expect(r.container('nginx').inputs.ports).toEqual([{ internal: PORTS.nginx.http, external: 8080, ip: '0.0.0.0', protocol: 'tcp' }]);
  });
});
