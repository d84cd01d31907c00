// POST /users/bulk: a users CSV as a multipart upload, read line by line and inserted
// in batches, by COPY while no batch clashes (backpressure: the upload is read only as fast as
// batches commit). Rows already in
// the table or repeated in the file are skipped, bad rows are rejected with their row number,
// and one bad row never aborts the rest. Nothing touches the server's disk.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assertAdmin } from '../../auth/principal.js';
import { judgeUserRow, REQUIRED_COLUMNS } from '../../domain/user-import.js';
import { resyncSequence } from '../../store/sequences.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { copyUsersBatch, heldByOthers, insertUsersBatch, type NewUser } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest } from '../errors.js';
import { BulkResult, errors } from '../schemas.js';
import { asUploadError, assertWholeFile, eachUploadedRow, Rejections, uploadedFile, type ImportResult } from './csv-upload.js';

/** Rows per COPY: larger batches spend less of the import waiting on round trips (bench:import). */
export const USER_IMPORT_BATCH = 5000;

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
    const file = await uploadedFile(request);
    const result = await importUsers(ctx, file);
    return reply.code(201).send(result);
  });
};

async function importUsers(ctx: RouteContext, file: MultipartFile): Promise<ImportResult> {
  const rejections = new Rejections();
  let imported = 0;
  let skipped = 0;
  let header = false;
  let anyExplicitId = false;

  // A batch goes in by COPY while no batch clashed (see copyUsersBatch); after a clash, the
  // next batch takes the ON CONFLICT path at once, and COPY again once a batch goes in whole.
  // Rows not inserted are repeats (skipped), except a row whose explicit id another user holds:
  // that is someone else's account under a taken id, rejected with its row number.
  let clashed = false;
  let rejectedByWrite = 0;
  const write = async (batch: Array<{ row: number; user: NewUser }>): Promise<number> => {
    rejectedByWrite = 0;
    const users = batch.map((b) => b.user);
    if (!clashed && await copyUsersBatch(ctx.db, users)) return batch.length;
    const inserted = await insertUsersBatch(ctx.db, users);
    clashed = inserted < batch.length;
    if (clashed) {
      const explicit = batch.filter((b): b is { row: number; user: NewUser & { id: number } } => b.user.id !== null);
      const held = await heldByOthers(ctx.db, explicit.map((b) => b.user));
      for (const [i, b] of explicit.entries()) {
        if (!held.has(i)) continue;
        rejections.add(b.row, `id ${b.user.id} belongs to another user`);
        rejectedByWrite++;
      }
    }
    return inserted;
  };
  const writer = new BatchWriter(USER_IMPORT_BATCH, write, (sent, inserted) => {
    imported += inserted;
    skipped += sent - inserted - rejectedByWrite; // already in the table, or earlier in the file
  });

  try {
    await eachUploadedRow(file, (names) => { checkUserHeader(names); header = true; }, ({ row, record, error }) => {
      if (error !== undefined) return rejections.add(row, error);
      const verdict = judgeUserRow(record);
      if (verdict.kind === 'reject') return rejections.add(row, verdict.error);
      anyExplicitId ||= verdict.user.id !== null;
      return writer.add({ row, user: verdict.user });
    });
    await writer.finish();
  } catch (err) {
    // The header check throws an HttpError; the upload limit a 413; a broken upload is a 400.
    throw asUploadError(err);
  } finally {
    if (anyExplicitId) await resyncSequence(ctx.db, 'users');
  }
  assertWholeFile(file);
  if (!header) throw badRequest('the CSV is empty: expected a header id,username,email,created_at', { file: 'is empty' });
  return { count: imported, imported, skipped, rejected: rejections.listed, rejected_count: rejections.count };
}

function checkUserHeader(names: string[]): void {
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw badRequest('CSV header must name the columns username and email', { file: `missing column(s): ${missing.join(', ')}` });
}
