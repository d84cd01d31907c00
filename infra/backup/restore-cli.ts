// npm run restore -- --to 2026-12-01T10:00:00Z | --latest [--yes] [--dir DIR] ; or --stack NAME (print its commands)
// Loopback: asks the running `npm run local` (its restore socket) to stop writers, restore,
// check migrations and restart, and prints each step. Refused without --yes when the database
// holds commits newer than the point.
import { Command } from 'commander';
import { requestRestore } from '../loopback/restore-socket.js';
import { printPlacementCommands, stackDirFrom } from './backup-cli.js';
import { parseRestoreTarget, type RestoreTarget } from './target.js';
import { isMainModule } from '../../app/src/is-main.js';

async function main(): Promise<void> {
  const program = new Command('restore')
    .description('Restore the stack\'s PostgreSQL to a point in time (--to) or the latest archived WAL (--latest), in place')
    .option('--to <time>', 'ISO 8601 time with its zone, e.g. 2026-12-01T10:00:00Z')
    .option('--latest', 'everything archived (the current WAL is archived first when PostgreSQL runs)')
    .option('--yes', 'restore even when the database holds newer commits (they are lost)')
    .option('--dir <dir>', 'the loopback stack\'s folder (npm run local --dir; default $STACK_DIR from runbook.env)')
    .option('--stack <name>', 'a Pulumi stack: print its placement\'s commands')
    .parse();
  const o = program.opts<{ to?: string; latest?: boolean; yes?: boolean; dir?: string; stack?: string }>();
  let target: RestoreTarget;
  try {
    target = parseRestoreTarget(o);
  } catch (err) {
    return program.error((err as Error).message);
  }
  try {
    if (o.stack) return printPlacementCommands(o.stack, { kind: 'restore', target });
    const dir = stackDirFrom(o) ?? program.error('give --dir DIR (the npm run local --dir) or --stack NAME, or source the stack\'s runbook.env');
    const t0 = Date.now();
    const outcome = await requestRestore(dir, { ...(o.to ? { to: o.to } : {}), latest: o.latest === true, yes: o.yes === true }, (l) => console.log(l));
    if (outcome.ok) console.log(`restored in ${((Date.now() - t0) / 1000).toFixed(1)} s; writers back`);
    else {
      console.error(outcome.error);
      process.exitCode = outcome.refused ? 2 : 1;
    }
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}

if (isMainModule(import.meta.url)) await main();
