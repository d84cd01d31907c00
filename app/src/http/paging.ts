// ?page=P&per_page=N (offset), ?cursor=C&per_page=N (keyset, C from a Link header) or
// ?after=ID&per_page=N (keyset by a plain id) paging, and the X-Total-Count / Link headers that
// describe it. Pure.
import { Type, type TSchema } from 'typebox';
import { COUNT_EXACT_UP_TO, type Page, type PageOf } from '../store/paging.js';
import { CURSOR_MAX_LENGTH, decodeCursor, encodeCursor, START } from './cursor.js';
import { badRequest } from './errors.js';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;
/** Beyond this an OFFSET scan is a denial of service, not a page. */
export const MAX_PAGE = 1_000_000;

/** X-Total-Count is exact up to this many items; past it, an estimate, and X-Total-Count-Exact says false. */
export const TOTAL_EXACT_UP_TO = COUNT_EXACT_UP_TO;

/** The query parameters of every list. */
export const PagingQuery = {
  page: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_PAGE, default: 1,
    description: 'Page number, from 1. Kept for existing clients: a cursor walk is steady while rows are written, and as fast at any depth on every list.',
  })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: 'Items per page.' })),
  cursor: Type.Optional(Type.String({
    maxLength: CURSOR_MAX_LENGTH,
    description: 'Keyset paging: where the page starts, as given by the Link rel="next" (or rel="first") of a cursor page; '
      + `opaque. Start a walk with ${encodeCursor(START)}. As fast at any depth; not combined with page or after.`,
  })),
  after: Type.Optional(Type.Integer({
    minimum: 0, maximum: Number.MAX_SAFE_INTEGER,
    description: 'Keyset paging by id: the items with an id above this one. The same pages as cursor, whose links the answer carries; not combined with page.',
  })),
};

/** The headers of a list's 200 answer, for the OpenAPI document. */
const LIST_HEADERS = {
  'X-Total-Count': {
    type: 'integer', minimum: 0,
    description: `Items matching the filters (not only this page's): exact up to ${TOTAL_EXACT_UP_TO}, PostgreSQL's estimate past that (never below ${TOTAL_EXACT_UP_TO + 1}).`,
  },
  'X-Total-Count-Exact': { type: 'string', enum: ['false'], description: 'Present, and false, when X-Total-Count is an estimate.' },
  Link: {
    type: 'string',
    description: 'RFC 8288. A page or first page: rel first, prev, next and last by page. A cursor or after page: rel first and, unless it is the last page, next, by cursor.',
  },
};

/** A list's 200 schema: an array of `item`, with the paging headers documented. */
export const ListOf = <T extends TSchema>(item: T) => Type.Array(item, { headers: LIST_HEADERS });

export type HttpPage = Page & { page: number; perPage: number };

export function toPage(q: { page?: number; per_page?: number; after?: number; cursor?: string }): HttpPage {
  if (q.cursor !== undefined && q.page !== undefined) throw badRequest('invalid query', { cursor: 'not combined with page' });
  if (q.cursor !== undefined && q.after !== undefined) throw badRequest('invalid query', { cursor: 'not combined with after' });
  if (q.after !== undefined && q.page !== undefined) throw badRequest('invalid query', { after: 'not combined with page' });
  let afterId = q.after;
  if (q.cursor !== undefined) {
    const cursor = decodeCursor(q.cursor);
    if (!cursor) throw badRequest('invalid query', { cursor: 'is not a cursor of this API: take it from a Link header' });
    afterId = cursor.afterId;
  }
  const page = q.page ?? 1;
  const perPage = q.per_page ?? DEFAULT_PER_PAGE;
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage, afterId };
}

/**
 * The headers of a list answer: X-Total-Count (and X-Total-Count-Exact: false when it is an
 * estimate) and Link. A keyset page links to the first page and, unless it is the last, to the
 * next one by cursor; an offset page keeps its first/prev/next/last links.
 */
export function listHeaders(pathAndQuery: string, page: HttpPage, result: PageOf<{ id: number }>): Record<string, string> {
  const headers: Record<string, string> = { 'x-total-count': String(result.total) };
  if (result.exact === false) headers['x-total-count-exact'] = 'false';
  const last = result.items.at(-1);
  headers.link = page.afterId === undefined
    ? linkHeader(pathAndQuery, page.page, page.perPage, result.total)
    : keysetLinkHeader(pathAndQuery, page.perPage, result.more === true && last !== undefined ? last.id : null);
  return headers;
}

/** Link for a keyset page: first and, unless this was the last page, next, both by cursor. */
export function keysetLinkHeader(pathAndQuery: string, perPage: number, lastId: number | null): string {
  const [path = '/', query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  for (const p of ['page', 'after', 'cursor']) params.delete(p);
  params.set('per_page', String(perPage));
  const href = (afterId: number) => {
    params.set('cursor', encodeCursor({ afterId }));
    return `<${path}?${params.toString()}>`;
  };
  const links = [`${href(START.afterId)}; rel="first"`];
  if (lastId !== null) links.push(`${href(lastId)}; rel="next"`);
  return links.join(', ');
}

/**
 * The RFC 8288 Link header: first, prev, next, last, on the request's own path with its other
 * query parameters (the filters) kept.
 */
export function linkHeader(pathAndQuery: string, page: number, perPage: number, total: number): string {
  const [path = '/', query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  const last = Math.max(1, Math.ceil(total / perPage));
  const href = (p: number) => {
    params.set('page', String(p));
    params.set('per_page', String(perPage));
    return `<${path}?${params.toString()}>`;
  };
  const links = [`${href(1)}; rel="first"`];
  if (page > 1) links.push(`${href(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) links.push(`${href(page + 1)}; rel="next"`);
  links.push(`${href(last)}; rel="last"`);
  return links.join(', ');
}
