import type { JournalEntry } from '../domain/events';

/**
 * Store port for the append-only journal. In-memory and NDJSON-file adapters now; DynamoDB later.
 * `append` resolves once the entry is durable for that adapter (immediately for memory).
 */
export interface JournalStore {
  readonly description: string;
  append(entry: JournalEntry): Promise<void>;
  /** Every entry of the session in sequence order (audits, tests, the ledger command). */
  readAll(): Promise<JournalEntry[]>;
  close(): Promise<void>;
}
