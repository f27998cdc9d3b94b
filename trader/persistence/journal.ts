import type { JournalEntry, JournalEvent } from '../domain/events';
import type { JournalStore } from './port';

/**
 * The engine's journal: numbers every event synchronously (so the order of events is the order
 * the engine saw them, whatever the store's latency) and writes them to the store strictly in
 * sequence. `record` never blocks and costs an array push: the stored entry (the event with its
 * `seq`) is built by the writer after the tick, not on the decision path, and entries recorded
 * while a write is in progress are written by the same writer loop, one after another, without a
 * promise per entry. Events are immutable values, so building the entry later changes nothing.
 * `flush` waits until everything recorded so far is durable; a write failure is kept and
 * re-thrown by `flush` (the order manager then sends nothing: no broker call without a saved intent).
 */
export class Journal {
  private seq = 0;
  /** Recorded, not yet acknowledged by the store, in order; the last one has `seq`. */
  private readonly events: JournalEvent[] = [];
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
    return this.events.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  record(event: JournalEvent): number {
    const seq = ++this.seq;
    this.events.push(event);
    if (this.writing === null) this.writing = this.writeAll();
    return seq;
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
      while (this.events.length > 0) {
        const event = this.events[0];
        if (event === undefined) break;
        if (this.failure === null) {
          // Sequence numbers are consecutive, so the oldest queued event's follows from the newest's.
          const entry: JournalEntry = { ...event, seq: this.seq - this.events.length + 1 };
          try {
            await this.store.append(entry);
          } catch (err) {
            this.failure = err;
          }
        }
        this.events.shift();
      }
    } finally {
      this.writing = null;
    }
  }
}
