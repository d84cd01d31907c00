// npm run backup -- [--dir DIR] [--type full|diff|incr] | --list ; npm run backup -- --stack NAME [--list]
// Loopback (a running or stopped `npm run local --dir DIR`, or $STACK_DIR from its runbook.env):
// runs pgBackRest against the stack's repository. A Pulumi stack: prints that placement's commands
// (Docker: docker exec into its backup container; AWS: RDS snapshots and point-in-time restores).
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pgbackrest, pgbackrestPaths } from '../loopback/servers/pgbackrest.js';
import { BACKUP_STANZA } from '../topology/names.js';
import { awsCommands, type BackupAction } from './commands.js';
import { dockerCommands } from './docker-commands.js';
import { parseBackupInfo, renderBackupList } from './info.js';
import { stackPlacement } from './stack-placement.js';
import { isMainModule } from '../../app/src/is-main.js';

/** The loopback stack's pgBackRest config, from its folder. */
export const loopbackBackupConf = (dir: string): string => pgbackrestPaths(join(dir, 'pgbackrest')).conf;

export function stackDirFrom(o: { dir?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return o.dir ?? (env.STACK_DIR || undefined);
}

/** Prints a Pulumi stack's commands for the action: they run on that stack's engine or account, not here. */
export function printPlacementCommands(stack: string, action: BackupAction, out: (l: string) => void = console.log): void {
  const placement = stackPlacement(process.cwd(), stack);
  if (placement === 'aws') {
    out(`# stack ${stack} (aws): RDS automated backups and point-in-time recovery; run these with the stack's AWS credentials`);
    for (const line of awsCommands(stack, action)) out(line);
    return;
  }
  out(`# stack ${stack} (docker): pgBackRest in the postgres-backup container, its repository in the backup-repo volume; run these on the stack's Docker host`);
  for (const line of dockerCommands(stack, action)) out(line);
}

async function main(): Promise<void> {
  const program = new Command('backup')
    .description('Take a pgBackRest backup now, or list the backups, of the loopback stack (--dir, or $STACK_DIR); with --stack NAME print that Pulumi stack\'s commands')
    .option('--dir <dir>', 'the loopback stack\'s folder (npm run local --dir; default $STACK_DIR from runbook.env)')
    .option('--stack <name>', 'a Pulumi stack (Pulumi.<name>.yaml): print its placement\'s commands')
    .option('--type <type>', 'full, diff or incr', (v) => {
      if (!['full', 'diff', 'incr'].includes(v)) throw new InvalidArgumentError('must be full, diff or incr');
      return v;
    }, 'full')
    .option('--list', 'list the backups and the archived WAL range instead')
    .parse();
  const o = program.opts<{ dir?: string; stack?: string; type: string; list?: boolean }>();
  const action: BackupAction = o.list ? { kind: 'list' } : { kind: 'backup', type: o.type as 'full' | 'diff' | 'incr' };
  try {
    if (o.stack) return printPlacementCommands(o.stack, action);
    const dir = stackDirFrom(o) ?? program.error('give --dir DIR (the npm run local --dir) or --stack NAME, or source the stack\'s runbook.env');
    const conf = loopbackBackupConf(dir);
    if (!o.list) {
      console.log(`backup (${o.type}) of ${dir} ...`);
      const t0 = Date.now();
      await pgbackrest(conf, BACKUP_STANZA, ['backup', `--type=${o.type}`]);
      console.log(`backup done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(renderBackupList(parseBackupInfo(JSON.parse(await pgbackrest(conf, BACKUP_STANZA, ['info', '--output=json'])))));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}

if (isMainModule(import.meta.url)) await main();
