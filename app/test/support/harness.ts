// One replica on real PostgreSQL (via PgBouncer) and real Redis, migrated, for a test file.
// Shared per file: starting the data services costs ~1 s, a replica ~100 ms.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/migrate.js';
import { createService, type Service } from '../../src/service.js';
import { testPool } from './test-pool.js';

export const ADMIN_KEY = 'contract-admin-key-0123456789abcdef';
export const PUBLIC_BASE_URL = 'http://sho.rt.test';
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Harness {
  data: DataServices;
  service: Service;
  /** Straight to PostgreSQL, for assertions. */
  direct: pg.Pool;
  stop(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const data = await startDataServices();
  try {
    await runMigrations(data.directDatabaseUrl);
    const service = await createService(loadConfig({
      HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0',
      DATABASE_URL: data.databaseUrl, MIGRATE_DATABASE_URL: data.directDatabaseUrl, REDIS_URL: data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL, LOG_LEVEL: 'silent', CLICK_FLUSH_INTERVAL_MS: '50',
      ...env,
    }));
    await service.listen();
    const direct = testPool(data.directDatabaseUrl, { max: 2 });
    return {
      data, service, direct,
      async stop() {
        await service.stop();
        await direct.end();
        await data.stop();
      },
    };
  } catch (err) {
    await data.stop();
    throw err;
  }
}

export interface CallOptions {
  key?: string | null; headers?: Record<string, string>; body?: unknown; raw?: string | Buffer;
  /** Gives up (a TimeoutError) after this long instead of waiting on the server. */
  timeoutMs?: number;
}

/** A real HTTP call; JSON body by default; the admin key unless `key` says otherwise. */
export async function call(service: Service, method: string, path: string, opts: CallOptions = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? ADMIN_KEY : opts.key;
  if (key !== null) headers['x-api-key'] = key;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const signal = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const res = await fetch(`${service.url}${path}`, { method, headers, body, redirect: 'manual', signal });
  const text = await res.text();
  let parsed: unknown;
  try { parsed = text === '' ? undefined : JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() holds; fails with `what` after timeoutMs. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
