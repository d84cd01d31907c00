// The S3 repository settings as Debian's pgBackRest reads them: against a local HTTPS endpoint
// (a self-signed certificate, verifyTls off), it signs its requests with the configured key for
// the configured region and asks for the bucket path-style, under the stack's folder.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../app/src/certs/self-signed.js';
import { renderPgbackrestConf } from './pgbackrest.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'shortstack-pgbr-s3-'));
const requests: { method: string; url: string; authorization: string }[] = [];
let server: Server;

beforeAll(async () => {
  const tls = await selfSignedCertificate('s3.test');
  server = createServer({ key: tls.key, cert: tls.certificate }, (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: String(req.headers.authorization ?? '') });
    // What S3 answers a wrong key: pgBackRest stops at the first refusal.
    res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>InvalidAccessKeyId</Code></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 60_000);
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pgBackRest with an S3 repository', () => {
  it('reaches the endpoint, path-style, signed with the key for the region', async () => {
    const { port } = server.address() as AddressInfo;
    const conf = join(dir, 'pgbackrest.conf');
    writeFileSync(conf, renderPgbackrestConf({
      stanza: 'shortstack', repoPath: '/shortstack/dev', pgPath: join(dir, 'pg'), pgPort: 5432, pgSocketPath: dir,
      retention: { full: 2, diff: 6 }, cipherPass: 'pass', lockPath: join(dir, 'lock'), spoolPath: join(dir, 'spool'),
      s3: { bucket: 'shortstack-backups', endpoint: `127.0.0.1:${port}`, region: 'eu-west-1', uriStyle: 'path', verifyTls: false, key: 'AKIDTEST', keySecret: 'secret' },
    }));
    const { stdout } = await exec('pgbackrest', [`--config=${conf}`, '--stanza=shortstack', '--io-timeout=5', 'info'], { timeout: 60_000 });
    expect(stdout).toMatch(/status: error/);
    expect(requests.length).toBeGreaterThan(0);
    const first = requests[0]!;
    expect(first.url).toMatch(/^\/shortstack-backups\/?\?/);
    expect(decodeURIComponent(first.url)).toContain('prefix=shortstack/dev/');
    expect(first.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request/);
  }, 120_000);
});
