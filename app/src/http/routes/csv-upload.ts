// What the two CSV imports (POST /users/bulk, POST /urls/bulk) share: picking the file out of
// the multipart body, the bounds, the list of rejections, and how upload failures map to the
// error contract. The rows themselves come from csv/rows.ts.
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { CsvHeaderError, readCsvRows, type CsvRow } from '../../csv/rows.js';
import type { RowRejection } from '../../domain/user-import.js';
import { badRequest, HttpError } from '../errors.js';
import { UPLOAD_LIMIT } from '../limits.js';

export const IMPORT_BATCH = 1000;
/** Rejections listed in the answer; beyond this they are only counted (rejected_count). */
export const MAX_REJECTIONS_LISTED = 1000;
/** One row of an import is well under 1 KiB; a longer line is a broken row, not buffered. */
export const MAX_LINE_CHARS = 64 * 1024;

export interface ImportResult { count: number; imported: number; skipped: number; rejected: RowRejection[]; rejected_count: number }

/** The rejected rows: every one counted, the first MAX_REJECTIONS_LISTED listed. */
export class Rejections {
  readonly listed: RowRejection[] = [];
  count = 0;

  add(row: number, error: string): void {
    this.count++;
    if (this.listed.length < MAX_REJECTIONS_LISTED) this.listed.push({ row, error });
  }
}

/** The multipart part named "file"; any other file field before it is discarded unread. */
export async function uploadedFile(request: FastifyRequest): Promise<MultipartFile> {
  if (!request.isMultipart()) throw new HttpError(415, 'send multipart/form-data with a "file" field');
  try {
    for await (const part of request.files()) {
      if (part.fieldname === 'file') return part;
      part.file.resume();
    }
  } catch (err) {
    throw asUploadError(err);
  }
  throw badRequest('no file uploaded', { file: 'is required' });
}

/**
 * Hands each row of the upload to `each`, through stream.pipeline: whatever ends the import early
 * (a refused header, a failed write, the client gone mid-body) destroys the upload stream with it,
 * and the error arrives here.
 */
export async function eachUploadedRow(file: MultipartFile, onHeader: (names: string[]) => void, each: (row: CsvRow) => Promise<void> | void): Promise<void> {
  await pipeline(file.file, async (upload: AsyncIterable<Buffer>) => {
    for await (const row of readCsvRows(upload, { maxLineChars: MAX_LINE_CHARS, onHeader })) await each(row);
  });
}

/**
 * The multipart parser's own failures (no boundary, a body cut short, a part that never ends)
 * and an unreadable CSV header are the client's: 400. Limits keep their 413, our own errors
 * their status.
 */
export function asUploadError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof CsvHeaderError) return badRequest('unreadable CSV header', { file: err.message });
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return badRequest('malformed multipart/form-data body', { file: 'could not be read from the upload' });
}

/** Busboy ends a file at the size limit quietly: an import must not pass for the whole file. */
export function assertWholeFile(file: MultipartFile): void {
  if (file.file.truncated) throw new HttpError(413, 'upload too large', { file: `must be at most ${UPLOAD_LIMIT} bytes` });
}
