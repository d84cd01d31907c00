// Option parsers shared by the loadtest, chaos and bench commands.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** The admin key from the flag or the SHORTSTACK_ADMIN_KEY environment variable (kept out of shell history). */
export function adminKeyFrom(flag: string | undefined): string | undefined {
  return flag ?? process.env.SHORTSTACK_ADMIN_KEY ?? undefined;
}
