import type { JournalEntry } from '../domain/events';
import type { JournalStore } from './port';

/** Throwaway runs and tests: entries live in an array. */
export class MemoryJournalStore implements JournalStore {
  readonly description = 'memory';
  private readonly entries: JournalEntry[] = [];

  append(entry: JournalEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }

  readAll(): Promise<JournalEntry[]> {
    return Promise.resolve([...this.entries]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
