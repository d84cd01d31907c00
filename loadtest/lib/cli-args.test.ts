import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { nameValue, nonNegativeInt, positiveInt } from './cli-args.js';

describe('nameValue', () => {
  it('collects repeated settings, a later one of the same name winning', () => {
    const once = nameValue('max_wal_size=4GB');
    const twice = nameValue('checkpoint_timeout = 15min', once);
    expect(nameValue('max_wal_size=8GB', twice)).toEqual({ max_wal_size: '8GB', checkpoint_timeout: '15min' });
    expect(once).toEqual({ max_wal_size: '4GB' }); // the earlier record is left as it was
  });

  it('keeps an = inside the value', () => {
    expect(nameValue("archive_command=test -f x || echo a=b")).toEqual({ archive_command: 'test -f x || echo a=b' });
  });

  it('refuses a value without a name', () => {
    expect(() => nameValue('=4GB')).toThrow(InvalidArgumentError);
    expect(() => nameValue('max_wal_size')).toThrow(InvalidArgumentError);
  });
});

describe('positiveInt', () => {
  it('takes a positive integer and refuses the rest', () => {
    expect(positiveInt('12')).toBe(12);
    expect(() => positiveInt('0')).toThrow(InvalidArgumentError);
    expect(() => positiveInt('1.5')).toThrow(InvalidArgumentError);
  });
});

describe('nonNegativeInt', () => {
  it('takes 0 and the positive integers, and refuses the rest', () => {
    expect(nonNegativeInt('0')).toBe(0);
    expect(nonNegativeInt('10000000')).toBe(10_000_000);
    expect(() => nonNegativeInt('-1')).toThrow(InvalidArgumentError);
    expect(() => nonNegativeInt('2.5')).toThrow(InvalidArgumentError);
    expect(() => nonNegativeInt('many')).toThrow(InvalidArgumentError);
  });
});
