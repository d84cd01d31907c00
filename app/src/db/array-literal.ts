// Array parameters as PostgreSQL array literals, for the batch statements (click flush, imports, cold link reads).
/**
 * A PostgreSQL array literal ('{1,2}', '{"a",NULL}'). pg's own serialiser escapes element by
 * element and was a fifth of the click flush's CPU in a profile; this is one pass of string building.
 */
export function arrayLiteral(values: readonly (string | number | boolean | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) out += ',';
    if (v === null) out += 'NULL';
    else if (typeof v === 'string') out += `"${/["\\]/.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`;
    else out += String(v);
  }
  return `${out}}`;
}
