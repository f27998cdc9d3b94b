import type { Bar } from '../domain/bar';
import type { JournalEntry, TradeRecord } from '../domain/events';
import type { Bias, ExitReason } from '../domain/intent';
import type { Fill } from '../domain/order';
import type { OrderRecord } from '../orders/state-machine';

/**
 * The system of record (issue 3 §1): one port, two adapters — DynamoDB (real tables in AWS, or
 * dynalite embedded locally) and memory (`--store memory`, tests). Everything is a single-item
 * conditional write (dynalite has no transactions):
 *
 * - create-once items (order intents, fills, trades, bias, journal entries) use
 *   `attribute_not_exists(pk)`; a write whose acknowledgement was lost and whose retry then
 *   fails its condition is compared with the stored item and treated as done when it matches
 *   (`StoreConflictError` when it does not);
 * - state transitions (orders) are guarded by the expected version: `ver = :expected`;
 * - every call has a bounded time and bounded retries; past the budget it rejects with
 *   `StoreUnavailableError`, and the trader stops opening risk (no broker call without a saved
 *   intent) while it keeps protecting open positions.
 *
 * Items read back are validated (zod) at this boundary: a corrupt item is a `StoreCorruptError`
 * naming the key and field, never a silently wrong restart.
 */

/** An order as stored: the state machine's record plus what only the trader knows about it. */
export interface StoredOrder {
  readonly record: OrderRecord;
  /** Why an exit order exists (null for entries and stops). */
  readonly exitReason: ExitReason | null;
  /** Stop level the entry was sized against (entries), for restoring the position's R. */
  readonly plannedStopPaise: number;
  /** Signal bar of the position this order belongs to (part of its client order id). */
  readonly signalBarMs: number;
}

/** A fill as stored: the execution plus the charges booked for it. Keyed by execution id. */
export interface StoredFill {
  readonly fill: Fill;
  readonly costsPaise: number;
}

export interface StoredPosition {
  readonly symbol: string;
  readonly netQty: number;
  readonly avgPricePaise: number;
  /** The protective level the trader wants at the broker. */
  readonly stopPaise: number;
  /**
   * Set (and saved) before an exit starts cancelling the stop: a restart continues the exit
   * instead of re-protecting the position. Null when no exit is in progress.
   */
  readonly exitingReason: ExitReason | null;
  readonly updatedMs: number;
}

export interface BiasRecord {
  readonly date: string;
  readonly bias: Bias;
  readonly reasons: readonly string[];
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly ruleVersion: string;
  readonly computedAtMs: number;
}

/**
 * The engine's checkpoint at a point in the day, for restarts mid-day: strategy, risk and
 * portfolio state, booked executions (see EngineSnapshot in trader/engine/engine.ts). One item
 * per profile and day, overwritten by each checkpoint; `engine` is validated by the engine.
 */
export interface DaySnapshot {
  readonly strategyId: string;
  readonly takenAtMs: number;
  /** Journal sequence number the snapshot corresponds to. */
  readonly journalSeq: number;
  readonly engine: unknown;
}

export interface DaySummaryRecord {
  readonly date: string;
  readonly profile: string;
  readonly trades: number;
  readonly netPaise: number;
  readonly totalR: number;
  readonly flat: boolean;
  readonly halted: string | null;
  readonly denials: Readonly<Record<string, number>>;
}

/** Everything stored for one profile and date, as recovery needs it. */
export interface DayState {
  readonly orders: readonly StoredOrder[];
  readonly fills: readonly StoredFill[];
  readonly positions: readonly StoredPosition[];
  readonly trades: readonly TradeRecord[];
  readonly snapshot: DaySnapshot | null;
  readonly summary: DaySummaryRecord | null;
  /** Highest journal sequence stored (0 when none). */
  readonly lastJournalSeq: number;
}

export type LeaseResult =
  | { readonly acquired: true; readonly expiresAtMs: number }
  | { readonly acquired: false; readonly owner: string; readonly expiresAtMs: number };

export interface StateStore {
  readonly description: string;

  /** Take the profile's lease if it is free or expired (conditional write with expiry). */
  acquireLease(profile: string, owner: string, nowMs: number, ttlMs: number): Promise<LeaseResult>;
  /** Extend our lease; false when someone else holds it now (we must stop trading). */
  renewLease(profile: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(profile: string, owner: string): Promise<void>;

  /** Save a new order (the intent) before it is sent. Idempotent for an identical retry. */
  createOrder(profile: string, date: string, order: StoredOrder): Promise<void>;
  /** Save a state transition; `expectedVersion` is the stored record's version before it. */
  updateOrder(profile: string, date: string, order: StoredOrder, expectedVersion: number): Promise<void>;

  /** Save a fill once, by execution id. 'duplicate' when it was already stored (identical). */
  putFill(profile: string, date: string, fill: StoredFill): Promise<'created' | 'duplicate'>;
  putTrade(profile: string, date: string, trade: TradeRecord): Promise<void>;
  putPosition(profile: string, date: string, position: StoredPosition): Promise<void>;
  putSnapshot(profile: string, date: string, snapshot: DaySnapshot): Promise<void>;
  putSummary(profile: string, date: string, summary: DaySummaryRecord): Promise<void>;
  appendJournal(profile: string, date: string, entry: JournalEntry): Promise<void>;

  /** The day's bias, stored once per date (a retried Lambda must not create a second one). */
  putBias(record: BiasRecord): Promise<'created' | 'duplicate'>;
  getBias(date: string): Promise<BiasRecord | null>;
  putDailyBar(symbol: string, date: string, bar: Bar): Promise<void>;
  /** The newest `limit` daily bars up to and including `toDate`, oldest first. */
  getDailyBars(symbol: string, toDate: string, limit: number): Promise<Bar[]>;

  /** Everything stored for a profile's day (recovery). */
  loadDay(profile: string, date: string): Promise<DayState>;
  /** The day's journal in sequence order (the ledger command, audits). */
  readJournal(profile: string, date: string): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

/** The store could not be reached within its time and retry budget. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A conditional write failed and the stored item differs from what we tried to write. */
export class StoreConflictError extends Error {
  constructor(
    message: string,
    readonly key: { readonly pk: string; readonly sk: string },
  ) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** A stored item failed validation on the way in. */
export class StoreCorruptError extends Error {
  constructor(
    message: string,
    readonly key: { readonly pk: string; readonly sk: string },
    readonly field: string,
  ) {
    super(`${key.pk} / ${key.sk}, field '${field}': ${message}`);
    this.name = 'StoreCorruptError';
  }
}
