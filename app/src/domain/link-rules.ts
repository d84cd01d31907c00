// The second-wave link fields (max_visits, valid_since, fallback_url, redirect_type, tags):
// what each may hold. Pure; the routes turn problems into a 400 with `fields`.
import { REDIRECT_TYPES } from './link.js';
import { originalUrlProblem } from './url-rules.js';

export const MAX_TAGS = 10;
export const TAG_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const TAG_RULE = '1-32 characters of a-z, 0-9, _ and -';

export interface LinkFeatureInput {
  max_visits?: number | null;
  valid_since?: string | null;
  expires_at?: string | null;
  fallback_url?: string | null;
  redirect_type?: number | null;
  tags?: string[] | null;
}

export function tagProblem(tag: string): string | undefined {
  return TAG_PATTERN.test(tag) ? undefined : `tag "${tag.slice(0, 40)}" must be ${TAG_RULE}`;
}

/** Field -> what is wrong, for every second-wave field present in the body. */
export function linkFeatureProblems(body: LinkFeatureInput, ownHost: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (body.max_visits != null && (!Number.isSafeInteger(body.max_visits) || body.max_visits < 1)) {
    fields.max_visits = 'must be an integer of at least 1';
  }
  if (typeof body.valid_since === 'string' && Number.isNaN(Date.parse(body.valid_since))) fields.valid_since = 'is not a valid date-time';
  if (typeof body.valid_since === 'string' && typeof body.expires_at === 'string' && !fields.valid_since
      && Date.parse(body.valid_since) >= Date.parse(body.expires_at)) {
    fields.valid_since = 'must be before expires_at';
  }
  if (typeof body.fallback_url === 'string') {
    // The same rules as original_url: in particular never this shortener, so a fallback can
    // never lead back into it (no loop through another short link or this one).
    const p = originalUrlProblem(body.fallback_url, ownHost);
    if (p) fields.fallback_url = p;
  }
  if (body.redirect_type != null && !(REDIRECT_TYPES as readonly number[]).includes(body.redirect_type)) {
    fields.redirect_type = `must be one of ${REDIRECT_TYPES.join(', ')}`;
  }
  if (body.tags != null) {
    const p = tagsProblem(body.tags);
    if (p) fields.tags = p;
  }
  return fields;
}

export function tagsProblem(tags: string[]): string | undefined {
  if (tags.length > MAX_TAGS) return `must hold at most ${MAX_TAGS} tags`;
  for (const t of tags) {
    const p = tagProblem(t);
    if (p) return p;
  }
  if (new Set(tags).size !== tags.length) return 'must not repeat a tag';
  return undefined;
}
