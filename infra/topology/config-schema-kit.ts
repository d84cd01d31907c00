// Building blocks of the stack config's schema (config-schema.ts): each declares a key's type,
// its default and the words of its error message together, so the three cannot drift apart.
// `must` completes the message "must be <must> (got ...)" (config-check.ts); `only` and `why`
// mark a key one placement reads (config-rules.ts refuses it on the other).
import { Type, type TProperties, type TSchema, type TSchemaOptions } from 'typebox';

export type PlacementName = 'docker' | 'aws';

export const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

const options = (must: string, fallback: unknown): TSchemaOptions => (fallback === undefined ? { must } : { must, default: fallback });

export const int = (min: number, max: number, fallback?: number) =>
  Type.Integer({ minimum: min, maximum: max, ...options(`an integer from ${min} to ${max}`, fallback) });

export const num = (min: number, max: number, fallback?: number) =>
  Type.Number({ minimum: min, maximum: max, ...options(`a number from ${min} to ${max}`, fallback) });

export const bool = (fallback?: boolean) => Type.Boolean(options('true or false', fallback));

/** A string matching `pattern` (any non-blank string without one). */
export const str = (fallback?: string, pattern = /\S/, must = 'a non-empty string') =>
  Type.String({ pattern: pattern.source, ...options(must, fallback) });

export const oneOf = <const V extends (string | number)[]>(values: readonly [...V], fallback?: V[number], must?: string) =>
  Type.Enum(values, options(must ?? values.map((v) => JSON.stringify(v)).join(' or '), fallback));

/** A list that must not be empty, unless it has a default (then empty is that default: none). */
export const list = <S extends TSchema>(item: S, must: string, fallback?: unknown[]) =>
  Type.Array(item, { minItems: fallback === undefined ? 1 : 0, ...options(must, fallback) });

/** A group of keys, present in the result with its defaults even when the stack file omits it. */
export const group = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false, default: {}, must: 'an object' });

/** A group that is absent unless the stack file sets it (then its keys without defaults must be set). */
export const section = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false, must: 'an object' });

/** The same declaration for every name in a list (components, images, secrets). */
export function keyed<K extends string, S extends TSchema>(names: readonly K[], schemaOf: (name: K) => S): Record<K, S> {
  return Object.fromEntries(names.map((k) => [k, schemaOf(k)])) as Record<K, S>;
}

/**
 * Marks a key that only one placement reads, and why the other does not. Assigned onto the new
 * schema rather than spread into a copy: TypeBox keeps a schema's kind in a hidden property.
 */
export const onlyOn = <S extends TSchema>(placement: PlacementName, why: string, schema: S): S => Object.assign(schema, { only: placement, why });
