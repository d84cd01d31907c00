// One Shortstack replica on the bench's data services, on free ports, with a fresh admin key.
import type { DataServices } from '../../infra/loopback/data-services.js';
import { freePorts } from '../../infra/loopback/servers/ports.js';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';

export async function startBenchService(data: DataServices, logLevel = 'warn'): Promise<{ service: Service; adminKey: string }> {
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const adminKey = `bench-${process.pid}-${Date.now()}`;
  const service = await createService(loadConfig({
    HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort),
    DATABASE_URL: data.databaseUrl, MIGRATE_DATABASE_URL: data.directDatabaseUrl, REDIS_URL: data.redisUrl,
    ADMIN_API_KEYS: adminKey, PUBLIC_BASE_URL: 'http://short.bench.invalid', LOG_LEVEL: logLevel,
  }));
  await service.listen();
  return { service, adminKey };
}
