// Splits a byte stream into text lines, bounded: a line longer than maxChars is reported as
// too long (and its text dropped, not buffered). Accepts \n and \r\n; drops a leading UTF-8 BOM.
// Lines are numbered from 1, empty ones included, as an editor numbers them. Pulls the source
// only as fast as the caller consumes lines (backpressure for the upload).

export interface Line { number: number; text: string; tooLong: boolean }

export async function* readLines(source: AsyncIterable<Buffer | string>, maxChars: number): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let tooLong = false;
  let number = 0;
  let first = true;
  const emit = (raw: string): Line => {
    number += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const over = tooLong || text.length > maxChars;
    tooLong = false;
    return { number, text: over ? '' : text, tooLong: over };
  };
  const take = function* (chunk: string): Generator<Line> {
    let text = pending + chunk;
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield emit(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
    // Keep what may still be the start of a line; past the bound keep nothing, remember why.
    if (pending.length > maxChars + 1) {
      tooLong = true;
      pending = '';
    }
  };
  for await (const chunk of source) yield* take(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  yield* take(decoder.decode());
  if (pending !== '' || tooLong) yield emit(pending);
}
