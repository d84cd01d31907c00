import { describe, expect, it } from 'vitest';
import type { ProcStat } from '../../loadtest/lib/cpu.js';
import { ARCHIVE_COMMAND_ROLE, postgresCpuByRole, postgresRole, statementLabel, ticksButArchiving } from './pg-roles.js';

describe('PostgreSQL processes by role', () => {
  it('names a client backend by its user and the rest by the role PostgreSQL gives, with or without a cluster name', () => {
    expect(postgresRole('postgres: shortstack shortstack 127.0.0.1(41766) idle')).toBe('backend shortstack');
    expect(postgresRole('postgres: postgres postgres [local] SELECT')).toBe('backend postgres');
    expect(postgresRole('postgres: walwriter')).toBe('walwriter');
    expect(postgresRole('postgres: autovacuum worker shortstack')).toBe('autovacuum worker');
    expect(postgresRole('postgres: archiver last was 000000010000000000000003')).toBe('archiver');
    expect(postgresRole('postgres: main: checkpointer')).toBe('checkpointer');
    expect(postgresRole('postgres: main: shortstack shortstack 127.0.0.1(5) COPY')).toBe('backend shortstack');
    expect(postgresRole('/usr/lib/postgresql/15/bin/postgres -D /x')).toBe('other');
  });

  const proc = (pid: number, ppid: number, ticks: number, reapedTicks: number, title: string): ProcStat => ({ pid, ppid, comm: 'postgres', ticks, reapedTicks, title });

  it('counts each role\'s ticks over the window, children born in it from zero, and exited ones through the postmaster', () => {
    const before = [
      proc(10, 1, 5, 100, '/usr/lib/postgresql/15/bin/postgres -D /x'),
      proc(11, 10, 40, 0, 'postgres: shortstack shortstack 127.0.0.1(1) idle'),
      proc(12, 10, 7, 0, 'postgres: autovacuum worker shortstack'), // exits in the window, with 7 + 3 ticks
      proc(13, 10, 2, 50, 'postgres: archiver'),
      proc(99, 1, 1000, 0, 'postgres: walwriter'), // another cluster's
    ];
    const after = [
      proc(10, 1, 6, 100 + 10 + 4, '/usr/lib/postgresql/15/bin/postgres -D /x'), // reaped: 12 (10) and a worker born and gone (4)
      proc(11, 10, 90, 0, 'postgres: shortstack shortstack 127.0.0.1(1) COPY'),
      proc(14, 10, 6, 0, 'postgres: shortstack shortstack 127.0.0.1(2) idle'),
      proc(13, 10, 3, 58, 'postgres: archiver'),
      proc(99, 1, 2000, 0, 'postgres: walwriter'),
    ];
    expect(postgresCpuByRole(before, after, 10)).toEqual({
      postmaster: 1,
      'postmaster: exited children (autovacuum workers, ...)': 3 + 4,
      'backend shortstack': 50 + 6,
      archiver: 1,
      'archiver: archive_command': 8,
    });
  });

  it('prints a statement on one line, cut to a width', () => {
    expect(statementLabel('SELECT id\n    FROM urls  WHERE id = $1')).toBe('SELECT id FROM urls WHERE id = $1');
    expect(statementLabel('x'.repeat(20), 10)).toBe('xxxxxxx...');
  });
});

describe('a cluster\'s ticks but archiving', () => {
  it('sums every role but archive_command\'s', () => {
    expect(ticksButArchiving({ 'backend shortstack': 40, walwriter: 2, [ARCHIVE_COMMAND_ROLE]: 9, archiver: 1 })).toBe(43);
    expect(ticksButArchiving({})).toBe(0);
  });
});
