// POST /urls/bulk and GET /urls/export: links in and out as CSV, both streamed. The import reads
// the upload line by line and inserts in batches of IMPORT_BATCH with one batch in flight
// (BatchWriter), so memory holds two batches and the first 1000 rejections, whatever the file's
// size. The export reads the table by keyset pages and writes each page as it comes.
import { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../../auth/principal.js';
import { csvCell, judgeLinkRow, LINK_EXPORT_COLUMNS, textCell, type ImportedLink } from '../../domain/link-import.js';
import { CODE_ATTEMPTS, generateCode } from '../../domain/short-code.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { insertUrlsBatch, urlsAfter } from '../../store/urls-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest } from '../errors.js';
import { BulkResult, errors } from '../schemas.js';
import { asUploadError, assertWholeFile, eachUploadedRow, IMPORT_BATCH, Rejections, uploadedFile, type ImportResult } from './csv-upload.js';

const EXPORT_PAGE = 5_000;

interface Pending { row: number; link: ImportedLink; generated: boolean; code: string }

export const urlBulkRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  app.post('/urls/bulk', {
    validatorCompiler: () => (value: unknown) => ({ value }),
    schema: {
      operationId: 'importUrls', tags: ['urls'],
      summary: 'Import links from a CSV (multipart field "file"; header original_url,short_code,title,tags,expires_at; tags separated by |; admin: user_id too)',
      consumes: ['multipart/form-data'],
      body: Type.Object({ file: Type.String({ format: 'binary', description: 'The CSV' }) }),
      response: { 201: BulkResult, ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const file = await uploadedFile(request);
    return reply.code(201).send(await importLinks(ctx, caller, file));
  });

  app.get('/urls/export', {
    schema: {
      operationId: 'exportUrls', tags: ['urls'], summary: `Every link the key may see, as CSV (${LINK_EXPORT_COLUMNS.join(',')}), streamed`,
      produces: ['text/csv', 'application/json'],
      response: { 200: Type.Unsafe<Readable>(Type.String({ description: 'CSV' })), ...errors(401) },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const userId = caller.kind === 'user' ? caller.userId : undefined;
    const db = ctx.db;
    async function* csv(): AsyncGenerator<string> {
      yield `${LINK_EXPORT_COLUMNS.join(',')}\n`;
      for (let after = 0; ;) {
        const rows = await urlsAfter(db, userId, after, EXPORT_PAGE);
        if (rows.length === 0) return;
        // Titles and tags are free text (the API accepts `=cmd|...`): escaped for spreadsheets.
        yield rows.map((r) => [csvCell(r.original_url), csvCell(r.short_code), textCell(r.title), textCell(r.tags.join('|')),
          ...[r.expires_at, r.id, r.user_id, r.is_active, r.click_count, r.created_at].map(csvCell)].join(',')).join('\n') + '\n';
        after = rows[rows.length - 1]!.id;
      }
    }
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="urls.csv"')
      .send(Readable.from(csv()));
  });
};

async function importLinks(ctx: RouteContext, caller: Principal, file: MultipartFile): Promise<ImportResult> {
  const rejections = new Rejections();
  const reject = (row: number, error: string) => rejections.add(row, error);
  let imported = 0;
  let header = false;
  const judgeCtx = { ownHost: ctx.config.publicBaseUrl.hostname, reserved: ctx.reservedWords(), userId: caller.kind === 'user' ? caller.userId : undefined };

  /** Writes a batch; a generated code that happened to be taken is drawn again (CODE_ATTEMPTS). */
  const write = async (batch: Pending[]): Promise<number> => {
    let inserted = 0;
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const outcomes = await insertUrlsBatch(ctx.db, pending.map((p, i) => ({
        i, u: p.link.userId, c: p.code, o: p.link.originalUrl, t: p.link.title, g: p.link.tags, e: p.link.expiresAt,
      })));
      const retry: Pending[] = [];
      pending.forEach((p, i) => {
        const outcome = outcomes.get(i);
        if (outcome === 'inserted') inserted++;
        else if (outcome === 'no_user') reject(p.row, 'user_id: no such user');
        else if (p.generated && attempt < CODE_ATTEMPTS) retry.push({ ...p, code: generateCode() });
        else reject(p.row, 'short_code already taken');
      });
      pending = retry;
    }
    return inserted;
  };
  const writer = new BatchWriter<Pending>(IMPORT_BATCH, write, (_sent, inserted) => { imported += inserted; });

  try {
    await eachUploadedRow(file, (names) => { checkLinkHeader(names); header = true; }, ({ row, record, error }) => {
      if (error !== undefined) return reject(row, error);
      const verdict = judgeLinkRow(record, judgeCtx);
      if (verdict.kind === 'reject') return reject(row, verdict.error);
      const code = verdict.link.code ?? generateCode();
      return writer.add({ row, link: verdict.link, generated: verdict.link.code === null, code });
    });
    await writer.finish();
  } catch (err) {
    throw asUploadError(err);
  }
  assertWholeFile(file);
  if (!header) throw badRequest('the CSV is empty: expected a header original_url,short_code,title,tags,expires_at', { file: 'is empty' });
  // Links of imported codes may have been asked for (and cached as unknown) before: those
  // negative entries expire within CACHE_NEGATIVE_TTL_MS, so no per-row invalidation is sent.
  return { count: imported, imported, skipped: 0, rejected: rejections.listed, rejected_count: rejections.count };
}

function checkLinkHeader(names: string[]): void {
  if (!names.includes('original_url')) throw badRequest('CSV header must name the column original_url', { file: 'missing column(s): original_url' });
}
