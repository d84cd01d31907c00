// ?page=P&per_page=N paging and the X-Total-Count / Link headers that describe it. Pure.
import { Type } from 'typebox';
import type { Page } from '../store/paging.js';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;
/** Beyond this an OFFSET scan is a denial of service, not a page. */
export const MAX_PAGE = 1_000_000;

export const PagingQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page number, from 1.' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: 'Items per page.' })),
};

export function toPage(q: { page?: number; per_page?: number }): Page & { page: number; perPage: number } {
  const page = q.page ?? 1;
  const perPage = q.per_page ?? DEFAULT_PER_PAGE;
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage };
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
