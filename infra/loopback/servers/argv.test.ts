// No secret on any command line of the loopback stack: `ps` (and /proc/PID/cmdline) shows every
// process's arguments to every user of the machine.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPgbouncerIni, renderPgbouncerUserlist } from '../../render/pgbouncer.js';
import { appBuild } from '../app-build.js';
import { adminKeyFrom, checkAdminKey, localCommand } from '../cli.js';
import {
  alertmanagerServer, appReplica, nginxExporter, pgbouncerExporter, postgresExporter, prometheusServer, redisExporter,
} from '../components.js';
import { startDataServices } from '../data-services.js';
import { PgbouncerServer } from './pgbouncer.js';
import { PostgresServer } from './postgres.js';
import { RedisServer, redisPaths } from './redis.js';
import { expectAnonymousRefused } from '../../test/support/redis-auth.js';

const SECRETS = {
  db: 'argv-db-secret-7f3a', redis: 'argv-redis-secret-91c2', stats: 'argv-stats-secret-4b8d',
  super: 'argv-super-secret-0e6f', admin: 'argv-admin-key-secret-5a1c',
};
const secretValues = Object.values(SECRETS);

const dir = mkdtempSync(join(tmpdir(), 'shortstack-argv-'));
// PostgreSQL and PgBouncer run as the postgres user: it must reach the folders below.
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every process's command line, as `ps` would show it. */
function allCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

describe('loopback command lines', () => {
  it('builds every server of the stack with its secrets out of argv', async () => {
    const d = (name: string) => join(dir, name);
    const servers = [
      new RedisServer({ dir: d('redis'), port: 1, password: SECRETS.redis }),
      new PostgresServer({ dir: d('postgres'), port: 2, superPassword: SECRETS.super }),
      new PgbouncerServer({
        dir: d('pgbouncer'), port: 3,
        ini: renderPgbouncerIni({
          listen: { host: '127.0.0.1', port: 3 }, database: { name: 'db', host: '127.0.0.1', port: 2 }, authFile: d('pgbouncer/userlist.txt'),
          poolSize: 1, maxClientConnections: 10, statsUsers: ['stats'],
        }),
        userlist: renderPgbouncerUserlist([{ name: 'app', password: SECRETS.db }, { name: 'stats', password: SECRETS.stats }]),
      }),
      postgresExporter({ dir: d('pe'), port: 4, postgresPort: 2, password: SECRETS.db }),
      redisExporter({ dir: d('re'), port: 5, redisUrl: `redis://:${SECRETS.redis}@127.0.0.1:1` }),
      pgbouncerExporter({ dir: d('be'), port: 6, pgbouncerPort: 3, user: 'stats', password: SECRETS.stats }),
      nginxExporter({ dir: d('ne'), port: 7, stubStatusUrl: 'http://127.0.0.1:8/stub_status' }),
      prometheusServer({ dir: d('prom'), port: 9, configFile: d('prom/prometheus.yml') }),
      alertmanagerServer({ dir: d('am'), port: 10, configFile: d('am/alertmanager.yml') }),
      appReplica({ name: 'app-1', dir: d('app-1'), port: 11, run: (await appBuild()).command('main'), env: {
        DATABASE_URL: `postgres://app:${SECRETS.db}@127.0.0.1:3/db`, REDIS_URL: `redis://:${SECRETS.redis}@127.0.0.1:1`, ADMIN_API_KEYS: SECRETS.admin,
      } }),
    ];
    for (const s of servers) {
      const argv = s.argv.join(' ');
      for (const secret of secretValues) expect(argv, `${s.name}: ${argv}`).not.toContain(secret);
    }
    // Prometheus here, as on Docker, has no lifecycle API.
    expect(servers.find((s) => s.name === 'prometheus')!.argv).not.toContain('--web.enable-lifecycle');
  });

  it('starts the data tier (PostgreSQL, PgBouncer, Redis) with no secret in any process argv, and Redis still requires its password', async () => {
    mkdirSync(join(dir, 'data'));
    const data = await startDataServices({
      dir: join(dir, 'data'), password: SECRETS.db, redisPassword: SECRETS.redis, statsPassword: SECRETS.stats,
    });
    try {
      const lines = allCommandLines();
      // Our servers are among them (so the scan saw them) ...
      for (const pid of [data.postgres.pid, data.pgbouncer.pid, data.redis.pid]) {
        expect(pid).toBeTypeOf('number');
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').length).toBeGreaterThan(0);
      }
      expect(lines.some((l) => l.includes('redis-server'))).toBe(true);
      // ... and no process on the machine shows a secret.
      for (const secret of secretValues) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
      // The password is in the file the rendered redis.conf includes (0600, Redis' user's alone), and is enforced.
      const paths = redisPaths(join(dir, 'data', 'redis'));
      expect(readFileSync(paths.conf, 'utf8')).toContain(`include "${paths.authFile}"`);
      expect(readFileSync(paths.conf, 'utf8')).not.toContain(SECRETS.redis);
      expect(readFileSync(paths.authFile, 'utf8')).toBe(`requirepass "${SECRETS.redis}"\n`);
      expect(statSync(paths.authFile).mode & 0o777).toBe(0o600);
      const good = new Redis(data.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await good.connect();
        expect(await good.ping()).toBe('PONG');
      } finally {
        good.disconnect();
      }
      await expectAnonymousRefused(data.redis.port);
    } finally {
      await data.stop();
    }
  });
});

describe('npm run local: the admin key', () => {
  it('has no --admin-key option (it would show in ps)', () => {
    const cmd = localCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    expect(() => cmd.parse(['--admin-key', SECRETS.admin], { from: 'user' })).toThrow(/unknown option '--admin-key'/);
    expect(cmd.options.map((o) => o.long)).toContain('--admin-key-file');
  });

  it('reads it from SHORTSTACK_ADMIN_KEY or a file, not both', () => {
    const file = join(dir, 'admin-key');
    writeFileSync(file, `${SECRETS.admin}\n`, { mode: 0o600 });
    expect(adminKeyFrom({}, { SHORTSTACK_ADMIN_KEY: SECRETS.admin })).toBe(SECRETS.admin);
    expect(adminKeyFrom({ adminKeyFile: file }, {})).toBe(SECRETS.admin);
    expect(adminKeyFrom({}, {})).toBeUndefined();
    expect(() => adminKeyFrom({ adminKeyFile: file }, { SHORTSTACK_ADMIN_KEY: 'x' })).toThrow(/not both/);
    // The app's rule, checked before anything starts (a replica would only exit with it in its log).
    expect(() => checkAdminKey(adminKeyFrom({}, { SHORTSTACK_ADMIN_KEY: 'newcomer-key' }))).toThrow(/at least 16 characters \(got 12\)/);
    expect(checkAdminKey(SECRETS.admin)).toBe(SECRETS.admin);
    expect(localCommand().helpInformation()).toMatch(/at least 16 characters/);
  });
});
