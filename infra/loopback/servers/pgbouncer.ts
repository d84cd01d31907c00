import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandServer } from './command.js';
import { serviceUser } from './process.js';

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

/** PgBouncer refuses root: it runs as the service user, on files written for it. */
export class PgbouncerServer extends CommandServer {
  constructor(private readonly files: PgbouncerFiles) {
    super({
      name: 'pgbouncer',
      port: files.port,
      command: '/usr/sbin/pgbouncer',
      args: [pgbouncerPaths(files.dir).ini],
      dir: files.dir,
      runAs: serviceUser(),
    });
  }

  override async start(): Promise<void> {
    if (this.isRunning()) return;
    const runAs = serviceUser();
    const paths = pgbouncerPaths(this.files.dir);
    mkdirSync(this.files.dir, { recursive: true });
    writeFileSync(paths.ini, this.files.ini);
    writeFileSync(paths.authFile, this.files.userlist, { mode: 0o600 });
    if (runAs) for (const p of [this.files.dir, paths.ini, paths.authFile]) chownSync(p, runAs.uid, runAs.gid);
    await super.start();
  }
}
