// `npm run generate-data -- --out DIR --users N --urls N --events N [--seed S]`
import { Command, InvalidArgumentError } from 'commander';
import { writeDataset } from './generator.js';

const count = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(v);
};

const program = new Command('generate-data')
  .description('Write users.csv, urls.csv and events.csv in the seed format, at any size')
  .requiredOption('--out <dir>', 'folder to write the three CSVs into')
  .option('--users <n>', 'users', count, 400)
  .option('--urls <n>', 'links', count, 2000)
  .option('--events <n>', 'events (the first --urls of them are the links\' "created")', count, 3500)
  .option('--seed <n>', 'PRNG seed: the same seed writes the same files', count, 42)
  .action(async (opts: { out: string; users: number; urls: number; events: number; seed: number }) => {
    const started = Date.now();
    await writeDataset(opts.out, { users: opts.users, urls: opts.urls, events: opts.events }, opts.seed);
    console.log(`wrote ${opts.users} users, ${opts.urls} urls, ${opts.events} events to ${opts.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`generate-data failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
