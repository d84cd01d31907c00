import { describe, expect, it } from 'vitest';
import { awsCommands } from './commands.js';
import { parseRestoreTarget, pgTime, refusal, restoreArgs } from './target.js';

const at = new Date('2026-12-01T10:00:00Z');

describe('restore targets', () => {
  it('takes an ISO time with its zone, or latest, never both or neither', () => {
    expect(parseRestoreTarget({ to: '2026-12-01T10:00:00Z' })).toEqual({ kind: 'time', at });
    expect(parseRestoreTarget({ to: '2026-12-01T11:00:00+01:00' })).toEqual({ kind: 'time', at });
    expect(parseRestoreTarget({ latest: true })).toEqual({ kind: 'latest' });
    expect(() => parseRestoreTarget({ to: '2026-12-01 10:00' })).toThrow(/with a zone/);
    expect(() => parseRestoreTarget({ to: '2026-12-01T10:00:00Z', latest: true })).toThrow(/not both/);
    expect(() => parseRestoreTarget({})).toThrow(/--to TIME .* or --latest/);
  });

  it('hands pgBackRest a time it accepts, and replays to it before opening for writes', () => {
    expect(pgTime(at)).toBe('2026-12-01 10:00:00.000+00');
    expect(restoreArgs({ kind: 'time', at }, true)).toEqual(['restore', '--delta', '--type=time', '--target=2026-12-01 10:00:00.000+00', '--target-action=promote']);
    expect(restoreArgs({ kind: 'latest' }, false)).toEqual(['restore']);
  });

  it('refuses only what would lose commits, or what it cannot see', () => {
    const newer = { kind: 'last-commit', at: new Date('2026-12-01T10:00:05Z') } as const;
    const older = { kind: 'last-commit', at: new Date('2026-12-01T09:59:00Z') } as const;
    expect(refusal({ kind: 'time', at }, newer)).toMatch(/commits up to 2026-12-01T10:00:05.000Z, newer than 2026-12-01T10:00:00.000Z/);
    expect(refusal({ kind: 'time', at }, older)).toBeUndefined();
    expect(refusal({ kind: 'latest' }, newer)).toBeUndefined();
    expect(refusal({ kind: 'time', at }, { kind: 'none' })).toBeUndefined();
    expect(refusal({ kind: 'latest' }, { kind: 'unknown', why: 'PostgreSQL is not running' })).toMatch(/cannot tell .*not running/);
  });
});

describe('AWS commands', () => {
  it('restores RDS into a new instance that takes the old name, writers (PgBouncer) stopped meanwhile', () => {
    const cmds = awsCommands('prod', { kind: 'restore', target: { kind: 'latest' } }, at);
    const i = (s: string) => cmds.findIndex((c) => c.includes(s));
    expect(cmds[i('restore-db-instance-to-point-in-time')]).toContain('--target-db-instance-identifier shortstack-prod-postgres-restore-20261201t100000 --use-latest-restorable-time');
    expect(i('--service shortstack-prod-pgbouncer --desired-count 0')).toBeLessThan(i('--new-db-instance-identifier shortstack-prod-postgres-before-'));
    expect(i('--new-db-instance-identifier shortstack-prod-postgres --apply')).toBeLessThan(i('--service shortstack-prod-pgbouncer --desired-count 1'));
    expect(awsCommands('staging', { kind: 'backup' }, at)).toEqual(['aws rds create-db-snapshot --db-instance-identifier shortstack-staging-postgres --db-snapshot-identifier shortstack-staging-postgres-manual-20261201t100000']);
  });
});
