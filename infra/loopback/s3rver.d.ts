// Types for @20minutes/s3rver, which ships none: the parts the backup tests use (backup-s3-store.ts).
declare module '@20minutes/s3rver' {
  import type { IncomingMessage, Server as HttpServer } from 'node:http';
  import type { Server as HttpsServer } from 'node:https';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    /** HTTPS when both are given (PEM). */
    key?: string | Buffer;
    cert?: string | Buffer;
    silent?: boolean;
    /** Where the buckets' objects are kept, a file each. */
    directory?: string;
    /** Off: path-style requests only. */
    vhostBuckets?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The part of Koa's context a middleware here uses (s3rver is a Koa application). */
  interface Context {
    req: IncomingMessage;
    status: number;
    type: string;
    body: unknown;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Koa's middleware list, composed when the server starts. */
    middleware: ((ctx: Context, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    readonly httpServer: HttpServer | HttpsServer;
  }
  export = S3rver;
}
