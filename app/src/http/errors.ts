// The error contract: every failure leaves as JSON {error, fields?} with a deliberate status.
// Routes throw HttpError; everything else is mapped by the error handler (http/error-handler.ts).

export type FieldErrors = Record<string, string>;

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, fields?: FieldErrors) => new HttpError(400, message, fields);
export const unauthorized = (message = 'missing or unknown API key') =>
  new HttpError(401, message, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (message = 'this resource belongs to another user') => new HttpError(403, message);
export const notFound = (what: string, fields?: FieldErrors) => new HttpError(404, `${what} not found`, fields);
export const conflict = (message: string, fields?: FieldErrors) => new HttpError(409, message, fields);
export const gone = (message: string) => new HttpError(410, message);
/** A dependency is down: clients should come back, so the answer says when. */
export const unavailable = (message: string, retryAfterSeconds = 5) =>
  new HttpError(503, message, undefined, { 'retry-after': String(retryAfterSeconds) });

export interface ErrorBody { error: string; fields?: FieldErrors }
