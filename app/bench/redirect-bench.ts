// npm run bench:app -- [--duration S] [--connections N] [--rounds R]
// One Shortstack replica on real PostgreSQL (through PgBouncer) and Redis, against a bare Fastify
// server answering the same redirect from a Map, loaded alternately with the same autocannon
// settings; prints medians, p99 and the ratio. Bounded: about 40 s with the defaults.
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { startDataServices } from '../../infra/loopback/data-services.js';
import { runMigrations } from '../src/migrate.js';
import { startBenchService } from './bench-service.js';
import { startBareRedirectServer } from './bare-server.js';
import { runLoad } from './load.js';
import { alternate, renderReport, summarize, type RunResult } from './stats.js';

const TARGET_RATIO = 0.7;

async function main(): Promise<void> {
  const opts = new Command()
    .option('--duration <s>', 'seconds per run', '3')
    .option('--connections <n>', 'concurrent connections', '50')
    .option('--rounds <n>', 'A B rounds (medians are taken over them)', '5')
    .option('--log-level <level>', "the service's LOG_LEVEL", 'warn')
    .parse()
    .opts<{ duration: string; connections: string; rounds: string; logLevel: string }>();
  const durationSec = Number(opts.duration);
  const connections = Number(opts.connections);
  const rounds = Number(opts.rounds);

  const data = await startDataServices({ config: { pools: { pgbouncerPoolSize: 10 } } });
  const cleanups: (() => Promise<void>)[] = [() => data.stop()];
  try {
    await runMigrations(data.directDatabaseUrl);
    const { service, adminKey } = await startBenchService(data, opts.logLevel);
    cleanups.unshift(() => service.stop());

    const target = 'https://example.com/landing/page?utm_source=bench';
    const created = await fetch(`${service.url}/urls`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({ original_url: target }),
    });
    if (created.status !== 201) throw new Error(`creating the link failed: ${created.status} ${await created.text()}`);
    const code = ((await created.json()) as { short_code: string }).short_code;

    const bare = await startBareRedirectServer(new Map([[code, target]]));
    cleanups.unshift(() => bare.close());

    const sides = { service: `${service.url}/${code}`, ceiling: `${bare.url}/${code}` };
    // The key exempts from the rate limiter, on both sides alike; the request id is what nginx
    // sends every request (the replica keeps it instead of making one).
    const headers = { 'x-api-key': adminKey, 'x-request-id': 'bench-0123456789abcdef' };
    // Warm-up: JIT, keep-alive sockets, and the link into the service's cache tiers.
    for (const url of Object.values(sides)) await runLoad(url, { connections, durationSec: 1, headers, expectStatus: 302 });

    const results: Record<keyof typeof sides, RunResult[]> = { service: [], ceiling: [] };
    for (const side of alternate<keyof typeof sides>('service', 'ceiling', rounds)) {
      const cpuBefore = process.cpuUsage();
      const r = await runLoad(sides[side], { connections, durationSec, headers, expectStatus: 302 });
      const cpu = process.cpuUsage(cpuBefore);
      r.cpuUsPerRequest = (cpu.user + cpu.system) / r.requests;
      if (r.unexpected > 0 || r.errors > 0) throw new Error(`${side}: ${r.unexpected} non-302 answers, ${r.errors} errors`);
      results[side].push(r);
    }
    console.log(renderReport({
      service: summarize(results.service), ceiling: summarize(results.ceiling), connections, durationSec, target: TARGET_RATIO,
    }));
    console.log(`service LOG_LEVEL=${opts.logLevel}; each run checked: every answer a 302, no socket errors;`);
    console.log('CPU us/req is this process only (PostgreSQL writing the clicks is not counted); load average now:',
      loadavg().map((l) => l.toFixed(1)).join(' '));
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
