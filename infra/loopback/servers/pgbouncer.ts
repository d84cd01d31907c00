import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessServer } from './managed.js';
import { serviceUser, startProcess } from './process.js';
import { canConnect, waitFor } from './ports.js';

export interface PgbouncerFiles {
  /** A folder of its own, writable by the service user. */
  dir: string;
  port: number;
  ini: string;
  userlist: string;
}

/** Paths inside DIR that a rendered loopback pgbouncer.ini must name. */
export function pgbouncerPaths(dir: string) {
  return {
    ini: join(dir, 'pgbouncer.ini'),
    authFile: join(dir, 'userlist.txt'),
    logFile: join(dir, 'pgbouncer.log'),
    pidFile: join(dir, 'pgbouncer.pid'),
  };
}

export class PgbouncerServer extends ProcessServer {
  readonly name = 'pgbouncer';
  readonly port: number;

  constructor(private readonly files: PgbouncerFiles) {
    super();
    this.port = files.port;
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    const runAs = serviceUser();
    const paths = pgbouncerPaths(this.files.dir);
    mkdirSync(this.files.dir, { recursive: true });
    writeFileSync(paths.ini, this.files.ini);
    writeFileSync(paths.authFile, this.files.userlist, { mode: 0o600 });
    if (runAs) for (const p of [this.files.dir, paths.ini, paths.authFile]) chownSync(p, runAs.uid, runAs.gid);
    this.proc = startProcess({
      name: this.name,
      command: '/usr/sbin/pgbouncer',
      args: [paths.ini],
      logFile: join(this.files.dir, 'pgbouncer.stderr.log'),
      runAs,
    });
    await waitFor('pgbouncer', async () => {
      if (!this.isRunning()) throw new Error(`pgbouncer exited; see ${paths.logFile}`);
      return canConnect(this.port);
    });
  }
}
