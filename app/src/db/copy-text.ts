// Values for COPY ... FROM STDIN in text format, for the batch writers (the users import, the
// click flush).

/** COPY's text-format NULL. */
export const COPY_NULL = '\\N';

/** A value for COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]!) : s;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
