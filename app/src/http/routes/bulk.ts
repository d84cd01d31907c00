// POST /users/bulk: a users CSV as a multipart upload, read line by line and inserted
// in batches (backpressure: the upload is read only as fast as batches commit). Rows already in
// the table or repeated in the file are skipped, bad rows are rejected with their row number,
// and one bad row never aborts the rest. Nothing touches the server's disk.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assertAdmin } from '../../auth/principal.js';
import { parseCsvLine } from '../../csv/csv-line.js';
import { readLines, type Line } from '../../csv/lines.js';
import { judgeUserRow, REQUIRED_COLUMNS, type RowRejection } from '../../domain/user-import.js';
import { resyncSequence } from '../../store/sequences.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { heldByOthers, insertUsersBatch, type NewUser } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { UPLOAD_LIMIT } from '../limits.js';
import { BulkResult, errors } from '../schemas.js';

export const IMPORT_BATCH = 1000;
/** Rejections listed in the answer; beyond this they are only counted (rejected_count). */
export const MAX_REJECTIONS_LISTED = 1000;
/** One row of a users CSV is well under 1 KiB; a longer line is a broken row, not buffered. */
export const MAX_LINE_CHARS = 64 * 1024;

export interface ImportResult { count: number; imported: number; skipped: number; rejected: RowRejection[]; rejected_count: number }

export const bulkRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  app.post('/users/bulk', {
    // The body is a stream read by the handler: the schema documents it, nothing validates it.
    validatorCompiler: () => (value: unknown) => ({ value }),
    schema: {
      operationId: 'importUsers',
      tags: ['users'],
      summary: 'Import users from a CSV (multipart field "file"; header id,username,email,created_at, id and created_at optional)',
      description: 'Rows already present (same username or email) and rows repeated in the file are skipped. A row whose id another user holds is rejected with its row number.',
      consumes: ['multipart/form-data'],
      body: Type.Object({ file: Type.String({ format: 'binary', description: 'The CSV' }) }),
      response: { 201: BulkResult, ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    if (!request.isMultipart()) throw new HttpError(415, 'send multipart/form-data with a "file" field');
    let file: MultipartFile | undefined;
    try {
      for await (const part of request.files()) {
        if (part.fieldname === 'file') {
          file = part;
          break;
        }
        part.file.resume(); // some other file field: discard it
      }
    } catch (err) {
      throw asUploadError(err);
    }
    if (!file) throw badRequest('no file uploaded', { file: 'is required' });
    const result = await importUsers(ctx, file);
    return reply.code(201).send(result);
  });
};

/**
 * The multipart parser's own failures (no boundary, a body cut short, a part that never ends)
 * are the client's: 400. Limits keep their 413, our own errors their status.
 */
export function asUploadError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return badRequest('malformed multipart/form-data body', { file: 'could not be read from the upload' });
}

async function importUsers(ctx: RouteContext, file: MultipartFile): Promise<ImportResult> {
  const rejected: RowRejection[] = [];
  let rejectedCount = 0;
  let imported = 0;
  let skipped = 0;
  let header: { line: number; names: string[] } | undefined;
  let anyExplicitId = false;

  const reject = (row: number, error: string) => {
    rejectedCount++;
    if (rejected.length < MAX_REJECTIONS_LISTED) rejected.push({ row, error });
  };
  // Rows not inserted are repeats (skipped), except a row whose explicit id another user holds:
  // that is someone else's account under a taken id, rejected with its row number.
  let rejectedByWrite = 0;
  const write = async (batch: Array<{ row: number; user: NewUser }>): Promise<number> => {
    const inserted = await insertUsersBatch(ctx.db, batch.map((b) => b.user));
    rejectedByWrite = 0;
    if (inserted < batch.length) {
      const explicit = batch.filter((b): b is { row: number; user: NewUser & { id: number } } => b.user.id !== null);
      const held = await heldByOthers(ctx.db, explicit.map((b) => b.user));
      for (const [i, b] of explicit.entries()) {
        if (!held.has(i)) continue;
        reject(b.row, `id ${b.user.id} belongs to another user`);
        rejectedByWrite++;
      }
    }
    return inserted;
  };
  const writer = new BatchWriter(IMPORT_BATCH, write, (sent, inserted) => {
    imported += inserted;
    skipped += sent - inserted - rejectedByWrite; // already in the table, or earlier in the file
  });

  try {
    // Line by line: a broken row (an unclosed quote above all) is that row's error alone, and
    // the rows after it are still read (see csv/csv-line.ts).
    for await (const line of readLines(file.file, MAX_LINE_CHARS)) {
      if (line.text === '' && !line.tooLong) continue;
      if (!header) {
        header = { line: line.number, names: headerNames(line) };
        continue;
      }
      // Rows are numbered by line, less the header: row 1 is the line after the header.
      const row = line.number - header.line;
      if (line.tooLong) {
        reject(row, `row longer than ${MAX_LINE_CHARS} characters`);
        continue;
      }
      const parsed = parseCsvLine(line.text);
      if (!parsed.ok) {
        reject(row, parsed.error);
        continue;
      }
      const record = Object.fromEntries(header.names.map((name, i) => [name, parsed.cells[i]]));
      const verdict = judgeUserRow(record);
      if (verdict.kind === 'reject') reject(row, verdict.error);
      else {
        anyExplicitId ||= verdict.user.id !== null;
        await writer.add({ row, user: verdict.user });
      }
    }
    await writer.finish();
  } catch (err) {
    // The header check throws an HttpError; the upload limit a 413; a broken upload is a 400.
    throw err instanceof HttpError ? err : asUploadError(err);
  } finally {
    if (anyExplicitId) await resyncSequence(ctx.db, 'users');
  }
  // Busboy ends a file at the size limit quietly: the import must not pass for the whole file.
  if (file.file.truncated) throw new HttpError(413, 'upload too large', { file: `must be at most ${UPLOAD_LIMIT} bytes` });
  if (!header) throw badRequest('the CSV is empty: expected a header id,username,email,created_at', { file: 'is empty' });
  return { count: imported, imported, skipped, rejected, rejected_count: rejectedCount };
}

export function headerNames(line: Line): string[] {
  const parsed = line.tooLong ? undefined : parseCsvLine(line.text);
  if (!parsed?.ok) throw badRequest('unreadable CSV header', { file: parsed?.error ?? 'header line too long' });
  const names = parsed.cells.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw badRequest('CSV header must name the columns username and email', { file: `missing column(s): ${missing.join(', ')}` });
  return names;
}
