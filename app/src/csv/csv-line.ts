// One CSV line (RFC 4180 without line breaks inside quoted fields) into its cells. Pure.
// An upload is split into lines first (lines.ts) and each line parsed on its own, so a quote
// left open ends at its own line: it makes that row an error instead of swallowing every row
// after it into one field, as a parser that lets quoted fields span lines does. No column of
// the imports may hold a line break, so nothing legitimate is lost.

export type CsvLine = { ok: true; cells: string[] } | { ok: false; error: string };

export function parseCsvLine(line: string): CsvLine {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      // Quoted: runs to the next lone quote; a doubled quote is one quote character.
      let cell = '';
      let j = i + 1;
      for (;;) {
        const close = line.indexOf('"', j);
        if (close === -1) return { ok: false, error: `Unclosed Quote: the quoted field ${cells.length + 1} does not end on its line` };
        cell += line.slice(j, close);
        if (line[close + 1] === '"') {
          cell += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      if (i < line.length && line[i] !== ',') {
        return { ok: false, error: `Invalid Closing Quote: field ${cells.length + 1} continues after its closing quote` };
      }
      cells.push(cell);
    } else {
      const end = line.indexOf(',', i);
      const cell = end === -1 ? line.slice(i) : line.slice(i, end);
      if (cell.includes('"')) return { ok: false, error: `Invalid Opening Quote: a quote inside the unquoted field ${cells.length + 1}` };
      cells.push(cell);
      i = end === -1 ? line.length : end;
    }
    if (i >= line.length) return { ok: true, cells };
    i += 1; // the comma
    if (i === line.length) {
      cells.push(''); // a trailing comma: one more, empty, cell
      return { ok: true, cells };
    }
  }
}
