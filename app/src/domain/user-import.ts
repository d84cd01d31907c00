// The rules of a users CSV import for one row, without I/O: rejected (and why) or a user to
// insert. Repeats, inside the file or of rows already in the table, need no memory here: the
// batched INSERT ... ON CONFLICT DO NOTHING skips them and the difference is counted.
import { parseId, parseTimestamp } from '../seed/csv-values.js';
import type { NewUser } from '../store/users-store.js';
import { emailProblem, usernameProblem } from './user-rules.js';

export interface RowRejection { row: number; error: string }

export type RowVerdict = { kind: 'insert'; user: NewUser } | { kind: 'reject'; error: string };

export const REQUIRED_COLUMNS = ['username', 'email'] as const;

/**
 * A cell a spreadsheet would run as a formula when the data is opened there again (CSV or
 * formula injection): it starts with =, +, - or @. Such rows are refused, not rewritten: a
 * username or email stored other than as sent would be a silent change. Leading whitespace is
 * trimmed before the check, as it is before the value is stored.
 */
export const FORMULA_START = /^[=+\-@]/;

export function formulaProblem(cell: string): string | undefined {
  return FORMULA_START.test(cell) ? 'must not start with =, +, - or @ (a spreadsheet would run it as a formula)' : undefined;
}

export function judgeUserRow(record: Record<string, string | undefined>): RowVerdict {
  const username = (record.username ?? '').trim();
  const email = (record.email ?? '').trim();
  const problems: string[] = [];
  const up = formulaProblem(username) ?? usernameProblem(username);
  if (up) problems.push(`username ${up}`);
  const ep = formulaProblem(email) ?? emailProblem(email);
  if (ep) problems.push(`email ${ep}`);
  const id = parseId(record.id);
  if (id === undefined) problems.push('id must be a positive integer');
  const createdAt = parseTimestamp(record.created_at);
  if (createdAt === undefined) problems.push('created_at must be a timestamp (YYYY-MM-DD HH:MM:SS, UTC)');
  if (problems.length > 0) return { kind: 'reject', error: problems.join('; ') };
  return { kind: 'insert', user: { id: id ?? null, username, email, createdAt: createdAt ?? null } };
}
