// Runs raw stack config through its schema: converts Pulumi's strings, fills the defaults and
// names every bad key at once, each with the message its declaration gives (config-schema-kit.ts).
// A bad value is replaced by its default, so the rules after the schema still see a whole config.
import type { Static, TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';

export type Raw = Record<string, unknown>;
export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Node { type?: string; enum?: unknown[]; properties?: Record<string, TSchema>; items?: TSchema; must?: string }
const node = (s: TSchema) => s as Node;

/**
 * Pulumi hands nested values over as written ("3", "true"). TypeBox's Value.Convert would read
 * "1.5" as the integer 1; Number() keeps it 1.5, which the schema then refuses.
 */
function convert(schema: TSchema, v: unknown): unknown {
  const s = node(schema);
  if (typeof v === 'string' && v.trim() !== '') {
    const numeric = s.type === 'integer' || s.type === 'number' || (s.enum?.every((e) => typeof e === 'number') ?? false);
    if (numeric && !Number.isNaN(Number(v))) return Number(v);
    if (s.type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
  }
  const props = s.properties;
  if (isObject(v) && props) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, props[k] ? convert(props[k], x) : x]));
  if (Array.isArray(v) && s.items) return v.map((x) => convert(s.items as TSchema, x));
  return v;
}

/** The key (dotted, as an operator writes it) an error at a JSON pointer belongs to: a list is one key. */
function keyOf(schema: TSchema, pointer: string): { key: string[]; schema: TSchema } {
  const key: string[] = [];
  let at = schema;
  for (const seg of pointer.split('/').slice(1)) {
    const next = node(at).properties?.[seg];
    if (!next) break;
    key.push(seg);
    at = next;
  }
  return { key, schema: at };
}

const valueAt = (v: unknown, key: string[]) => key.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), v);

function dropAt(v: unknown, key: string[]): void {
  const parent = valueAt(v, key.slice(0, -1));
  if (isObject(parent)) delete parent[key[key.length - 1]!];
}

export interface Checked<S extends TSchema> {
  /** The config with every default filled and every bad value replaced by its default. */
  value: Static<S>;
  /** Dotted key -> message, e.g. `replicas` -> `must be an integer from 1 to 32 (got 0)`. */
  problems: Record<string, string>;
}

/** Every error, not TypeBox's first 8 (a process-wide setting, so restored at once: this is synchronous). */
function allErrors(schema: TSchema, value: unknown) {
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: Number.MAX_SAFE_INTEGER });
  try {
    return Value.Errors(schema, value);
  } finally {
    Settings.Set({ maxErrors });
  }
}

export function checkAgainst<S extends TSchema>(schema: S, raw: Raw): Checked<S> {
  const value = Value.Default(schema, convert(schema, structuredClone(raw)));
  // Check is a fraction of the cost of gathering errors, and most configs pass it.
  if (Value.Check(schema, value)) return { value, problems: {} };
  const problems: Record<string, string> = {};
  const bad: string[][] = [];
  for (const e of allErrors(schema, value)) {
    const { key, schema: declared } = keyOf(schema, e.instancePath);
    const dotted = (k: string) => [...key, k].join('.');
    if (e.keyword === 'additionalProperties') {
      for (const k of e.params.additionalProperties) problems[dotted(k)] ??= 'is not a known key';
    } else if (e.keyword === 'required') {
      for (const k of e.params.requiredProperties) problems[dotted(k)] ??= 'must be set';
    } else if (e.keyword !== 'boolean') {
      // `boolean`: the `false` schema of additionalProperties, reported above by name.
      problems[key.join('.')] ??= `must be ${node(declared).must ?? 'valid'} (got ${JSON.stringify(valueAt(raw, key))})`;
      bad.push(key);
    }
  }
  for (const key of bad) dropAt(value, key);
  return { value: Value.Default(schema, Value.Clean(schema, value)) as Static<S>, problems };
}
