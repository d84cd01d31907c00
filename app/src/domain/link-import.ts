// The rules of a links CSV import for one row (header original_url,short_code,title,tags,
// expires_at, and user_id for an admin), without I/O: rejected (and why) or a link to insert.
// A taken short_code is found by the insert itself (ON CONFLICT) and rejected there. Pure.
import { parseId, parseTimestamp } from '../seed/csv-values.js';
import { tagsProblem } from './link-rules.js';
import { aliasProblem } from './short-code.js';
import { formulaProblem } from './user-import.js';
import { originalUrlProblem } from './url-rules.js';

export const LINK_IMPORT_COLUMNS = ['original_url', 'short_code', 'title', 'tags', 'expires_at'] as const;
export const LINK_EXPORT_COLUMNS = [...LINK_IMPORT_COLUMNS, 'id', 'user_id', 'is_active', 'click_count', 'created_at'] as const;
export const TITLE_MAX = 500;

export interface ImportedLink { userId: number | null; code: string | null; originalUrl: string; title: string | null; tags: string[]; expiresAt: Date | null }

export type LinkRowVerdict = { kind: 'insert'; link: ImportedLink } | { kind: 'reject'; error: string };

export interface LinkImportContext {
  ownHost: string;
  reserved: ReadonlySet<string>;
  /** A user key's own id: every row is that user's. Undefined for an admin, who may name a user_id. */
  userId: number | undefined;
}

export function judgeLinkRow(record: Record<string, string | undefined>, ctx: LinkImportContext): LinkRowVerdict {
  const problems: string[] = [];
  const originalUrl = (record.original_url ?? '').trim();
  const up = originalUrlProblem(originalUrl, ctx.ownHost);
  if (up) problems.push(`original_url ${up}`);
  const code = (record.short_code ?? '').trim();
  const cp = code === '' ? undefined : aliasProblem(code, ctx.reserved);
  if (cp) problems.push(`short_code ${cp}`);
  // Checked as written (a raw formula is refused), stored as meant (the export's escape undone).
  const titleCell = (record.title ?? '').trim();
  const title = unescapeFormula(titleCell);
  const tp = title.length > TITLE_MAX ? `must be at most ${TITLE_MAX} characters` : formulaProblem(titleCell);
  if (tp) problems.push(`title ${tp}`);
  const tagsText = unescapeFormula((record.tags ?? '').trim());
  const tags = tagsText === '' ? [] : tagsText.split('|').map((t) => t.trim());
  const gp = tagsProblem(tags);
  if (gp) problems.push(`tags ${gp}`);
  const expiresAt = parseTimestamp(record.expires_at);
  if (expiresAt === undefined) problems.push('expires_at must be a timestamp (ISO-8601, or YYYY-MM-DD HH:MM:SS UTC)');
  let userId: number | null = ctx.userId ?? null;
  const userText = (record.user_id ?? '').trim();
  if (userText !== '') {
    const id = parseId(userText);
    if (id === undefined || id === null) problems.push('user_id must be a positive integer');
    else if (ctx.userId !== undefined && id !== ctx.userId) problems.push('user_id: a user key imports links for its own user only');
    else userId = id;
  }
  if (problems.length > 0) return { kind: 'reject', error: problems.join('; ') };
  return { kind: 'insert', link: { userId, code: code === '' ? null : code, originalUrl, title: title === '' ? null : title, tags, expiresAt: expiresAt ?? null } };
}

/** What a spreadsheet runs as a formula at the start of a cell (OWASP's list: tab and CR too). */
const RUNS_AS_FORMULA = /^[=+\-@\t\r]/;

/**
 * A free-text cell of an export (title, tags), which the API lets start with anything: one that a
 * spreadsheet would run as a formula gets a leading `'`, which spreadsheets show as text and
 * never run (CSV injection). The import reads `'` before such a character as this escape.
 */
export function textCell(v: string | null): string {
  return csvCell(v !== null && RUNS_AS_FORMULA.test(v) ? `'${v}` : v);
}

/** The export's escape undone: `'=x` is the text `=x`; any other cell is itself. */
export const unescapeFormula = (cell: string): string => (cell.startsWith("'") && RUNS_AS_FORMULA.test(cell.slice(1)) ? cell.slice(1) : cell);

/** One CSV cell: quoted when it holds a comma, a quote or a line break. Pure. */
export function csvCell(v: string | number | boolean | Date | null): string {
  if (v === null) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
