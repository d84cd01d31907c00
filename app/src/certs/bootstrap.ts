// `node app/dist/certs/bootstrap.js`: a one-shot before nginx starts (Docker), writing the
// temporary self-signed certificate for CERT_NAME into CERTS_DIR unless a certificate is there.
import { certLayout } from './layout.js';
import { ensureBootstrap } from './store.js';

const dir = process.env.CERTS_DIR;
const name = process.env.CERT_NAME;
if (!dir || !name) {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'CERTS_DIR and CERT_NAME must be set' })}\n`);
  process.exit(2);
}
ensureBootstrap(certLayout(dir), name).then((wrote) => {
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: wrote ? 'temporary self-signed certificate written' : 'a certificate is already there', name })}\n`);
}, (err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'bootstrap failed', err: (err as Error).message })}\n`);
  process.exit(1);
});
