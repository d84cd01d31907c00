// npm run bench:import -- [--rows 1000000] [--what users|urls|both] [--rounds 3]
// POST /users/bulk with the seed users.csv scaled up by the generator (N users with their ids),
// beside `psql \copy` of the very same file into a table shaped like users, alternated over
// --rounds into empty tables, medians (issue 13's aim: the API at >= 0.5x psql's rows/s); and POST /urls/bulk with
// a CSV of N links (codes given, so psql can load the very same rows), through one replica on
// real PostgreSQL via PgBouncer, beside `psql \copy` of the same rows into a table shaped like
// urls (same columns, defaults and indexes; no trigger, no events). Prints rows/s and peak RSS. The replica runs in this process (the uploader streams the
// file from disk, so it adds little): its RSS is sampled every 50 ms; psql's peak is /usr/bin/time's.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { startDataServices } from '../../infra/loopback/data-services.js';
import { runMigrations } from '../src/migrate.js';
import { writeDataset } from '../src/seed/generator.js';
import { startBenchService } from './bench-service.js';

const opts = new Command().option('--rows <n>', 'rows in each file', '1000000')
  .option('--what <which>', 'users, urls or both', 'both')
  .option('--rounds <n>', 'user imports: API and psql alternated this many times, medians', '3')
  .parse().opts<{ rows: string; what: string; rounds: string }>();
/** Issue 13: the user import's rows/s at least this share of psql \copy's. */
const USER_IMPORT_AIM = 0.5;
const rows = Number(opts.rows);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function writeFiles(dir: string): Promise<{ csv: string; copy: string }> {
  const csv = join(dir, 'urls.csv');
  const copy = join(dir, 'urls-copy.csv');
  const a = createWriteStream(csv);
  const b = createWriteStream(copy);
  a.write('original_url,short_code,title,tags,expires_at\n');
  b.write('original_url,short_code,title\n');
  for (let i = 1; i <= rows; i += 1000) {
    const la: string[] = [];
    const lb: string[] = [];
    for (let j = i; j < Math.min(i + 1000, rows + 1); j++) {
      const code = `imp${j.toString(36)}`;
      la.push(`https://example.com/import/${j},${code},Imported ${j},,`);
      lb.push(`https://example.com/import/${j},${code},Imported ${j}`);
    }
    if (!a.write(`${la.join('\n')}\n`)) await once(a, 'drain');
    if (!b.write(`${lb.join('\n')}\n`)) await once(b, 'drain');
  }
  a.end();
  b.end();
  await Promise.all([once(a, 'finish'), once(b, 'finish')]);
  return { csv, copy };
}

/** The seed format (id,username,email,created_at), as `npm run generate-data` writes it. */
async function writeUsersFile(dir: string): Promise<string> {
  await writeDataset(join(dir, 'generated'), { users: rows, urls: 0, events: 0 });
  return join(dir, 'generated', 'users.csv');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perSecond = (seconds: number) => `${Math.round(rows / seconds).toLocaleString('en')} rows/s`;

/** POST /users/bulk of the file, then psql \copy of the same file into a table like users; alternated, into empty tables. */
async function benchUsers(dir: string, data: Awaited<ReturnType<typeof startDataServices>>, direct: pg.Pool): Promise<void> {
  const { service, adminKey } = await startBenchService(data);
  const csv = await writeUsersFile(dir);
  process.stderr.write(`${rows.toLocaleString('en')} users, ${mb(statSync(csv).size)} of CSV\n`);
  await direct.query('CREATE TABLE users_copy (LIKE users INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)');
  const api: number[] = [];
  const copy: number[] = [];
  try {
    for (let round = 1; round <= Number(opts.rounds); round++) {
      await direct.query('TRUNCATE users, users_copy RESTART IDENTITY CASCADE');
      await direct.query('VACUUM ANALYZE users, users_copy');
      const form = new FormData();
      form.set('file', await openAsBlob(csv, { type: 'text/csv' }), 'users.csv');
      const t0 = performance.now();
      const res = await fetch(`${service.url}/users/bulk`, { method: 'POST', headers: { 'x-api-key': adminKey }, body: form });
      const answer = (await res.json()) as { imported: number };
      api.push((performance.now() - t0) / 1000);
      if (res.status !== 201 || answer.imported !== rows) throw new Error(`user import answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
      const psql = spawnSync('/usr/bin/time', ['-f', '%e', 'psql', data.directDatabaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c',
        `\\copy users_copy (id, username, email, created_at) FROM '${csv}' CSV HEADER`], { encoding: 'utf8' });
      if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`);
      copy.push(Number(psql.stderr.trim().split('\n').pop()));
      process.stderr.write(`round ${round}: POST /users/bulk ${perSecond(api.at(-1)!)}, psql \\copy ${perSecond(copy.at(-1)!)}: ${(copy.at(-1)! / api.at(-1)!).toFixed(2)}x\n`);
    }
  } finally {
    await service.stop();
  }
  const [apiSeconds, copySeconds] = [median(api), median(copy)];
  // Each round's pair ran back to back: the median of their ratios drifts least with the machine's load.
  const share = median(api.map((seconds, i) => copy[i]! / seconds));
  console.log(`POST /users/bulk: ${rows.toLocaleString('en')} rows in ${apiSeconds.toFixed(1)} s = ${perSecond(apiSeconds)} (median of ${api.length})`);
  console.log(`psql \\copy:       ${rows.toLocaleString('en')} rows in ${copySeconds.toFixed(1)} s = ${perSecond(copySeconds)} (the same file into a table like users, median of ${copy.length})`);
  console.log(`user import at ${share.toFixed(2)}x psql's rows/s, median of the rounds' ratios (aim >= ${USER_IMPORT_AIM}): ${share >= USER_IMPORT_AIM ? 'PASS' : 'FAIL'}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-import-'));
  const data = await startDataServices();
  const direct = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 1 });
  try {
    await runMigrations(data.directDatabaseUrl);
    if (opts.what !== 'urls') await benchUsers(dir, data, direct);
    if (opts.what === 'users') return;
    const { service, adminKey } = await startBenchService(data);
    const files = await writeFiles(dir);
    process.stderr.write(`${rows.toLocaleString('en')} rows, ${mb(statSync(files.csv).size)} of CSV\n`);

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    const form = new FormData();
    form.set('file', await openAsBlob(files.csv, { type: 'text/csv' }), 'urls.csv');
    const t0 = performance.now();
    const res = await fetch(`${service.url}/urls/bulk`, { method: 'POST', headers: { 'x-api-key': adminKey }, body: form });
    const answer = (await res.json()) as { imported: number; rejected_count: number };
    const apiSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    await service.stop();
    if (res.status !== 201 || answer.imported !== rows) throw new Error(`import answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);

    await direct.query('CREATE TABLE urls_copy (LIKE urls INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)');
    const psql = spawnSync('/usr/bin/time', ['-f', '%e %M', 'psql', data.directDatabaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c',
      `\\copy urls_copy (original_url, short_code, title) FROM '${files.copy}' CSV HEADER`], { encoding: 'utf8' });
    if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`);
    const [copySeconds, copyPeakKb] = psql.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number];

    console.log(`POST /urls/bulk: ${rows.toLocaleString('en')} rows in ${apiSeconds.toFixed(1)} s = ${Math.round(rows / apiSeconds).toLocaleString('en')} rows/s; `
      + `replica process peak RSS ${mb(peak)} (${mb(baseline)} before the upload); writes each link, its created event and its index entries`);
    console.log(`psql \\copy:      ${rows.toLocaleString('en')} rows in ${copySeconds.toFixed(1)} s = ${Math.round(rows / copySeconds).toLocaleString('en')} rows/s; `
      + `psql peak RSS ${mb(copyPeakKb * 1024)}; the same rows into a table like urls (indexes, no trigger, no events)`);
  } finally {
    await direct.end();
    await data.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
