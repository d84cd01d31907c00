// The certificate manager (`node app/dist/certs/main.js`, the app image with another command):
// keeps a certificate for CERT_NAME in CERTS_DIR, obtained over ACME HTTP-01 through nginx and
// renewed before it is due, reloading nginx after each. SIGUSR2 renews at once; /metrics and
// /health on METRICS_PORT. Every setting from the environment (settings.ts).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pino from 'pino';
import { newAccountKey, obtainCertificate } from './acme.js';
import { certLayout } from './layout.js';
import { CertificateManager } from './manager.js';
import { createCertMetrics } from './metrics.js';
import { nginxReloader } from './reload.js';
import { settings, type CertSettings } from './settings.js';
import { ensureAccountKey } from './store.js';

async function main(): Promise<void> {
  const log = pino({ base: { service: 'shortstack-certs' }, timestamp: pino.stdTimeFunctions.isoTime });
  let s: CertSettings;
  try {
    s = settings(process.env);
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(2);
  }
  const layout = certLayout(s.dir, s.accountDir);
  const metrics = createCertMetrics();
  const directoryCa = s.directoryCaFile === undefined ? undefined : readFileSync(s.directoryCaFile, 'utf8');
  const accountKey = await ensureAccountKey(layout, newAccountKey);
  const manager = new CertificateManager({
    layout, name: s.name, renewBeforeDays: s.renewBeforeDays, metrics, log,
    obtain: () => obtainCertificate({
      directoryUrl: s.directoryUrl, accountKey, email: s.email, name: s.name, challengeDir: layout.challengeDir,
      ...(directoryCa !== undefined ? { directoryCa } : {}),
    }),
    reload: nginxReloader({
      ...(s.nginxPid !== undefined ? { pid: s.nginxPid } : {}), ...(s.nginxPidFile !== undefined ? { pidFile: s.nginxPidFile } : {}),
      ...(s.drain ? { drain: s.drain } : {}),
    }),
    checkEveryMs: s.checkEveryS * 1000,
    retry: { minMs: s.retryMinS * 1000, maxMs: s.retryMaxS * 1000 },
  });
  await manager.start();
  // Up (and healthy) only once nginx has a certificate to start with.
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      }, () => res.writeHead(500).end());
    } else if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  server.listen(s.metricsPort, s.metricsHost);
  process.on('SIGUSR2', () => {
    log.info('SIGUSR2: renewing now');
    void manager.renewNow();
  });
  const stop = () => {
    manager.stop();
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'certificate manager failed to start', err: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
