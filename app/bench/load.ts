// Runs autocannon as a child process: the load generator must not share the event loop (or the
// core) of the server it measures.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunResult } from './stats.js';

const require = createRequire(import.meta.url);
const AUTOCANNON = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

export interface LoadOptions { connections: number; durationSec: number; headers?: Record<string, string>; expectStatus: number }

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

export function runLoad(url: string, opts: LoadOptions): Promise<RunResult> {
  const args = [AUTOCANNON, '-j', '-c', String(opts.connections), '-d', String(opts.durationSec)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024, timeout: (opts.durationSec + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err as Error); // @types/node types it as Omits of Error; it is one
      const out = JSON.parse(stdout) as AutocannonJson;
      const stats = out.statusCodeStats ?? {};
      const expected = stats[String(opts.expectStatus)]?.count ?? 0;
      const answered = Object.values(stats).reduce((n, s) => n + s.count, 0);
      resolve({
        rps: out.requests.average,
        p99Ms: out.latency.p99,
        requests: out.requests.total,
        errors: out.errors + out.timeouts,
        unexpected: answered - expected,
      });
    });
  });
}
