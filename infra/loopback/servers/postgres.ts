import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CommandServer } from './command.js';
import { serviceUser } from './process.js';

export interface PostgresOptions {
  /** A folder of its own; the cluster lives in DIR/data. */
  dir: string;
  port: number;
  superPassword: string;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  return join(root, newest, 'bin');
}

/** A real PostgreSQL cluster on 127.0.0.1, run as the `postgres` user when we are root. */
export class PostgresServer extends CommandServer {
  constructor(private readonly opts: PostgresOptions) {
    const bin = postgresBinDir();
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      fsync: 'off',
      max_connections: '200',
      ...opts.settings,
    };
    const args = ['-D', join(opts.dir, 'data'), '-p', String(opts.port), '-k', opts.dir];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    super({
      name: 'postgres',
      port: opts.port,
      command: join(bin, 'postgres'),
      args,
      dir: opts.dir,
      runAs: serviceUser(),
      // It accepts TCP before it can serve ("starting up"): ask it a question instead.
      ready: () => this.query('select 1').then(() => true),
      // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is lost.
      stopSignal: 'SIGINT',
    });
  }

  get dataDir(): string {
    return join(this.opts.dir, 'data');
  }

  private init(): void {
    const runAs = serviceUser();
    mkdirSync(this.opts.dir, { recursive: true });
    if (runAs) chownSync(this.opts.dir, runAs.uid, runAs.gid);
    const pwfile = join(this.opts.dir, 'pwfile');
    writeFileSync(pwfile, this.opts.superPassword, { mode: 0o600 });
    if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
    execFileSync(
      join(postgresBinDir(), 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C'],
      { stdio: 'pipe', ...(runAs ?? {}) },
    );
  }

  override async start(): Promise<void> {
    if (this.isRunning()) return;
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) this.init();
    await super.start();
  }

  superUrl(database = 'postgres'): string {
    return `postgres://postgres:${encodeURIComponent(this.opts.superPassword)}@127.0.0.1:${this.port}/${database}`;
  }

  /** One statement as the superuser, on a connection of its own. */
  async query(sql: string, params: unknown[] = [], database = 'postgres'): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.superUrl(database), connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  /**
   * Creates a login role and a database it owns (idempotent). The role is a member of
   * pg_monitor: postgres_exporter signs in as it (the archive lag reads pg_ls_archive_statusdir),
   * as on Docker, where the image makes it the cluster's owner.
   */
  async createDatabase(name: string, owner: string, password: string): Promise<void> {
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const role = await this.query('select 1 from pg_roles where rolname = $1', [owner]);
    if (role.rowCount === 0) await this.query(`create role ${ident(owner)} login password ${lit(password)}`);
    // Every start: a --dir kept from before the grant gets it too (a repeat is a no-op).
    await this.query(`grant pg_monitor to ${ident(owner)}`);
    const db = await this.query('select 1 from pg_database where datname = $1', [name]);
    if (db.rowCount === 0) await this.query(`create database ${ident(name)} owner ${ident(owner)}`);
  }
}
