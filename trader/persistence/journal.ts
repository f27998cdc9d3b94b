import type { JournalEntry, JournalEvent } from '../domain/events';
import type { JournalStore } from './port';

/**
 * The engine's journal: numbers every event synchronously (so the order of events is the order
 * the engine saw them, whatever the store's latency) and writes them to the store strictly in
 * sequence. `record` never blocks and costs an array push: entries recorded while a write is in
 * progress are written by the same writer loop, one after another, without a promise per entry.
 * `flush` waits until everything recorded so far is durable; a write failure is kept and
 * re-thrown by `flush` (the order manager then sends nothing: no broker call without a saved intent).
 */
export class Journal {
  private seq = 0;
  private readonly queue: JournalEntry[] = [];
  private writing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly store: JournalStore,
    startSeq = 0,
  ) {
    this.seq = startSeq;
  }

  get description(): string {
    return this.store.description;
  }

  /** Entries recorded but not yet acknowledged by the store. */
  get pendingWrites(): number {
    return this.queue.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  record(event: JournalEvent): number {
    const entry: JournalEntry = { ...event, seq: ++this.seq };
    this.queue.push(entry);
    this.writing ??= this.writeAll();
    return entry.seq;
  }

  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
    if (this.failure !== null) throw this.failure instanceof Error ? this.failure : new Error(JSON.stringify(this.failure));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }

  private async writeAll(): Promise<void> {
    try {
      // Start on a microtask so the entries recorded by the rest of this tick join the batch.
      await Promise.resolve();
      while (this.queue.length > 0) {
        const entry = this.queue[0];
        if (entry === undefined) break;
        if (this.failure === null) {
          try {
            await this.store.append(entry);
          } catch (err) {
            this.failure = err;
          }
        }
        this.queue.shift();
      }
    } finally {
      this.writing = null;
    }
  }
}
