// Option parsers shared by the loadtest, chaos and bench commands.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer, 0 or more');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

// The admin key: SHORTSTACK_ADMIN_KEY or a file, never a flag (`ps` shows every argument).
export { ADMIN_KEY_ENV, adminKeyFrom } from '../../infra/loopback/cli.js';

/**
 * A repeatable `name=value` option (a server setting), collected into one record; a later one of
 * the same name wins, as PostgreSQL's own `-c` does.
 */
export function nameValue(value: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('must be name=value');
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1).trim() };
}
