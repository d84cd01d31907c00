// Rows streamed into the database in batches, one batch written while the next is gathered:
// reading (CSV parsing) and writing overlap instead of taking turns. Never more than one batch
// in flight, so batches land in order and memory stays at two batches.

export class BatchWriter<T> {
  private batch: T[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined; // kept, not left unhandled, until the next wait

  constructor(
    private readonly size: number,
    /** Writes one batch; returns how many rows were actually inserted (the rest were present). */
    private readonly write: (batch: T[]) => Promise<number>,
    private readonly onWritten: (sent: number, inserted: number) => void,
  ) {}

  /** Adds a row; when a batch is full, waits for the previous write and starts this one. */
  async add(row: T): Promise<void> {
    this.batch.push(row);
    if (this.batch.length >= this.size) await this.flush();
  }

  /** Writes what is left and waits for every write; throws the first write error. */
  async finish(): Promise<void> {
    await this.flush();
    await this.settle();
  }

  private async flush(): Promise<void> {
    await this.settle();
    if (this.batch.length === 0) return;
    const sent = this.batch;
    this.batch = [];
    this.inFlight = this.write(sent).then(
      (inserted) => this.onWritten(sent.length, inserted),
      (err: unknown) => { this.failure = { err }; },
    );
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.err;
  }
}
