// The stack config's schema is the list of keys: walked here, every declared key is accepted
// and an undeclared one is refused at every level, with no hand-kept list beside the schema.
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { stackFileSchema } from '../topology/config-schema.js';
import { problemsIn } from './support/config-problems.js';

interface Declared { path: string[]; schema: TSchema & { default?: unknown; only?: string } }

/** Every key of the schema (leaves) and every group of keys (objects), as dotted paths. */
function walk(schema: TSchema, path: string[] = []): { keys: Declared[]; groups: string[][] } {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!props) return { keys: [{ path, schema }], groups: [] };
  const inner = Object.entries(props).map(([k, s]) => walk(s, [...path, k]));
  return { keys: inner.flatMap((w) => w.keys), groups: [path, ...inner.flatMap((w) => w.groups)] };
}

const schema = stackFileSchema();
const { keys, groups } = walk(schema);
const topOnly = (path: string[]) => (schema.properties as Record<string, { only?: string }>)[path[0] ?? '']?.only;
/** A config of the placement a key belongs to; on Docker with HTTPS on, so the ACME keys are in place. */
const base = (path: string[]) => (path[0] === 'aws' || topOnly(path) === 'aws'
  ? { raw: { placement: 'aws' }, region: 'eu-west-1' }
  : { raw: { domain: 'sho.rt', acmeEmail: 'ops@sho.rt' }, region: undefined });
const nest = (path: string[], v: unknown): Record<string, unknown> => ({ [path[0]!]: path.length === 1 ? v : nest(path.slice(1), v) });
const problemsWith = (path: string[], v: unknown) => {
  const { raw, region } = base(path);
  return problemsIn({ ...raw, ...nest(path, v) }, region);
};

describe('the stack config schema', () => {
  it('declares keys at every depth (top, groups, groups in groups)', () => {
    expect(keys.length).toBeGreaterThan(50);
    expect(new Set(keys.map((k) => k.path.length))).toEqual(new Set([1, 2, 3]));
  });

  it('accepts every declared key set to its default, with no problem of its own', () => {
    const withDefault = keys.filter((k) => k.schema.default !== undefined);
    expect(withDefault.length).toBeGreaterThan(40);
    const refused = withDefault.map(({ path, schema: s }) => [path.join('.'), problemsWith(path, s.default)[path.join('.')]])
      .filter(([, problem]) => problem !== undefined);
    expect(refused).toEqual([]);
  });

  it('knows every declared key without a default: a value may be refused, never as unknown', () => {
    const withoutDefault = keys.filter((k) => k.schema.default === undefined);
    expect(withoutDefault.length).toBeGreaterThan(10);
    const unknown = withoutDefault.map(({ path }) => path.join('.')).filter((dotted, i) =>
      /not a known key/.test(problemsWith(withoutDefault[i]!.path, 'x')[dotted] ?? ''));
    expect(unknown).toEqual([]);
  });

  it('refuses an undeclared key in every group, naming it', () => {
    expect(groups.length).toBeGreaterThan(20);
    const missed = groups.map((g) => [...g, 'notDeclared'])
      .filter((path) => problemsWith(path, 1)[path.join('.')] !== 'is not a known key').map((path) => path.join('.'));
    expect(missed).toEqual([]);
  });
});
