// Value formats of the seed CSVs (shared/seed-data), used by the seed loader and the bulk
// import alike. Pure. Timestamps are "YYYY-MM-DD HH:MM:SS" in UTC (ISO-8601 is accepted too),
// booleans are Python's True/False, details is JSON.

/** A Date, or undefined when the text is not a timestamp. Blank -> null (use the default). */
export function parseTimestamp(text: string | undefined): Date | null | undefined {
  const t = (text ?? '').trim();
  if (t === '') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  const iso = m ? `${m[1]}T${m[2]}${m[3] ?? 'Z'}` : /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : undefined;
  if (iso === undefined) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function parseBool(text: string | undefined): boolean | undefined {
  const t = (text ?? '').trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 't') return true;
  if (t === 'false' || t === '0' || t === 'f') return false;
  return undefined;
}

/** A positive integer id, null when blank, undefined when invalid. */
export function parseId(text: string | undefined): number | null | undefined {
  const t = (text ?? '').trim();
  if (t === '') return null;
  if (!/^\d{1,15}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 1 ? n : undefined;
}

/** A JSON object, {} when blank, undefined when not an object. */
export function parseDetails(text: string | undefined): Record<string, unknown> | undefined {
  const t = (text ?? '').trim();
  if (t === '') return {};
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The seed format's timestamp text for a Date (the generator writes this). */
export function formatTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
