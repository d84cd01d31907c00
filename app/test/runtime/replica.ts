// One app replica in this process on the given data services (createService, as main.ts does).
import { freePorts } from '../../../infra/loopback/servers/ports.js';
import type { DataServices } from '../../../infra/loopback/data-services.js';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';

export const ADMIN_KEY = 'runtime-test-admin-key-0123456789abcdef';

export async function startReplica(ds: DataServices, env: Record<string, string> = {}): Promise<Service> {
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const service = await createService(loadConfig({
    HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort),
    DATABASE_URL: ds.databaseUrl, MIGRATE_DATABASE_URL: ds.directDatabaseUrl, REDIS_URL: ds.redisUrl,
    ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL: 'http://short.test.invalid', LOG_LEVEL: 'silent',
    ...env,
  }));
  await service.listen();
  return service;
}

export function api(service: Service, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function createLink(service: Service, originalUrl: string): Promise<{ id: number; short_code: string }> {
  const res = await api(service, 'POST', '/urls', { original_url: originalUrl });
  if (res.status !== 201) throw new Error(`POST /urls: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; short_code: string };
}

export const follow = (service: Service, code: string) => fetch(`${service.url}/${code}`, { redirect: 'manual' });
