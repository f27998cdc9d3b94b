import type { JournalEntry } from '../domain/events';
import type { JournalStore } from './port';
import type { StateStore } from './state-store';

export interface StateJournalStoreOptions {
  /**
   * Close the state store with the journal (`Journal.close()` closes its store). Off by default:
   * the trader shares one state store between the journal, the order manager and recovery.
   */
  readonly closeStore?: boolean;
}

/**
 * The journal of one profile's day in the state store (one item per entry, keyed by sequence):
 * `append` resolves once the entry is stored (a conditional create, so a retried entry is done
 * and a different entry under the same sequence is a StoreConflictError); `readAll` returns the
 * day's entries in sequence order.
 */
export class StateJournalStore implements JournalStore {
  readonly description: string;

  constructor(
    private readonly store: StateStore,
    private readonly profile: string,
    private readonly date: string,
    private readonly options: StateJournalStoreOptions = {},
  ) {
    this.description = `${store.description} journal ${profile}/${date}`;
  }

  append(entry: JournalEntry): Promise<void> {
    return this.store.appendJournal(this.profile, this.date, entry);
  }

  readAll(): Promise<JournalEntry[]> {
    return this.store.readJournal(this.profile, this.date);
  }

  close(): Promise<void> {
    return this.options.closeStore === true ? this.store.close() : Promise.resolve();
  }
}
