// Request validation: TypeBox's compiler, made strict about integers in the path and query.
// TypeBox converts "1.5" to 1, "0x10" to 16 and " 7" to 7 before checking; for ids that would
// answer /users/1.5 with user 1. Integer fields of params and querystring must be plain digits.
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';

const DIGITS = /^-?\d{1,16}$/;

function integerFields(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(props).filter(([, s]) => s.type === 'integer').map(([name]) => name);
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const check = TypeBoxValidatorCompiler(route);
  if (route.httpPart !== 'params' && route.httpPart !== 'querystring') return check;
  const integers = integerFields(route.schema);
  if (integers.length === 0) return check;
  return (value: unknown) => {
    const input = value as Record<string, unknown>;
    for (const name of integers) {
      const raw = input?.[name];
      if (typeof raw === 'string' && !DIGITS.test(raw)) {
        return { error: [{ keyword: 'type', instancePath: `/${name}`, schemaPath: `#/properties/${name}`, params: { type: 'integer' }, message: 'must be integer' }] };
      }
    }
    return check(value);
  };
};
