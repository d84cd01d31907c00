// The Docker stack's backup and restore commands: their order, and that each runs as written
// in a POSIX shell (sh runs the printed plan against a stand-in `docker` that records each call
// and answers psql as PostgreSQL would).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerCommands, shellWord } from './docker-commands.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'shortstack-docker-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WAL = '000000010000000000000007';
/** A `docker` shell function: each call's arguments, one per line, then a blank line; psql answers. */
const FAKE_DOCKER = `
docker() {
  for a in "$@"; do printf '%s\\n' "$a"; done >> "$CALLS"; echo >> "$CALLS"
  case "$*" in
    *pg_switch_wal*) echo ${WAL} ;;
    *"left(last_archived_wal, 24) >= '${WAL}'"*) echo t ;;
    *last_archived_wal*) echo f ;;
    *pg_is_in_recovery*) echo f ;;
    *pg_last_committed_xact*) echo '2026-12-01 10:05:00+00' ;;
    "inspect --format {{.Image}}"*) echo sha256:backup-image ;;
    inspect*) echo shortstack-dev-postgres-backup-secrets-0123456789abcdef ;;
  esac
}
`;

/** Runs the lines in sh with the stand-in; every docker call, as its argument vector. */
async function runPlan(lines: string[]): Promise<{ out: string; calls: string[][] }> {
  const calls = join(dir, `calls-${Math.random().toString(36).slice(2)}`);
  writeFileSync(calls, '');
  const { stdout } = await exec('sh', ['-ec', `${FAKE_DOCKER}\n${lines.join('\n')}`], { env: { ...process.env, CALLS: calls }, timeout: 30_000 });
  // No argument of the plan is empty: a blank line ends a call.
  const recorded = readFileSync(calls, 'utf8').split('\n\n').filter((c) => c.trim() !== '');
  return { out: stdout, calls: recorded.map((c) => c.split('\n').filter((a) => a !== '')) };
}

describe('Docker backup commands', () => {
  it('takes a backup of the asked type and lists the repository in the backup container, with the stack\'s secret config', () => {
    expect(dockerCommands('dev', { kind: 'backup', type: 'diff' })[0]).toBe(
      'docker exec shortstack-dev-postgres-backup pgbackrest --config=/run/secrets/pgbackrest.conf --stanza=shortstack --log-level-console=info backup --type=diff');
    expect(dockerCommands('staging', { kind: 'list' })).toEqual([
      'docker exec shortstack-staging-postgres-backup pgbackrest --config=/run/secrets/pgbackrest.conf --stanza=shortstack info']);
  });

  it('quotes for the shell only what needs it', () => {
    expect(shellWord('--type=full')).toBe('--type=full');
    expect(shellWord('--target=2026-12-01 10:00:00.000+00')).toBe("'--target=2026-12-01 10:00:00.000+00'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
  });
});

describe('Docker restore plan, run by sh', () => {
  const at = new Date('2026-12-01T10:00:00Z');

  it('archives the current WAL, stops writers then PostgreSQL, restores, replays, checks migrations, starts writers', async () => {
    const { out, calls } = await runPlan(dockerCommands('dev', { kind: 'restore', target: { kind: 'time', at } }));
    expect(out).toContain('last commit: 2026-12-01 10:05:00+00');
    const verbs = calls.map((c) => (c[0] === 'exec' ? `exec ${c[1]} ${c.at(-1)}` : `${c[0]} ${c.slice(1).filter((a) => a.startsWith('shortstack-dev-')).join(' ')}`.trim()));
    const indexOf = (s: string) => {
      const i = verbs.findIndex((v) => v.startsWith(s));
      expect([s, i >= 0]).toEqual([s, true]);
      return i;
    };
    // The segment's name reached the archiver query: the shell expanded it.
    expect(verbs).toContain(`exec shortstack-dev-postgres select coalesce(left(last_archived_wal, 24) >= '${WAL}', false) from pg_stat_archiver`);
    expect(indexOf('exec shortstack-dev-postgres select pg_walfile_name')).toBeLessThan(indexOf('stop shortstack-dev-pgbouncer shortstack-dev-postgres-backup'));
    expect(indexOf('stop shortstack-dev-pgbouncer')).toBeLessThan(indexOf('stop shortstack-dev-postgres'));
    expect(indexOf('stop shortstack-dev-postgres')).toBeLessThan(indexOf('run'));
    expect(indexOf('run')).toBeLessThan(indexOf('start shortstack-dev-postgres'));
    expect(indexOf('start shortstack-dev-postgres')).toBeLessThan(indexOf('exec shortstack-dev-postgres select pg_is_in_recovery()'));
    expect(indexOf('exec shortstack-dev-postgres select pg_is_in_recovery()')).toBeLessThan(indexOf('start shortstack-dev-migrate'));
    expect(indexOf('start shortstack-dev-migrate')).toBeLessThan(indexOf('start shortstack-dev-pgbouncer'));
    // The new timeline's full backup runs while the schedule is stopped (pgBackRest's lock is per
    // container), with the backup container's own mounts; the schedule starts after it.
    expect(verbs.slice(indexOf('start shortstack-dev-pgbouncer'))).toEqual([
      'start shortstack-dev-pgbouncer', 'inspect shortstack-dev-postgres-backup', 'run shortstack-dev-postgres-backup', 'start shortstack-dev-postgres-backup']);
    expect(calls[indexOf('start shortstack-dev-migrate')]).toEqual(['start', '--attach', 'shortstack-dev-migrate']);
    const backup = calls[indexOf('run shortstack-dev-postgres-backup')]!;
    expect(backup).toEqual([
      'run', '--rm', '--user', '70:70', '--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true',
      '--volumes-from', 'shortstack-dev-postgres-backup', '--entrypoint', 'pgbackrest', 'sha256:backup-image',
      '--config=/run/secrets/pgbackrest.conf', '--stanza=shortstack', '--log-level-console=info', 'backup', '--type=full',
    ]);

    const run = calls[indexOf('run')]!;
    const image = run.indexOf('sha256:backup-image');
    // The restore container: PostgreSQL's uid, no network, read-only root, no capabilities; the
    // data volume writable, the repository, the secret config read-only.
    expect(run.slice(0, image)).toEqual([
      'run', '--rm', '--user', '70:70', '--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true',
      '--mount', 'type=volume,source=shortstack-dev-postgres-data,target=/var/lib/postgresql/data',
      '--mount', 'type=volume,source=shortstack-dev-backup-repo,target=/var/lib/pgbackrest',
      '--mount', 'type=volume,source=shortstack-dev-postgres-backup-secrets-0123456789abcdef,target=/run/secrets,readonly',
      '--entrypoint', 'sh',
    ]);
    expect(run.slice(image + 1)).toEqual([
      '-c', 'mkdir -p "$0" && chmod 0700 "$0" && exec pgbackrest "$@"', '/var/lib/postgresql/data/pgdata',
      '--config=/run/secrets/pgbackrest.conf', '--stanza=shortstack',
      'restore', '--delta', '--type=time', '--target=2026-12-01 10:00:00.000+00', '--target-action=promote',
    ]);
  });

  it('replays everything archived for --latest', async () => {
    const { calls } = await runPlan(dockerCommands('dev', { kind: 'restore', target: { kind: 'latest' } }));
    const run = calls.find((c) => c[0] === 'run')!;
    expect(run.slice(run.indexOf('--stanza=shortstack') + 1)).toEqual(['restore', '--delta']);
  });
});
