// POST /users/bulk: a users CSV as a multipart upload, streamed through csv-parse and inserted
// in batches (backpressure: the upload is read only as fast as batches commit). Rows already in
// the table or repeated in the file are skipped, bad rows are rejected with their row number,
// and one bad row never aborts the rest. Nothing touches the server's disk.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parse } from 'csv-parse';
import { Type } from 'typebox';
import { assertAdmin } from '../../auth/principal.js';
import { judgeUserRow, REQUIRED_COLUMNS, type RowRejection } from '../../domain/user-import.js';
import { resyncSequence } from '../../store/sequences.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { insertUsersBatch, type NewUser } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { BulkResult, errors } from '../schemas.js';

export const IMPORT_BATCH = 1000;
/** Rejections listed in the answer; beyond this they are only counted (rejected_count). */
export const MAX_REJECTIONS_LISTED = 1000;

export interface ImportResult { count: number; imported: number; skipped: number; rejected: RowRejection[]; rejected_count: number }

export const bulkRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  app.post('/users/bulk', {
    // The body is a stream read by the handler: the schema documents it, nothing validates it.
    validatorCompiler: () => (value) => ({ value }),
    schema: {
      tags: ['users'],
      summary: 'Import users from a CSV (multipart field "file"; header id,username,email,created_at, id and created_at optional)',
      consumes: ['multipart/form-data'],
      body: Type.Object({ file: Type.String({ format: 'binary', description: 'The CSV' }) }),
      response: { 201: BulkResult, ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    if (!request.isMultipart()) throw new HttpError(415, 'send multipart/form-data with a "file" field');
    let file: MultipartFile | undefined;
    for await (const part of request.files()) {
      if (part.fieldname === 'file') {
        file = part;
        break;
      }
      part.file.resume(); // some other file field: discard it
    }
    if (!file) throw badRequest('no file uploaded', { file: 'is required' });
    const result = await importUsers(ctx, file);
    return reply.code(201).send(result);
  });
};

async function importUsers(ctx: RouteContext, file: MultipartFile): Promise<ImportResult> {
  const rejected: RowRejection[] = [];
  let rejectedCount = 0;
  let imported = 0;
  let skipped = 0;
  let headerSeen = false;
  let anyExplicitId = false;

  let lastRejectedRow = -1;
  const reject = (r: number, error: string) => {
    // The parser may report one broken row twice (a bad quote, then the unclosed quote it left).
    if (r === lastRejectedRow) return;
    lastRejectedRow = r;
    rejectedCount++;
    if (rejected.length < MAX_REJECTIONS_LISTED) rejected.push({ row: r, error });
  };
  const writer = new BatchWriter<NewUser>(IMPORT_BATCH, (batch) => insertUsersBatch(ctx.db, batch), (sent, inserted) => {
    imported += inserted;
    skipped += sent - inserted; // already in the table, or earlier in the file
  });

  const parser = file.file.pipe(parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim().toLowerCase());
      const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
      if (missing.length > 0) throw badRequest('CSV header must name the columns username and email', { file: `missing column(s): ${missing.join(', ')}` });
      headerSeen = true;
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    // Rows are numbered by line, less the header: row 1 is the line after the header. (The
    // parser reads ahead of the loop below, so a counter of our own would be out of step.)
    info: true,
    on_skip: (err) => {
      const line = typeof err?.lines === 'number' ? err.lines : 1;
      reject(Math.max(1, line - 1), err?.message ?? 'malformed CSV row');
      return undefined;
    },
    max_record_size: 64 * 1024,
  }));

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const verdict = judgeUserRow(record);
      if (verdict.kind === 'reject') reject(info.lines - 1, verdict.error);
      else {
        anyExplicitId ||= verdict.user.id !== null;
        await writer.add(verdict.user);
      }
    }
    await writer.finish();
    if (!headerSeen) throw badRequest('the CSV is empty: expected a header id,username,email,created_at', { file: 'is empty' });
  } catch (err) {
    // The header check throws an HttpError; the upload limit a 413; anything else is the CSV.
    if (err instanceof HttpError || (err as { statusCode?: number }).statusCode === 413) throw err;
    if ((err as { code?: string }).code?.startsWith('CSV_')) throw badRequest(`unreadable CSV: ${(err as Error).message}`, { file: 'is not a readable CSV' });
    throw err;
  } finally {
    if (anyExplicitId) await resyncSequence(ctx.db, 'users');
  }
  return { count: imported, imported, skipped, rejected, rejected_count: rejectedCount };
}
