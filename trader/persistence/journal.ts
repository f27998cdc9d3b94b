import type { JournalEntry, JournalEvent } from '../domain/events';
import type { JournalStore } from './port';

/**
 * The engine's journal: numbers every event synchronously (so the order of events is the order
 * the engine saw them, whatever the store's latency) and writes them to the store strictly in
 * sequence. `record` never blocks the tick path; `flush` waits until everything recorded so far
 * is durable; a write failure is kept and re-thrown by `flush` (the engine then stops opening risk).
 */
export class Journal {
  private seq = 0;
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private pending = 0;

  constructor(private readonly store: JournalStore, startSeq = 0) {
    this.seq = startSeq;
  }

  get description(): string {
    return this.store.description;
  }

  /** Entries recorded but not yet acknowledged by the store. */
  get pendingWrites(): number {
    return this.pending;
  }

  get lastSeq(): number {
    return this.seq;
  }

  record(event: JournalEvent): number {
    const entry: JournalEntry = { ...event, seq: ++this.seq };
    this.pending += 1;
    this.tail = this.tail.then(
      () =>
        this.store.append(entry).then(
          () => {
            this.pending -= 1;
          },
          (err: unknown) => {
            this.pending -= 1;
            this.failure ??= err;
          },
        ),
      () => undefined,
    );
    return entry.seq;
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.failure !== null) throw this.failure instanceof Error ? this.failure : new Error(JSON.stringify(this.failure));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }
}
