import type { Bar } from '../../domain/bar';
import type { JournalEntry, TradeRecord } from '../../domain/events';
import { SK_PREFIX, keys, partitions, type ItemKey } from '../schema';
import {
  StoreConflictError,
  StoreCorruptError,
  type BiasRecord,
  type DaySnapshot,
  type DayState,
  type DaySummaryRecord,
  type LeaseResult,
  type StateStore,
  type StoredFill,
  type StoredOrder,
  type StoredPosition,
} from '../state-store';
import type { Item, ItemTable, WriteCondition } from './item-table';
import {
  MAX_ITEM_BYTES,
  decodeBar,
  decodeBias,
  decodeFill,
  decodeJournal,
  decodeLease,
  decodeOrder,
  decodePosition,
  decodeSnapshot,
  decodeSummary,
  decodeTrade,
  deepEqual,
  encodeBar,
  encodeBias,
  encodeFill,
  encodeJournal,
  encodeLease,
  encodeOrder,
  encodePosition,
  encodeSnapshot,
  encodeSummary,
  encodeTrade,
  itemBytes,
  kindOf,
  sameBias,
  sameExecution,
} from './items';

const ABSENT: WriteCondition = { kind: 'absent' };
const NONE: WriteCondition = { kind: 'none' };
/** Sorts after every `JOURNAL#…` key and before `ORDER#` ('$' follows '#'). */
const AFTER_JOURNAL = 'JOURNAL$';

/**
 * The StateStore over any `ItemTable`: the DynamoDB and memory adapters are this class over
 * their table, so conditions, versions, conflicts and validation are one piece of code.
 *
 * Lost acknowledgements: a write whose first attempt committed but whose answer was lost is
 * retried (by the SDK, or by the caller after `StoreUnavailableError`) and then fails its
 * condition. Every conditional write therefore falls back to reading the stored item and
 * comparing it with what we meant to write: equal → done; different → `StoreConflictError`.
 */
export class ItemStateStore implements StateStore {
  constructor(protected readonly table: ItemTable) {}

  get description(): string {
    return this.table.description;
  }

  // ----- lease -----

  async acquireLease(profile: string, owner: string, nowMs: number, ttlMs: number): Promise<LeaseResult> {
    assertLease(owner, nowMs, ttlMs);
    const expiresAtMs = nowMs + ttlMs;
    const item = encodeLease(profile, owner, expiresAtMs);
    // Two rounds: a lease released between our failed put and our read is free again.
    for (let round = 0; round < 2; round++) {
      if (await this.write(item, { kind: 'leaseFree', owner, nowMs })) return { acquired: true, expiresAtMs };
      const stored = await this.table.get(item);
      if (stored === null) continue;
      const lease = decodeLease(stored);
      if (lease.owner === owner) return { acquired: true, expiresAtMs: lease.expiresAtMs };
      return { acquired: false, owner: lease.owner, expiresAtMs: lease.expiresAtMs };
    }
    throw new StoreConflictError(`lease ${profile}: taken and released while acquiring`, keyOf(item));
  }

  async renewLease(profile: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    assertLease(owner, nowMs, ttlMs);
    // Ours until someone else takes it: an expired lease nobody took is still exclusive.
    return this.write(encodeLease(profile, owner, nowMs + ttlMs), { kind: 'owner', owner });
  }

  async releaseLease(profile: string, owner: string): Promise<void> {
    // Not ours (any more): nothing to release.
    await this.table.delete(keys.lease(profile), { kind: 'owner', owner });
  }

  // ----- orders, fills, day records -----

  async createOrder(profile: string, date: string, order: StoredOrder): Promise<void> {
    const item = encodeOrder(profile, date, order);
    if (await this.write(item, ABSENT)) return;
    const stored = await this.mustGet(item, 'order');
    if (!deepEqual(decodeOrder(stored), decodeOrder(item))) throw new StoreConflictError(`order ${order.record.request.clientOrderId} already exists with different content`, keyOf(item));
  }

  async updateOrder(profile: string, date: string, order: StoredOrder, expectedVersion: number): Promise<void> {
    if (!Number.isSafeInteger(expectedVersion) || order.record.version <= expectedVersion) {
      throw new Error(`updateOrder ${order.record.request.clientOrderId}: version ${order.record.version} must exceed the expected stored version ${expectedVersion}`);
    }
    const item = encodeOrder(profile, date, order);
    if (await this.write(item, { kind: 'version', expected: expectedVersion })) return;
    const stored = await this.table.get(item);
    if (stored === null) throw new StoreConflictError(`order ${order.record.request.clientOrderId} is not stored (update expected version ${expectedVersion})`, keyOf(item));
    const current = decodeOrder(stored);
    if (deepEqual(current, decodeOrder(item))) return;
    throw new StoreConflictError(
      `order ${order.record.request.clientOrderId}: stored version ${current.record.version}, expected ${expectedVersion} (stale update)`,
      keyOf(item),
    );
  }

  /**
   * Comparisons are between decoded items (ours encoded and decoded, and the stored one), so
   * both sides went through the same format.
   *
   * 'duplicate' also when this very call's first attempt committed and its answer was lost: the
   * store cannot tell the two apart. Apply fills by execution id against the order records.
   */
  async putFill(profile: string, date: string, fill: StoredFill): Promise<'created' | 'duplicate'> {
    const item = encodeFill(profile, date, fill);
    if (await this.write(item, ABSENT)) return 'created';
    const stored = decodeFill(await this.mustGet(item, 'fill'));
    if (sameExecution(stored, decodeFill(item))) return 'duplicate';
    throw new StoreConflictError(
      `fill ${fill.fill.executionId}: stored ${stored.fill.side} ${stored.fill.qty} @ ${stored.fill.pricePaise}, got ${fill.fill.side} ${fill.fill.qty} @ ${fill.fill.pricePaise}`,
      keyOf(item),
    );
  }

  async putTrade(profile: string, date: string, trade: TradeRecord): Promise<void> {
    const item = encodeTrade(profile, date, trade);
    if (await this.write(item, ABSENT)) return;
    if (!deepEqual(decodeTrade(await this.mustGet(item, 'trade')), decodeTrade(item))) throw new StoreConflictError(`trade ${trade.tradeId} already exists with different content`, keyOf(item));
  }

  /** Last write wins, except that an older position (by `updatedMs`) never overwrites a newer one. */
  async putPosition(profile: string, date: string, position: StoredPosition): Promise<void> {
    const item = encodePosition(profile, date, position);
    if (await this.write(item, { kind: 'absentOrAtMost', attr: 'updatedMs', value: position.updatedMs })) return;
    const stored = decodePosition(await this.mustGet(item, 'position'));
    if (deepEqual(stored, decodePosition(item))) return;
    throw new StoreConflictError(`position ${position.symbol}: a newer one is stored (updated ${stored.updatedMs} > ${position.updatedMs})`, keyOf(item));
  }

  /** Last write wins, except that an older snapshot (by `journalSeq`) never overwrites a newer one. */
  async putSnapshot(profile: string, date: string, snapshot: DaySnapshot): Promise<void> {
    const item = encodeSnapshot(profile, date, snapshot);
    if (await this.write(item, { kind: 'absentOrAtMost', attr: 'journalSeq', value: snapshot.journalSeq })) return;
    const stored = decodeSnapshot(await this.mustGet(item, 'snapshot'));
    if (deepEqual(stored, decodeSnapshot(item))) return;
    throw new StoreConflictError(`snapshot ${snapshot.strategyId}: a newer one is stored (seq ${stored.journalSeq} > ${snapshot.journalSeq})`, keyOf(item));
  }

  async putSummary(profile: string, date: string, summary: DaySummaryRecord): Promise<void> {
    await this.write(encodeSummary(profile, date, summary), NONE);
  }

  async appendJournal(profile: string, date: string, entry: JournalEntry): Promise<void> {
    const item = encodeJournal(profile, date, entry);
    if (await this.write(item, ABSENT)) return;
    if (!deepEqual(decodeJournal(await this.mustGet(item, 'journal entry')), decodeJournal(item))) {
      throw new StoreConflictError(`journal entry ${entry.seq} already exists with different content`, keyOf(item));
    }
  }

  // ----- bias and daily bars (not per profile) -----

  async putBias(record: BiasRecord): Promise<'created' | 'duplicate'> {
    const item = encodeBias(record);
    if (await this.write(item, ABSENT)) return 'created';
    const stored = decodeBias(await this.mustGet(item, 'bias'));
    if (sameBias(stored, decodeBias(item))) return 'duplicate';
    throw new StoreConflictError(`bias ${record.date}: ${stored.bias} is stored, not ${record.bias}`, keyOf(item));
  }

  async getBias(date: string): Promise<BiasRecord | null> {
    const stored = await this.table.get(keys.bias(date));
    return stored === null ? null : decodeBias(stored);
  }

  async putDailyBar(symbol: string, date: string, bar: Bar): Promise<void> {
    await this.write(encodeBar(symbol, date, bar), NONE);
  }

  async getDailyBars(symbol: string, toDate: string, limit: number): Promise<Bar[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`getDailyBars: limit ${limit} must be a positive integer`);
    const { pk, sk } = keys.dailyBar(symbol, toDate);
    const items = await this.table.query(pk, { op: '<=', value: sk }, { reverse: true, limit });
    return items.map(decodeBar).reverse();
  }

  // ----- recovery -----

  async loadDay(profile: string, date: string): Promise<DayState> {
    const pk = partitions.day(profile, date);
    // Everything but the journal (which can be long), plus the journal's last entry.
    const [before, after, last] = await Promise.all([
      this.table.query(pk, { op: '<', value: SK_PREFIX.journal }),
      this.table.query(pk, { op: '>', value: AFTER_JOURNAL }),
      this.table.query(pk, { op: 'begins_with', value: SK_PREFIX.journal }, { reverse: true, limit: 1 }),
    ]);
    const orders: StoredOrder[] = [];
    const fills: StoredFill[] = [];
    const positions: StoredPosition[] = [];
    const trades: TradeRecord[] = [];
    let snapshot: DaySnapshot | null = null;
    let summary: DaySummaryRecord | null = null;
    for (const item of [...before, ...after]) {
      const kind = kindOf(item);
      switch (kind) {
        case 'ORDER':
          orders.push(decodeOrder(item));
          break;
        case 'FILL':
          fills.push(decodeFill(item));
          break;
        case 'POSITION':
          positions.push(decodePosition(item));
          break;
        case 'TRADE':
          trades.push(decodeTrade(item));
          break;
        case 'SNAPSHOT': {
          // One strategy per profile today; with several, the newest is the day's restore point.
          const s = decodeSnapshot(item);
          if (snapshot === null || s.journalSeq > snapshot.journalSeq) snapshot = s;
          break;
        }
        case 'SUMMARY':
          summary = decodeSummary(item);
          break;
        case 'BROKER_ORDER':
          break; // pointers only; the orders carry their broker ids
        case 'LEASE':
        case 'BIAS':
        case 'JOURNAL':
        case 'BAR':
          throw new StoreCorruptError(`a ${kind} item does not belong in day partition ${pk}`, keyOf(item), 'kind');
      }
    }
    const lastItem = last[0];
    return {
      orders: orders.sort((a, b) => a.record.createdMs - b.record.createdMs || cmp(a.record.request.clientOrderId, b.record.request.clientOrderId)),
      fills: fills.sort((a, b) => a.fill.timeMs - b.fill.timeMs || cmp(a.fill.executionId, b.fill.executionId)),
      positions,
      trades: trades.sort((a, b) => a.exitTimeMs - b.exitTimeMs || cmp(a.tradeId, b.tradeId)),
      snapshot,
      summary,
      lastJournalSeq: lastItem === undefined ? 0 : decodeJournal(lastItem).seq,
    };
  }

  async readJournal(profile: string, date: string): Promise<JournalEntry[]> {
    const items = await this.table.query(partitions.day(profile, date), { op: 'begins_with', value: SK_PREFIX.journal });
    return items.map(decodeJournal);
  }

  close(): Promise<void> {
    return this.table.close();
  }

  // ----- helpers -----

  private async write(item: Item & ItemKey, condition: WriteCondition): Promise<boolean> {
    const bytes = itemBytes(item);
    if (bytes > MAX_ITEM_BYTES) throw new Error(`refusing to store ${item.pk} / ${item.sk}: about ${bytes} bytes, limit ${MAX_ITEM_BYTES}`);
    return await this.table.put(item, condition);
  }

  /** The item a failed create-once condition says exists (never deleted, so it must be there). */
  private async mustGet(key: ItemKey, what: string): Promise<Item> {
    const stored = await this.table.get(key);
    if (stored === null) throw new StoreConflictError(`${what}: the write's condition failed but nothing is stored`, keyOf(key));
    return stored;
  }
}

function keyOf(key: { readonly pk?: unknown; readonly sk?: unknown }): ItemKey {
  return { pk: typeof key.pk === 'string' ? key.pk : '?', sk: typeof key.sk === 'string' ? key.sk : '?' };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertLease(owner: string, nowMs: number, ttlMs: number): void {
  if (owner.length === 0) throw new Error('lease owner is empty');
  if (!Number.isSafeInteger(nowMs) || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new Error(`lease: nowMs ${nowMs} and ttlMs ${ttlMs} must be integers, ttl > 0`);
}
