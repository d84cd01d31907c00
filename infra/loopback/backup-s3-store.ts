// An S3-compatible store for the backup tests: s3rver (npm @20minutes/s3rver, MIT) in this
// process on the loopback address over HTTPS, with a certificate made for the test (its PEM is
// the CA the client must trust), one bucket, path-style addressing only, and one key pair. Every
// request must carry a SigV4 signature by that pair, checked by the AWS SDK's own signer
// (@smithy/signature-v4) before s3rver sees it: s3rver's check drops the trailing slash of
// bucket-level paths (`GET /bucket/?list-type=2`) from the canonical request, so it refuses
// pgBackRest's correct signatures there. The endpoint is named `localhost`: pgBackRest 2.45
// matches the host only against the certificate's DNS names, never an IP address entry.
// The store records what every request asked and what it was answered, and reads back what it keeps.
import { createHash, createHmac, type BinaryLike, type Hash, type Hmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import { join, relative, sep } from 'node:path';
import S3rver from '@20minutes/s3rver';
import { SignatureV4 } from '@smithy/signature-v4';
import { selfSignedCertificate } from '../../app/src/certs/self-signed.js';

/** s3rver keeps each object in a file of this suffix, at its key's path under the bucket's folder. */
const OBJECT_SUFFIX = '._S3rver_object';

export interface S3Request {
  method: string;
  url: string;
  authorization: string;
  status: number;
}

export interface S3Store {
  /** host:port, as stack config backupS3.endpoint takes it. */
  endpoint: string;
  bucket: string;
  /** The PEM the endpoint's certificate verifies against (backupS3.caCertificate). */
  caCertificate: string;
  requests: S3Request[];
  /** Every object under `prefix` (a key prefix, no leading slash), with its bytes. */
  objects(prefix?: string): { key: string; body: Buffer }[];
  stop(): Promise<void>;
}

function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): BinaryLike =>
  (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

/** SHA-256 (an HMAC when keyed) in the shape the signer takes, over node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Why S3 would refuse the request's signature (its error code), or undefined when it holds. */
async function signatureProblem(req: IncomingMessage, key: string, keySecret: string): Promise<string | undefined> {
  const m = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!m) return 'AccessDenied';
  const [, keyId, region, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  if (keyId !== key) return 'InvalidAccessKeyId';
  const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(req.headers['x-amz-date'] ?? ''));
  if (!date) return 'AccessDenied';
  const [, y, mo, d, h, mi, s] = date.map(Number) as [number, number, number, number, number, number, number];
  const url = new URL(req.url ?? '/', 'https://store');
  const names = signedHeaders.split(';');
  const signer = new SignatureV4({ service, region, credentials: { accessKeyId: key, secretAccessKey: keySecret }, sha256: Sha256, uriEscapePath: false });
  // The request again, as the client signed it: its raw path, its query, only the headers it signed.
  const signed = await signer.sign({
    method: req.method ?? 'GET', protocol: 'https:', hostname: String(req.headers.host ?? ''), path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(names.map((n) => [n, String(req.headers[n] ?? '')])),
  }, { signingDate: new Date(Date.UTC(y, mo - 1, d, h, mi, s)), signableHeaders: new Set(names) });
  return String(signed.headers.authorization).endsWith(`Signature=${signature}`) ? undefined : 'SignatureDoesNotMatch';
}

export async function startS3Store(o: { dir: string; bucket: string; key: string; keySecret: string }): Promise<S3Store> {
  const name = 'localhost';
  // Where pgBackRest connects: the first address the name resolves to (127.0.0.1 or ::1).
  const { address } = await lookup(name);
  const tls = await selfSignedCertificate(name);
  const s3rver = new S3rver({
    address, port: 0, key: tls.key, cert: tls.certificate, silent: true, directory: o.dir,
    vhostBuckets: false, configureBuckets: [{ name: o.bucket }],
  });
  // First in s3rver's chain: a request is refused as S3 would, or passes on checked, without
  // its Authorization header (s3rver serves unsigned requests as they come).
  s3rver.middleware.unshift(async (ctx, next) => {
    const problem = await signatureProblem(ctx.req, o.key, o.keySecret);
    if (problem !== undefined) {
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${problem}</Code></Error>`;
      return;
    }
    delete ctx.req.headers.authorization;
    await next();
  });
  const { port } = await s3rver.run();
  const requests: S3Request[] = [];
  (s3rver.httpServer as Server).on('request', (req: IncomingMessage, res) => {
    const authorization = String(req.headers.authorization ?? '');
    res.on('finish', () => requests.push({ method: req.method ?? '', url: req.url ?? '', authorization, status: res.statusCode }));
  });
  const bucketDir = join(o.dir, o.bucket);
  return {
    endpoint: `${name}:${port}`,
    bucket: o.bucket,
    caCertificate: tls.certificate,
    requests,
    objects: (prefix = '') => [...filesUnder(bucketDir)]
      .filter((f) => f.endsWith(OBJECT_SUFFIX))
      .map((f) => ({ key: relative(bucketDir, f).slice(0, -OBJECT_SUFFIX.length).split(sep).join('/'), path: f }))
      .filter((f) => f.key.startsWith(prefix))
      .map((f) => ({ key: f.key, body: readFileSync(f.path) })),
    stop: () => s3rver.close(),
  };
}
