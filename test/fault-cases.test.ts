/**
 * Fault cases of reliability.md §4 at the trader level, in process (see test/support/crash-harness.ts:
 * a paper exchange that outlives the trader, a memory store shared by the trader's lives, lockstep
 * ticks). Cases 5, 6, 21, 25, 26 (processes, dynalite, a fake OpenAlgo): test/fault-cases-trader.test.ts. Lower-level
 * proofs are named per case; the aggregate crash day is test/crash-inprocess.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { PaperBroker } from '../trader/brokers/paper/paper-broker';
import { TERMINAL_ORDER_STATES, type BrokerOrderView } from '../trader/domain/order';
import { ItemStateStore } from '../trader/persistence/dynamo/item-state-store';
import type { ItemTable } from '../trader/persistence/dynamo/item-table';
import { MemoryStateStore, type MemoryItemTable } from '../trader/persistence/memory-state-store';
import { DATE, PROFILE, dayTicks, tradeDay, type DayResult, type Ticks } from './support/crash-harness';

const ticks: Ticks = dayTicks(21);
let reference: DayResult | null = null;
async function ref(): Promise<DayResult> {
  reference ??= await tradeDay(ticks, []);
  return reference;
}

async function stored(r: DayResult) {
  return new MemoryStateStore(r.table).loadDay(PROFILE, DATE);
}

function expectInvariants(r: DayResult): void {
  for (const [cid, n] of r.placements) expect(n, `orders sent for ${cid}`).toBe(1);
  expect(new Set(r.ledger.fills.map((f) => f.executionId)).size).toBe(r.ledger.fills.length);
  expect(r.ledger.fills.length).toBe(r.exchangeFills);
}

/** Commits the first write of each kind, then answers like the SDK's retry of it would: its condition failed. */
function ackLosingTable(inner: MemoryItemTable, lost: { order: number; update: number; fill: number }): ItemTable {
  return {
    description: inner.description,
    put: async (item, condition) => {
      const kind = item.sk.startsWith('ORDER#') ? (condition.kind === 'absent' ? 'order' : condition.kind === 'version' ? 'update' : null) : item.sk.startsWith('FILL#') ? 'fill' : null;
      const first = await inner.put(item, condition);
      if (kind === null || !first || lost[kind] > 0) return first;
      lost[kind]++;
      return inner.put(item, condition); // the retry sees its own committed write
    },
    delete: (key, condition) => inner.delete(key, condition),
    get: (key) => inner.get(key),
    query: (pk, range, options) => inner.query(pk, range, options),
    close: () => inner.close(),
  };
}

describe('reliability.md §4 fault cases', () => {
  it('case 1: crash after the intent is saved, before the POST: restart looks it up, sends it once with the same client order id while still valid', async () => {
    const r = await tradeDay(ticks, [{ kind: 'call', target: 'store', method: 'createOrder', nth: 1 }]);
    expect(r.fired).toHaveLength(1);
    const first = r.placementLog[0];
    expect(first).toMatchObject({ life: 1, recovering: true });
    expect(r.placements.get(first?.clientOrderId ?? '')).toBe(1);
    expect(r.recoveries[1]).toMatchObject({ reconcile: { resubmitted: 1, abandoned: 0, adopted: 0 } });
    expectInvariants(r);
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  it('case 1: crash after the intent is saved, restart after the validity window: the entry is ABANDONED (recorded REJECTED, never sent) and the strategy told', async () => {
    const abandoned: number[] = [];
    const r = await tradeDay(ticks, [{ kind: 'call', target: 'store', method: 'createOrder', nth: 1 }], {
      downTicks: 400,
      onLife: (live, life) => {
        if (life !== 1) return;
        const engine = live.rt.engine;
        const orig = engine.onEntryAbandoned.bind(engine);
        vi.spyOn(engine, 'onEntryAbandoned').mockImplementation((s, reason) => {
          abandoned.push(s);
          orig(s, reason);
        });
      },
    });
    expect(r.recoveries[1]).toMatchObject({ reconcile: { abandoned: 1, resubmitted: 0 } });
    const day = await stored(r);
    const intent = [...day.orders].sort((a, b) => a.record.createdMs - b.record.createdMs)[0];
    expect(intent?.record).toMatchObject({ purpose: 'ENTRY', state: 'REJECTED', rejectReason: 'not found at broker', brokerOrderId: null });
    const cid = intent?.record.request.clientOrderId ?? '';
    expect(r.placements.has(cid)).toBe(false);
    expect((await r.exchange.orderBook()).some((o) => o.clientOrderId === cid)).toBe(false);
    expect(abandoned).toHaveLength(1);
    expectInvariants(r);
  });

  it('case 2: crash after the broker accepted, before the ack is saved: restart adopts the broker order; one order in all, linked', async () => {
    const r = await tradeDay(ticks, [{ kind: 'call', target: 'broker', method: 'placeOrder', nth: 1 }]);
    expect(r.fired).toHaveLength(1);
    const cid = r.placementLog[0]?.clientOrderId ?? '';
    expect(r.placements.get(cid)).toBe(1);
    expect(r.recoveries[1]).toMatchObject({ reconcile: { adopted: 1, resubmitted: 0 } });
    const mine = (await stored(r)).orders.find((o) => o.record.request.clientOrderId === cid);
    const atExchange = (await r.exchange.orderBook()).filter((o) => o.clientOrderId === cid);
    expect(atExchange).toHaveLength(1);
    expect(mine?.record.brokerOrderId).toBe(atExchange[0]?.brokerOrderId);
    expectInvariants(r);
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  it('case 3: crash after a fill arrives, before it is saved: restart applies it from the trade book; stored once; P&L and positions as uninterrupted', async () => {
    const r = await tradeDay(ticks, [{ kind: 'call', target: 'store', method: 'putFill', nth: 1 }]);
    expect(r.fired).toHaveLength(1);
    expect(r.recoveries[1]?.reconcile.fillsApplied).toBeGreaterThanOrEqual(1);
    expectInvariants(r);
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  it("case 3: crash after an entry's FILLED state is saved, before its fill is: restart books the fill, places the stop at once and tells the strategy", async () => {
    // Every kill after an order update (the first dozen): the window lies between an update that
    // records FILLED and the fill's own write. The restored slot then had no position, and the
    // stop was not placed until a later restart (found by the out-of-process crash suite).
    let hitWindow = 0;
    for (let nth = 1; nth <= 12; nth++) {
      const r = await tradeDay(ticks, [{ kind: 'call', target: 'store', method: 'updateOrder', nth }]);
      expect(r.fired, `kill after updateOrder #${nth}`).toHaveLength(1);
      const recovery = r.recoveries[1]?.reconcile;
      const stopAtRecovery = r.placementLog.some((p) => p.recovering && /-S\d+$/.test(p.clientOrderId));
      if (recovery !== undefined && recovery.fillsApplied > 0 && stopAtRecovery) hitWindow++;
      expectInvariants(r);
      expect(r.ledger, `kill after updateOrder #${nth}`).toEqual((await ref()).ledger);
    }
    expect(hitWindow).toBeGreaterThan(0);
  }, 60_000);

  /** Kills the trader before the first tick at which a position is open and its stop works at the exchange. */
  function killWithOpenPosition(): { beforeTick: (i: number, ex: PaperBroker) => Promise<'kill' | 'go'>; stopAtKill: () => BrokerOrderView | null; posAtKill: () => number } {
    let done = false;
    let stop: BrokerOrderView | null = null;
    let pos = 0;
    return {
      beforeTick: async (_i, ex) => {
        if (done) return 'go';
        const open = (await ex.positions()).find((p) => p.netQty !== 0);
        if (open === undefined) return 'go';
        const s = (await ex.orderBook()).find((o) => o.symbol === open.symbol && o.priceType === 'SL-M' && !TERMINAL_ORDER_STATES.has(o.state));
        if (s === undefined) return 'go';
        done = true;
        stop = s;
        pos = open.netQty;
        return 'kill';
      },
      stopAtKill: () => stop,
      posAtKill: () => pos,
    };
  }

  it('case 4: crash with an open position and its stop: no orders at recovery, the stop is verified (qty = position) and kept', async () => {
    const k = killWithOpenPosition();
    const r = await tradeDay(ticks, [], { beforeTick: k.beforeTick });
    expect(r.fired).toHaveLength(1);
    expect(k.stopAtKill()?.qty).toBe(Math.abs(k.posAtKill()));
    expect(r.placementLog.filter((p) => p.recovering)).toEqual([]);
    expect(r.recoveries[1]).toMatchObject({ reconcile: { stopsPlaced: 0, resubmitted: 0 } });
    expectInvariants(r);
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  it('case 4: the stop was cancelled at the broker while the trader was down: exactly one new stop, for the position, placed at recovery', async () => {
    const k = killWithOpenPosition();
    const r = await tradeDay(ticks, [], {
      beforeTick: k.beforeTick,
      whileDown: async (ex) => {
        const s = k.stopAtKill();
        if (s !== null) expect((await ex.cancelOrder(s.brokerOrderId)).kind).toBe('accepted');
      },
    });
    const placed = r.placementLog.filter((p) => p.recovering);
    expect(placed).toHaveLength(1);
    expect(placed[0]?.clientOrderId).toMatch(/-S2$/);
    expect(r.recoveries[1]).toMatchObject({ reconcile: { stopsPlaced: 1 } });
    const newStop = (await r.exchange.orderBook()).find((o) => o.clientOrderId === placed[0]?.clientOrderId);
    expect(newStop?.qty).toBe(Math.abs(k.posAtKill()));
    expectInvariants(r);
  });

  it('case 19: every fill replayed 3 times by the broker stream: each stored once, positions and books unchanged', async () => {
    const r = await tradeDay(ticks, [], { deliveries: (e) => (e.kind === 'fill' ? 3 : 1) });
    expectInvariants(r);
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  it('case 20: a fill that arrives before the placement answer is buffered and matched by broker id: booked once, the order FILLED and linked, its stop placed', async () => {
    // The exchange fills each MARKET order the moment it accepts it: the fill event reaches the trader
    // before placeOrder resolves, while the order is not linked to a broker id yet.
    let early = 0;
    let pending: string | null = null;
    const r = await tradeDay(ticks, [], {
      fillBeforeAnswer: true,
      onLife: (live) => {
        const orig = live.rt.broker.placeOrder.bind(live.rt.broker);
        vi.spyOn(live.rt.broker, 'placeOrder').mockImplementation(async (req) => {
          pending = req.priceType === 'MARKET' ? req.clientOrderId : null;
          const out = await orig(req);
          pending = null;
          return out;
        });
        live.rt.broker.onEvent((e) => {
          if (e.kind === 'fill' && pending !== null) early++;
        });
      },
    });
    expect(early).toBeGreaterThan(0);
    expectInvariants(r);
    const day = await stored(r);
    const book = await r.exchange.orderBook();
    const entries = day.orders.filter((o) => o.record.purpose === 'ENTRY');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const atExchange = book.filter((o) => o.clientOrderId === e.record.request.clientOrderId);
      expect(atExchange).toHaveLength(1);
      expect(e.record).toMatchObject({ state: 'FILLED', brokerOrderId: atExchange[0]?.brokerOrderId, filledQty: e.record.request.qty });
      // Booked once: the stored fills of the entry add up to its quantity.
      const booked = day.fills.filter((f) => f.fill.brokerOrderId === atExchange[0]?.brokerOrderId);
      expect(booked.reduce((a, f) => a + f.fill.qty, 0)).toBe(e.record.request.qty);
      // Its protective stop went out for the position.
      const stop = day.orders.find((o) => o.record.purpose === 'STOP' && o.record.request.symbol === e.record.request.symbol && o.record.createdMs >= e.record.createdMs);
      expect(stop?.record.request.qty).toBe(e.record.request.qty);
    }
  });
  it('case 24: writes committed whose acks were lost (the SDK retries, the retry fails its condition): the trader treats them as done; no duplicate order, no conflict, the day as uninterrupted', async () => {
    // The store's own fallback (ItemStateStore: a conditional write that fails is compared with the stored
    // item; equal → done) is what the trader relies on; this runs it under a whole trading day. The table
    // commits each of the first intents, first order updates and first fills, then answers the retry as
    // DynamoDB would (condition failed), as if the first answer had been lost.
    const lost = { order: 0, update: 0, fill: 0 };
    const r = await tradeDay(ticks, [], {
      wrapStore: (s) => {
        if (!(s instanceof MemoryStateStore)) throw new Error('expected the memory store');
        return new ItemStateStore(ackLosingTable(s.memoryTable, lost));
      },
    });
    expect(lost).toEqual({ order: 1, update: 1, fill: 1 });
    expect(r.settleErrors).toEqual([]);
    expectInvariants(r);
    const day = await stored(r);
    const ids = day.orders.map((o) => o.record.request.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await r.exchange.orderBook()).map((o) => o.clientOrderId).sort()).toEqual([...ids].sort());
    expect(r.ledger).toEqual((await ref()).ledger);
  });

  // Cases 22 and 23 at the trader level (the store fails past its budget, or hangs until its deadline, while a
  // protected position is open): test/store-outage.test.ts. Store level: test/store-faults.test.ts 'case 22', 'case 23'.
  // Cases 5, 6, 21, 25, 26 (trader processes on dynalite, the lockstep simulator, the fake OpenAlgo): test/fault-cases-trader.test.ts.
});
