// Schema migrations: the SQL files of app/migrations applied by node-pg-migrate. Run once per
// deploy as its own command (the `migrate` one-shot service), never by the replicas themselves.
// Several runs at once are safe: each waits on node-pg-migrate's session advisory lock, which is
// why this must connect straight to PostgreSQL (PgBouncer's transaction mode drops session locks).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { pino } from 'pino';
import { settingFromEnv } from './config.js';
import { isMainModule } from './is-main.js';

/** app/migrations, from app/src (tsx) and from app/dist (the built image) alike. */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Where node-pg-migrate records what it applied. */
export const MIGRATIONS_TABLE = 'pgmigrations';

export async function runMigrations(databaseUrl: string, logger = pino({ level: 'warn' })): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: (msg: string) => logger.info(msg),
  });
  return applied.map((m) => m.name);
}

/** Every migration's name, in the order they apply. */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
}

/** The migrations from `name` to the newest, in the order they apply (a test steps back to before `name`). */
export function migrationsFrom(name: string): string[] {
  const names = migrationNames();
  if (!names.includes(name)) throw new Error(`no migration ${name} in ${MIGRATIONS_DIR}`);
  return names.slice(names.indexOf(name));
}

/** `count` migrations up or down from where the database is (tests of a migration's both ways); the names applied. */
export async function stepMigrations(databaseUrl: string, direction: 'up' | 'down', count: number): Promise<string[]> {
  const applied = await runner({
    databaseUrl, dir: MIGRATIONS_DIR, direction, count, migrationsTable: MIGRATIONS_TABLE, singleTransaction: true, log: () => undefined,
  });
  return applied.map((m) => m.name);
}

async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  // Each may come as a file (X_FILE), as containers receive their secrets.
  let url: string | undefined;
  try {
    url = settingFromEnv(process.env, 'MIGRATE_DATABASE_URL') ?? settingFromEnv(process.env, 'DATABASE_URL');
  } catch (err) {
    logger.error((err as Error).message);
    process.exit(2);
  }
  if (!url) {
    logger.error('MIGRATE_DATABASE_URL or DATABASE_URL (or their _FILE forms) is required');
    process.exit(2);
  }
  try {
    const applied = await runMigrations(url, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } catch (err) {
    logger.error({ err }, 'migration failed');
    process.exit(1);
  }
}

if (isMainModule(import.meta.url)) void main();
