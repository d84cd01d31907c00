// Schema migrations: the SQL files of app/migrations applied by node-pg-migrate. Run once per
// deploy as its own command (the `migrate` one-shot service), never by the replicas themselves.
// Several runs at once are safe: each waits on node-pg-migrate's session advisory lock, which is
// why this must connect straight to PostgreSQL (PgBouncer's transaction mode drops session locks).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { pino } from 'pino';
import { settingFromEnv } from './config.js';
import { isMainModule } from './is-main.js';

/** app/migrations, from app/src (tsx) and from app/dist (the built image) alike. */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Where node-pg-migrate records what it applied. */
export const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * Runs fn with a client of its own for node-pg-migrate (`dbClient`), ended before this returns.
 * node-pg-migrate ends a client it made without waiting and with no 'error' listener on it, so a
 * server stopping just after (a test's data services) reached it as an uncaught exception (57P01).
 */
async function withMigrationClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A lost connection fails the statement that meets it instead.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function runMigrations(databaseUrl: string, logger = pino({ level: 'warn' })): Promise<string[]> {
  const applied = await withMigrationClient(databaseUrl, (dbClient) => runner({
    dbClient,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: (msg: string) => logger.info(msg),
  }));
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
  const applied = await withMigrationClient(databaseUrl, (dbClient) => runner({
    dbClient, dir: MIGRATIONS_DIR, direction, count, migrationsTable: MIGRATIONS_TABLE, singleTransaction: true,
    advisoryLockMode: 'wait', log: () => undefined,
  }));
  return applied.map((m) => m.name);
}

/**
 * How many applied migrations come after `keep` (to migrate down until it is the newest), from
 * the names the database records in the order they ran; an error when `keep` is not one of them.
 */
export function countAfter(applied: readonly string[], keep: string): number {
  const at = applied.indexOf(keep);
  if (at < 0) throw new Error(`${keep} is not applied here (applied: ${applied.at(0) ?? 'none'} .. ${applied.at(-1) ?? 'none'})`);
  return applied.length - at - 1;
}

/**
 * Reverts every migration applied after `keep`, newest first, each its own transaction: what a
 * rollback past a contract migration needs (the release before it reads what it removed).
 */
export async function migrateDownTo(databaseUrl: string, keep: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let applied: string[];
  try {
    applied = (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`)).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
  const count = countAfter(applied, keep);
  return count === 0 ? [] : stepMigrations(databaseUrl, 'down', count);
}

/** The Down section of a migration file as node-pg-migrate splits it (after `-- Down Migration`). */
export function downSection(sql: string): string {
  const parts = sql.split(/^-- Down Migration[^\n]*$/m);
  if (parts.length !== 2) throw new Error('a migration file has one "-- Down Migration" line');
  return parts[1]!.trim();
}

/**
 * The SQL that reverts every migration after `keep`, newest first, with node-pg-migrate's record
 * of each: for a database no shell here reaches (psql in its container or task), one transaction.
 */
export function downToSql(keep: string): string {
  const after = migrationsFrom(keep).slice(1).reverse();
  return after.map((name) => `-- revert ${name}\n${downSection(readFileSync(join(MIGRATIONS_DIR, `${name}.sql`), 'utf8'))}\n`
    + `DELETE FROM ${MIGRATIONS_TABLE} WHERE name = '${name}';\n`).join('\n');
}

async function main(): Promise<void> {
  const opts = new Command('migrate')
    .description('Apply the migrations of app/migrations not yet applied (MIGRATE_DATABASE_URL, else DATABASE_URL, or their _FILE forms)')
    .option('--down-to <name>', 'instead, revert every migration applied after <name> (a rollback past a contract migration)')
    .option('--down-sql <name>', 'instead, print the SQL that reverts every migration after <name>, connecting nowhere')
    .parse()
    .opts<{ downTo?: string; downSql?: string }>();
  if (opts.downSql !== undefined) {
    process.stdout.write(downToSql(opts.downSql));
    return;
  }
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
    if (opts.downTo !== undefined) {
      const reverted = await migrateDownTo(url, opts.downTo);
      logger.info({ reverted }, reverted.length > 0 ? 'migrations reverted' : `nothing applied after ${opts.downTo}`);
    } else {
      const applied = await runMigrations(url, logger);
      logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
    }
  } catch (err) {
    logger.error({ err }, 'migration failed');
    process.exit(1);
  }
}

if (isMainModule(import.meta.url)) void main();
