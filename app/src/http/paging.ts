// ?page=P&per_page=N (offset) or ?after=ID&per_page=N (keyset) paging, and the X-Total-Count /
// Link headers that describe it. Pure.
import { Type } from 'typebox';
import { COUNT_EXACT_UP_TO, type Page, type PageOf } from '../store/paging.js';
import { badRequest } from './errors.js';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;
/** Beyond this an OFFSET scan is a denial of service, not a page. */
export const MAX_PAGE = 1_000_000;

/** Offset paging only: the small lists (webhooks, deliveries). */
export const OffsetPagingQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page number, from 1.' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: 'Items per page.' })),
};

/** Offset or keyset paging: the lists that grow with the data (users, urls, events). */
export const PagingQuery = {
  ...OffsetPagingQuery,
  after: Type.Optional(Type.Integer({
    minimum: 0, maximum: Number.MAX_SAFE_INTEGER,
    description: 'Keyset paging: the items with an id above this one, i.e. the last id of the previous page (the Link rel="next" of a keyset page carries it). As fast at any depth, unlike page; not combined with page.',
  })),
};

/** X-Total-Count is exact up to this many items; past it, an estimate, and X-Total-Count-Exact says false. */
export const TOTAL_EXACT_UP_TO = COUNT_EXACT_UP_TO;

export type HttpPage = Page & { page: number; perPage: number };

export function toPage(q: { page?: number; per_page?: number; after?: number }): HttpPage {
  if (q.after !== undefined && q.page !== undefined) throw badRequest('invalid query', { after: 'not combined with page' });
  const page = q.page ?? 1;
  const perPage = q.per_page ?? DEFAULT_PER_PAGE;
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage, afterId: q.after };
}

/**
 * The headers of a list answer: X-Total-Count (and X-Total-Count-Exact: false when it is an
 * estimate) and Link. A keyset page links to the first page and, when full, to the next one
 * after its last id; an offset page keeps its first/prev/next/last links.
 */
export function listHeaders(pathAndQuery: string, page: HttpPage, result: PageOf<{ id: number }>): Record<string, string> {
  const headers: Record<string, string> = { 'x-total-count': String(result.total) };
  if (result.exact === false) headers['x-total-count-exact'] = 'false';
  headers.link = page.afterId === undefined
    ? linkHeader(pathAndQuery, page.page, page.perPage, result.total)
    : keysetLinkHeader(pathAndQuery, page.perPage, result.items.length === page.perPage ? result.items.at(-1)!.id : null);
  return headers;
}

/** Link for a keyset page: first (no cursor) and, unless this was the last page, next. */
export function keysetLinkHeader(pathAndQuery: string, perPage: number, lastId: number | null): string {
  const [path = '/', query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  params.delete('page');
  params.set('per_page', String(perPage));
  const href = (after: number | null) => {
    if (after === null) params.delete('after');
    else params.set('after', String(after));
    return `<${path}?${params.toString()}>`;
  };
  const links = [`${href(null)}; rel="first"`];
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
