// The error contract enforced at the edge: whatever was thrown (an HttpError, a validation
// failure, a body parser error, a database error, a bug) leaves as JSON {error, fields?} with a
// deliberate status. 5xx bodies never carry internals; those go to the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpErrorFromDatabase } from '../db/errors.js';
import { HttpError, type ErrorBody, type FieldErrors } from './errors.js';
import { URI_TOO_LONG } from './limits.js';
import { setBaseHeaders } from './response-headers.js';

interface ValidationIssue { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }

/** Validation issues -> one message per field (the first: anyOf branches add noise after it). */
export function fieldsFromValidation(issues: readonly ValidationIssue[], context: string): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const required = issue.keyword === 'required' ? issue.params?.requiredProperties ?? issue.params?.missingProperty : undefined;
    if (required !== undefined) {
      for (const name of ([] as unknown[]).concat(required)) fields[String(name)] ??= 'is required';
      continue;
    }
    const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    fields[path === '' ? context : path] ??= issue.message ?? 'is invalid';
  }
  return fields;
}

/** Maps anything thrown to [status, body, headers]. Pure, so every branch is unit-tested. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: withFields(err.message, err.fields), headers: err.headers ?? {} };
  }
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const context = fe.validationContext ?? 'request';
    return { status: 400, body: { error: `invalid ${context}`, fields: fieldsFromValidation(fe.validation, context) }, headers: {} };
  }
  const fromDb = httpErrorFromDatabase(err);
  if (fromDb) return toErrorResponse(fromDb);
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: clientMessage(fe, status) }, headers: {} };
  }
  return { status: 500, body: { error: 'internal error' }, headers: {} };
}

/**
 * Fastify's and plugins' 4xx messages are shown; a few are made clearer, and those that would
 * quote the request's own URL back (bad percent-encoding, over-long path) get a fixed text:
 * an error must not reflect what the client sent.
 */
function clientMessage(err: Partial<FastifyError>, status: number): string {
  switch (err.code) {
    case 'FST_ERR_BAD_URL': return 'malformed URL: invalid percent-encoding';
    case 'FST_ERR_INVALID_URL': return 'malformed URL';
    case 'FST_ERR_MAX_PARAM_LENGTH': return URI_TOO_LONG;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return 'request body too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return 'request body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return 'malformed JSON body';
    default: break;
  }
  if (err.name === 'SyntaxError' || /JSON/.test(err.message ?? '')) return 'malformed JSON body';
  if (status === 413) return 'request body too large';
  return err.message && err.message.length < 300 ? err.message : 'bad request';
}

function withFields(error: string, fields?: FieldErrors): ErrorBody {
  return fields && Object.keys(fields).length > 0 ? { error, fields } : { error };
}

/** An upload route refuses other media types by saying what it takes, not "send JSON". */
function forRoute(err: unknown, request: FastifyRequest): unknown {
  const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes;
  return (err as Partial<FastifyError>).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && consumes?.includes('multipart/form-data')
    ? new HttpError(415, 'unsupported content type: send multipart/form-data with a "file" field')
    : err;
}

/** The log line of a 503: a dependency (PostgreSQL, Redis) is down; runbooks search for it. */
export const DEPENDENCY_UNAVAILABLE_LOG = 'dependency unavailable';

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, headers } = toErrorResponse(forRoute(err, request));
  // Framework errors (a bad URL) reach here without the onRequest hooks having run.
  setBaseHeaders(request, reply);
  // 503 before the >= 500 catch-all: a dependency that is down is a warning, a bug an error.
  if (status === 503) request.log.warn({ err }, DEPENDENCY_UNAVAILABLE_LOG);
  else if (status >= 500) request.log.error({ err }, 'request failed');
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
}
