// Reads typed values under a key path of raw stack config, recording every problem instead of
// stopping at the first (see parseStackConfig).
export type Raw = Record<string, unknown>;
export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads typed values under a key path and records every problem instead of stopping at the first. */
export class Reader {
  constructor(readonly problems: Record<string, string>) {}

  object(raw: Raw, key: string, path: string, allowed: readonly string[]): Raw {
    const v = raw[key];
    if (v === undefined) return {};
    if (!isObject(v)) {
      this.problems[path] = 'must be an object';
      return {};
    }
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.problems[`${path}.${k}`] = 'is not a known key';
    return v;
  }

  int(raw: Raw, key: string, path: string, fallback: number, min: number, max: number): number {
    const v = raw[key];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.problems[path] = `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`;
      return fallback;
    }
    return n;
  }

  num(raw: Raw, key: string, path: string, fallback: number, min: number, max: number): number {
    const v = raw[key];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
      this.problems[path] = `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`;
      return fallback;
    }
    return n;
  }

  bool(raw: Raw, key: string, path: string, fallback: boolean): boolean {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    this.problems[path] = `must be true or false (got ${JSON.stringify(v)})`;
    return fallback;
  }

  str(raw: Raw, key: string, path: string, fallback: string, pattern?: RegExp, what?: string): string {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '' || (pattern && !pattern.test(v))) {
      this.problems[path] = `must be ${what ?? 'a non-empty string'} (got ${JSON.stringify(v)})`;
      return fallback;
    }
    return v;
  }

  optStr(raw: Raw, key: string, path: string): string | undefined {
    return raw[key] === undefined ? undefined : this.str(raw, key, path, '');
  }

  strList(raw: Raw, key: string, path: string): string[] {
    const v = raw[key];
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.trim() !== '')) return v as string[];
    this.problems[path] = 'must be a non-empty list of strings';
    return [];
  }
}


export const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
