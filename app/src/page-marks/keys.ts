// Which lists are counted for deep pages, and the key that names each: the list's equality
// filters, in a fixed order, 'column=value' joined by '&' ('' for the whole table). Written once
// here for both sides of events: the job that counts (SQL, from a GROUPING SETS row) and the read
// that looks a count up (TypeScript, from the request's filter). event_type, the only text, comes
// last, so a value holding '&' or '=' cannot make two lists' keys equal. (Links' keys are made by
// their triggers, migration urls-page-counts: '' and 'is_active=true|false'.)

/** The filters of GET /events, in key order. */
export const FILTER_COLUMNS = ['url_id', 'user_id', 'event_type'] as const;
export type FilterColumn = (typeof FILTER_COLUMNS)[number];
export type ListFilter = Partial<Record<FilterColumn, number | string>>;

/**
 * The filter combinations counted. All events and each type are few lists, counted in full in
 * every span. A link's or a user's are one list per link or user, nearly all small: only those
 * found large are counted (seal.ts). url_id with user_id is left out: a link's events are its
 * owner's, so that list is the link's (or empty), and it is read by OFFSET as before.
 */
export const WHOLE_SETS: readonly (readonly FilterColumn[])[] = [[], ['event_type']];
export const LIST_SETS: readonly (readonly FilterColumn[])[] = [['user_id'], ['user_id', 'event_type'], ['url_id'], ['url_id', 'event_type']];

/** The key of the list a filter selects, its columns taken in the order given. */
export function keyOf<C extends string>(columns: readonly C[], filter: Partial<Record<C, number | string | boolean>>): string {
  return columns.filter((c) => filter[c] !== undefined).map((c) => `${c}=${String(filter[c])}`).join('&');
}

/** The key of the list of events a request's filter selects. */
export const listKey = (filter: ListFilter): string => keyOf(FILTER_COLUMNS, filter);

type Sets = readonly (readonly FilterColumn[])[];
const SQL_TYPES: Record<FilterColumn, string> = { url_id: 'bigint', user_id: 'bigint', event_type: 'text' };
const columnsIn = (sets: Sets) => FILTER_COLUMNS.filter((c) => sets.some((set) => set.includes(c)));

/**
 * The same key as an SQL expression over a row of GROUPING SETS (`sets`): a column not grouped
 * is NULL, and concat_ws skips it.
 */
export const keySql = (sets: Sets) => `concat_ws('&', ${columnsIn(sets).map((c) => `'${c}=' || ${c}`).join(', ') || "''"})`;

/** Every filter column of such a row, in order: NULL for those no set groups by. */
export const columnsSql = (sets: Sets) => FILTER_COLUMNS.map((c) => (columnsIn(sets).includes(c) ? c : `NULL::${SQL_TYPES[c]} AS ${c}`)).join(', ');

/**
 * A group whose value is NULL (an event without a user) is no list a filter can select, and its
 * key would be that of the list without the column: left out.
 */
export const groupedNotNullSql = (sets: Sets) => columnsIn(sets).map((c) => `(grouping(${c}) = 1 OR ${c} IS NOT NULL)`).join(' AND ') || 'true';

export const groupingSetsSql = (sets: Sets) => `GROUPING SETS (${sets.map((set) => `(${set.join(', ')})`).join(', ')})`;
