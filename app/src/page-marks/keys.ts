// Which lists of events are counted for deep pages, and the key that names each: the list's
// equality filters, in a fixed order, 'column=value' joined by '&' ('' for all events). Written
// once here for both sides: the job that counts (SQL, from a GROUPING SETS row) and the read that
// looks a count up (TypeScript, from the request's filter). event_type, the only text, comes last,
// so a value holding '&' or '=' cannot make two lists' keys equal.

/** The filters of GET /events, in key order. */
export const FILTER_COLUMNS = ['url_id', 'user_id', 'event_type'] as const;
export type FilterColumn = (typeof FILTER_COLUMNS)[number];
export type ListFilter = Partial<Record<FilterColumn, number | string>>;

/**
 * The filter combinations counted. url_id with user_id is left out: a link's events are its
 * owner's, so that list is the link's (or empty), and it is read by OFFSET as before.
 */
export const COUNTED_SETS: readonly (readonly FilterColumn[])[] = [
  [], ['event_type'], ['user_id'], ['user_id', 'event_type'], ['url_id'], ['url_id', 'event_type'],
];

/** The key of the list a request's filter selects. */
export function listKey(filter: ListFilter): string {
  return FILTER_COLUMNS.filter((c) => filter[c] !== undefined).map((c) => `${c}=${String(filter[c])}`).join('&');
}

/** The same key as an SQL expression over a GROUPING SETS row: a column not grouped is NULL, and concat_ws skips it. */
export const KEY_SQL = `concat_ws('&', ${FILTER_COLUMNS.map((c) => `'${c}=' || ${c}`).join(', ')})`;

/**
 * A group whose value is NULL (an event without a user) is no list a filter can select, and its
 * key would be that of the list without the column: left out.
 */
export const GROUPED_NOT_NULL_SQL = FILTER_COLUMNS.map((c) => `(grouping(${c}) = 1 OR ${c} IS NOT NULL)`).join(' AND ');

export const GROUPING_SETS_SQL = `GROUPING SETS (${COUNTED_SETS.map((s) => `(${s.join(', ')})`).join(', ')})`;
