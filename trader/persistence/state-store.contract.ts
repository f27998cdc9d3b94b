import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bar } from '../domain/bar';
import type { JournalEntry, TradeRecord } from '../domain/events';
import type { Fill, OrderRequest } from '../domain/order';
import { createOrderRecord, transition, type OrderRecord } from '../orders/state-machine';
import { keys, type ItemKey } from './schema';
import {
  StoreConflictError,
  StoreCorruptError,
  type BiasRecord,
  type DaySnapshot,
  type StateStore,
  type StoredFill,
  type StoredOrder,
  type StoredPosition,
} from './state-store';

/**
 * The one contract every StateStore adapter passes (memory, DynamoDB over dynalite): the same
 * conditions, versions, conflicts and validation, observed only through the port — plus one raw
 * write per adapter to plant a corrupt item.
 */
export interface StateStoreHarness {
  readonly store: StateStore;
  /** Store an item exactly as given, bypassing the adapter (a corrupt or foreign item). */
  putRawItem(item: Readonly<Record<string, unknown>> & ItemKey): Promise<void>;
  close(): Promise<void>;
}

const P = 'default';
const D = '2024-06-10';
const T0 = Date.UTC(2024, 5, 10, 3, 45);

export function request(clientOrderId = 'tfl-RELIANCE-1718000000000-entry', qty = 10): OrderRequest {
  return { symbol: 'RELIANCE', exchange: 'NSE', clientOrderId, strategy: 'tfl', side: 'BUY', qty, product: 'MIS', priceType: 'MARKET', pricePaise: 0, triggerPaise: 0 };
}

export function intent(clientOrderId?: string): StoredOrder {
  return { record: createOrderRecord(request(clientOrderId), 'ENTRY', T0), exitReason: null, plannedStopPaise: 290_000, signalBarMs: T0 - 60_000 };
}

function accepted(order: StoredOrder, brokerOrderId = 'B1'): StoredOrder {
  const r = transition(order.record, { kind: 'SUBMIT_ACCEPTED', timeMs: T0 + 100, brokerOrderId });
  if (!r.ok) throw new Error(r.error.message);
  return { ...order, record: r.record };
}

function withRecord(order: StoredOrder, patch: Partial<OrderRecord>): StoredOrder {
  return { ...order, record: { ...order.record, ...patch } };
}

export function fill(executionId = 'E1', qty = 10): StoredFill {
  const f: Fill = { executionId, brokerOrderId: 'B1', clientOrderId: 'tfl-RELIANCE-1718000000000-entry', symbol: 'RELIANCE', exchange: 'NSE', side: 'BUY', qty, pricePaise: 295_005, timeMs: T0 + 200 };
  return { fill: f, costsPaise: 1234 };
}

export function trade(tradeId = 'T1'): TradeRecord {
  return {
    tradeId,
    strategy: 'tfl',
    symbol: 'RELIANCE',
    direction: 'LONG',
    qty: 10,
    entryTimeMs: T0 + 200,
    entryPricePaise: 295_005,
    exitTimeMs: T0 + 3_600_000,
    exitPricePaise: 300_000,
    exitReason: 'TARGET',
    initialStopPaise: 290_000,
    initialRiskPaise: 50_050,
    grossPaise: 49_950,
    costsPaise: 2_500,
    netPaise: 47_450,
    r: 0.998,
    maePaise: 1_000,
    mfePaise: 6_000,
  };
}

export function position(updatedMs = T0 + 200, netQty = 10): StoredPosition {
  return { symbol: 'RELIANCE', netQty, avgPricePaise: 295_005, stopPaise: 290_000, exitingReason: null, updatedMs };
}

export function journalEntry(seq: number, reason = `r${seq}`): JournalEntry {
  return { type: 'HALT', timeMs: T0 + seq, reason, seq };
}

function snapshot(journalSeq: number, engine: unknown = { strategy: { bars: [1, 2, 3], atr: Number.NaN }, risk: { tradesToday: 1 } }): DaySnapshot {
  return { strategyId: 'tfl', takenAtMs: T0 + journalSeq, journalSeq, engine };
}

function biasRecord(patch: Partial<BiasRecord> = {}): BiasRecord {
  return { date: D, bias: 'LONGS_ONLY', reasons: ['NIFTY above its 20-day average'], inputs: { niftyClose: 23_250.5 }, ruleVersion: 'bias-v1', computedAtMs: T0 - 3_600_000, ...patch };
}

function bar(date: string, close: number): Bar {
  return { startMs: Date.parse(`${date}T03:45:00Z`), open: close - 1, high: close + 2, low: close - 3, close, volume: 1_000 };
}

export function describeStateStore(name: string, makeStore: () => Promise<StateStoreHarness>): void {
  describe(`StateStore contract: ${name}`, () => {
    let h: StateStoreHarness;
    let store: StateStore;
    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await h.close();
    });

    it('creates an order intent once; an identical retry (lost acknowledgement) is done', async () => {
      await store.createOrder(P, D, intent());
      await store.createOrder(P, D, intent());
      const day = await store.loadDay(P, D);
      expect(day.orders).toEqual([intent()]);
    });

    it('refuses a second, different intent under the same client order id (StoreConflictError)', async () => {
      await store.createOrder(P, D, intent());
      const other = withRecord(intent(), { request: request(undefined, 20) });
      await expect(store.createOrder(P, D, other)).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.loadDay(P, D)).orders[0]?.record.request.qty).toBe(10);
    });

    it('guards order transitions by version: stale updates are rejected, an identical retry is done', async () => {
      const created = intent();
      await store.createOrder(P, D, created);
      const v1 = accepted(created, 'B1');
      await store.updateOrder(P, D, v1, 0);
      await store.updateOrder(P, D, v1, 0); // the same transition again: its ack was lost
      const stale = accepted(created, 'B2'); // another view of version 0 → 1
      await expect(store.updateOrder(P, D, stale, 0)).rejects.toBeInstanceOf(StoreConflictError);
      const missing = accepted(intent('tfl-INFY-1718000000000-entry'));
      await expect(store.updateOrder(P, D, missing, 0)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.updateOrder(P, D, v1, 1)).rejects.toThrow(/must exceed/);
      const day = await store.loadDay(P, D);
      expect(day.orders).toEqual([v1]);
      expect(day.orders[0]?.record.brokerOrderId).toBe('B1');
    });

    it('stores a fill once by execution id; replays are duplicates, a different execution under the same id conflicts', async () => {
      expect(await store.putFill(P, D, fill())).toBe('created');
      expect(await store.putFill(P, D, fill())).toBe('duplicate');
      // The REST tradebook reports the same execution without our client id and a later time.
      const replay: StoredFill = { ...fill(), fill: { ...fill().fill, clientOrderId: undefined, timeMs: T0 + 900 } };
      expect(await store.putFill(P, D, replay)).toBe('duplicate');
      await expect(store.putFill(P, D, fill('E1', 5))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.putFill(P, D, fill('E2', 5))).toBe('created');
      expect((await store.loadDay(P, D)).fills.map((f) => [f.fill.executionId, f.fill.qty])).toEqual([
        ['E1', 10],
        ['E2', 5],
      ]);
    });

    it('gives the lease to one owner at a time; after expiry another can take it', async () => {
      expect(await store.acquireLease(P, 'a', 1_000, 1_000)).toEqual({ acquired: true, expiresAtMs: 2_000 });
      expect(await store.acquireLease(P, 'b', 1_500, 1_000)).toEqual({ acquired: false, owner: 'a', expiresAtMs: 2_000 });
      expect(await store.renewLease(P, 'a', 1_900, 1_000)).toBe(true);
      expect(await store.acquireLease(P, 'b', 2_500, 1_000)).toEqual({ acquired: false, owner: 'a', expiresAtMs: 2_900 });
      expect(await store.renewLease(P, 'b', 2_500, 1_000)).toBe(false);
      expect(await store.acquireLease(P, 'b', 2_900, 1_000)).toEqual({ acquired: true, expiresAtMs: 3_900 });
      expect(await store.renewLease(P, 'a', 3_000, 1_000)).toBe(false);
      await store.releaseLease(P, 'a'); // not a's any more: no effect
      expect(await store.acquireLease(P, 'a', 3_000, 1_000)).toMatchObject({ acquired: false, owner: 'b' });
      await store.releaseLease(P, 'b');
      expect(await store.acquireLease(P, 'a', 3_000, 1_000)).toEqual({ acquired: true, expiresAtMs: 4_000 });
      expect(await store.acquireLease('other', 'b', 3_000, 1_000)).toMatchObject({ acquired: true });
    });

    it('gives a contended lease to exactly one of many concurrent owners', async () => {
      const owners = Array.from({ length: 8 }, (_, i) => `trader-${i}`);
      const results = await Promise.all(owners.map((o) => store.acquireLease(P, o, 10_000, 30_000)));
      const winners = results.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const winner = owners[results.findIndex((r) => r.acquired)];
      for (const r of results) if (!r.acquired) expect(r.owner).toBe(winner);
    });

    it('stores the bias once per date; a recomputation with the same outcome is a duplicate, a different one conflicts', async () => {
      expect(await store.getBias(D)).toBeNull();
      expect(await store.putBias(biasRecord())).toBe('created');
      expect(await store.putBias(biasRecord())).toBe('duplicate');
      expect(await store.putBias(biasRecord({ computedAtMs: T0 }))).toBe('duplicate');
      await expect(store.putBias(biasRecord({ bias: 'NO_TRADES' }))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.getBias(D)).toEqual(biasRecord());
      expect(await store.putBias(biasRecord({ date: '2024-06-11', bias: 'SHORTS_ONLY' }))).toBe('created');
    });

    it('loads everything stored for a profile and day, and nothing of other days or profiles', async () => {
      const order = accepted(intent());
      await store.createOrder(P, D, intent());
      await store.updateOrder(P, D, order, 0);
      await store.putFill(P, D, fill());
      await store.putPosition(P, D, position());
      await store.putTrade(P, D, trade());
      await store.putTrade(P, D, trade()); // identical retry
      await store.putSnapshot(P, D, snapshot(3));
      const summary = { date: D, profile: P, trades: 1, netPaise: 47_450, totalR: 0.998, flat: true, halted: null, denials: { BIAS: 2 } };
      await store.putSummary(P, D, summary);
      for (let seq = 1; seq <= 12; seq++) await store.appendJournal(P, D, journalEntry(seq));
      await store.createOrder(P, '2024-06-11', intent());
      await store.createOrder('other', D, intent());

      const day = await store.loadDay(P, D);
      expect(day.orders).toEqual([order]);
      expect(day.fills).toEqual([fill()]);
      expect(day.positions).toEqual([position()]);
      expect(day.trades).toEqual([trade()]);
      expect(day.snapshot).toEqual(snapshot(3));
      expect(day.summary).toEqual(summary);
      expect(day.lastJournalSeq).toBe(12);
      expect(await store.loadDay(P, '2024-06-12')).toEqual({ orders: [], fills: [], positions: [], trades: [], snapshot: null, summary: null, lastJournalSeq: 0 });
    });

    it('never lets an older position or snapshot overwrite a newer one', async () => {
      await store.putPosition(P, D, position(T0 + 500, 10));
      await store.putPosition(P, D, { ...position(T0 + 600, 10), exitingReason: 'SQUARE_OFF' });
      await store.putPosition(P, D, { ...position(T0 + 600, 10), exitingReason: 'SQUARE_OFF' }); // identical retry
      await expect(store.putPosition(P, D, position(T0 + 500, 10))).rejects.toBeInstanceOf(StoreConflictError);
      await store.putSnapshot(P, D, snapshot(5));
      await store.putSnapshot(P, D, snapshot(9));
      await expect(store.putSnapshot(P, D, snapshot(7))).rejects.toBeInstanceOf(StoreConflictError);
      const day = await store.loadDay(P, D);
      expect(day.positions).toEqual([{ ...position(T0 + 600, 10), exitingReason: 'SQUARE_OFF' }]);
      expect(day.snapshot?.journalSeq).toBe(9);
    });

    it('keeps snapshot state exactly, NaN and large states included', async () => {
      const big = { bars: Array.from({ length: 20_000 }, (_, i) => ({ i, v: i * 1.5 })), warm: Number.NaN, inf: Number.NEGATIVE_INFINITY };
      await store.putSnapshot(P, D, snapshot(4, big));
      const got = await store.loadDay(P, D);
      expect(got.snapshot).toEqual(snapshot(4, big));
      expect(Number.isNaN((got.snapshot?.engine as { warm: number }).warm)).toBe(true);
    });

    it('refuses an item that would not fit in DynamoDB instead of failing later', async () => {
      const huge = randomBytes(450_000).toString('base64'); // incompressible: ~450 KB even gzip'd
      await expect(store.putSnapshot(P, D, snapshot(1, huge))).rejects.toThrow(/limit/);
    });

    it('reads the journal back in sequence order; a retried entry is done, a different one conflicts', async () => {
      for (const seq of [3, 1, 2, 10, 9, 11]) await store.appendJournal(P, D, journalEntry(seq));
      await store.appendJournal(P, D, journalEntry(2));
      await expect(store.appendJournal(P, D, journalEntry(2, 'other'))).rejects.toBeInstanceOf(StoreConflictError);
      const entries = await store.readJournal(P, D);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 9, 10, 11]);
      expect(entries[0]).toEqual(journalEntry(1));
      expect(await store.readJournal(P, '2024-06-11')).toEqual([]);
    });

    it('returns the newest daily bars up to a date, oldest first', async () => {
      const dates = ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07'];
      for (const [i, d] of dates.entries()) await store.putDailyBar('NIFTY', d, bar(d, 23_000 + i));
      const got = await store.getDailyBars('NIFTY', '2024-06-06', 3);
      expect(got).toEqual([bar('2024-06-04', 23_001), bar('2024-06-05', 23_002), bar('2024-06-06', 23_003)]);
      expect(await store.getDailyBars('INDIAVIX', '2024-06-06', 3)).toEqual([]);
    });

    it('refuses to write a record it could not read back (the error names the field)', async () => {
      const bad = withRecord(intent(), { filledQty: Number.NaN });
      await expect(store.createOrder(P, D, bad)).rejects.toThrow(/record\.filledQty/);
      expect((await store.loadDay(P, D)).orders).toEqual([]);
    });

    it('refuses a field the stored format does not know (it would be lost on the way back)', async () => {
      const extra = { ...intent(), record: { ...intent().record, colour: 'red' } } as StoredOrder;
      await expect(store.createOrder(P, D, extra)).rejects.toThrow(/field 'record\.colour' is not part of the stored format/);
    });

    it('case 6 (store level): a corrupt item is a StoreCorruptError naming the key and the field', async () => {
      const key = keys.order(P, D, 'tfl-RELIANCE-1718000000000-entry');
      const good = intent();
      await h.putRawItem({ ...key, ver: 0, exitReason: null, plannedStopPaise: 290_000, signalBarMs: T0, record: { ...good.record, filledQty: 'ten' } });
      const err = await store.loadDay(P, D).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect(err).toMatchObject({ key: { pk: key.pk, sk: key.sk }, field: 'record.filledQty' });
      expect(String(err)).toContain(`${key.pk} / ${key.sk}, field 'record.filledQty'`);

      const jkey = keys.journal(P, D, 1);
      await h.putRawItem({ ...jkey, seq: 1, type: 'HALT', timeMs: T0, entry: '{"seq":1,"type":"HALT"' });
      await expect(store.readJournal(P, D)).rejects.toMatchObject({ name: 'StoreCorruptError', field: 'entry' });

      await h.putRawItem({ ...keys.bias(D), date: D, bias: 'MAYBE', reasons: [], inputs: null, ruleVersion: 'v', computedAtMs: 1 });
      await expect(store.getBias(D)).rejects.toMatchObject({ name: 'StoreCorruptError', field: 'bias' });
    });

    it('reads a bias item written by the pre-market Lambda (extra fields, inputs null)', async () => {
      await h.putRawItem({ ...keys.bias(D), date: D, bias: 'NO_TRADES', reasons: ['VIX missing'], inputs: null, ruleVersion: 'bias-v1', computedAtMs: T0, alert: 'VIX missing', publishedAtMs: T0 + 5 });
      expect(await store.getBias(D)).toEqual({ date: D, bias: 'NO_TRADES', reasons: ['VIX missing'], inputs: {}, ruleVersion: 'bias-v1', computedAtMs: T0 });
    });
  });
}
