import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ProcessServer } from './managed.js';
import { serviceUser, startProcess } from './process.js';
import { waitFor } from './ports.js';

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
export class PostgresServer extends ProcessServer {
  readonly name = 'postgres';
  readonly port: number;
  // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is lost.
  protected override readonly stopSignal = 'SIGINT';
  private readonly bin = postgresBinDir();

  constructor(private readonly opts: PostgresOptions) {
    super();
    this.port = opts.port;
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
      join(this.bin, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C'],
      { stdio: 'pipe', ...(runAs ?? {}) },
    );
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) this.init();
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      fsync: 'off',
      max_connections: '200',
      ...this.opts.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.opts.dir];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    this.proc = startProcess({
      name: this.name,
      command: join(this.bin, 'postgres'),
      args,
      logFile: join(this.opts.dir, 'postgres.log'),
      runAs: serviceUser(),
    });
    await waitFor('postgres', async () => {
      if (!this.isRunning()) throw new Error(`postgres exited; see ${this.opts.dir}/postgres.log`);
      return this.query('select 1').then(() => true);
    });
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

  /** Creates a login role and a database it owns (idempotent). */
  async createDatabase(name: string, owner: string, password: string): Promise<void> {
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const role = await this.query('select 1 from pg_roles where rolname = $1', [owner]);
    if (role.rowCount === 0) await this.query(`create role ${ident(owner)} login password ${lit(password)}`);
    const db = await this.query('select 1 from pg_database where datname = $1', [name]);
    if (db.rowCount === 0) await this.query(`create database ${ident(name)} owner ${ident(owner)}`);
  }
}
