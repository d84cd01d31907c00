// Splits a byte stream into text lines, bounded: a line longer than maxChars is reported as
// too long (and its text dropped, not buffered). Accepts \n and \r\n; drops a leading UTF-8 BOM.
// Lines are numbered from 1, empty ones included, as an editor numbers them. Synchronous, chunk
// by chunk: the caller awaits the stream once per chunk, not once per line (an async step per
// line was a third of an import's CPU).

export interface Line { number: number; text: string; tooLong: boolean }

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private tooLong = false;
  private number = 0;
  private first = true;

  constructor(private readonly maxChars: number) {}

  /** The lines a chunk completes. */
  *push(chunk: Buffer | string): Generator<Line> {
    yield* this.take(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
  }

  /** The last line, when the stream does not end with a line break. */
  *end(): Generator<Line> {
    yield* this.take(this.decoder.decode());
    if (this.pending !== '' || this.tooLong) yield this.emit(this.pending);
  }

  private emit(raw: string): Line {
    this.number += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const over = this.tooLong || text.length > this.maxChars;
    this.tooLong = false;
    return { number: this.number, text: over ? '' : text, tooLong: over };
  }

  private *take(chunk: string): Generator<Line> {
    let text = this.pending + chunk;
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    this.pending = text.slice(start);
    // Keep what may still be the start of a line; past the bound keep nothing, remember why.
    if (this.pending.length > this.maxChars + 1) {
      this.tooLong = true;
      this.pending = '';
    }
  }
}
