/**
 * reliability.md §4 cases 22 and 23 at the trader level (the store-level retries, budget and
 * deadline are in store-faults.test.ts): the state store fails — throttled/5xx past its budget,
 * or hanging until its deadline — while a position is open and protected. The trader must open
 * no new risk (no broker call without a saved intent: no new entry is sent), and must keep
 * protecting what is open: a live stop at the exchange for every open position at every tick,
 * and flat at the square-off.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerOrderView } from '../trader/domain/order';
import { StoreUnavailableError, type StateStore } from '../trader/persistence/state-store';
import type { LiveRuntime } from '../trader/engine/live-runtime';
import { dayTicks, tradeDay } from './support/crash-harness';

const WRITES = new Set(['createOrder', 'updateOrder', 'putFill', 'putTrade', 'putPosition', 'putSnapshot', 'putSummary', 'appendJournal', 'putBias', 'putDailyBar']);

/** A store whose writes fail once armed: at once (past the retry budget) or after a delay (a hang cut by the deadline). */
function failingStore(store: StateStore, armed: () => boolean, delayMs: number): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (armed() && WRITES.has(String(prop))) {
          return new Promise((_, reject) => setTimeout(() => reject(new StoreUnavailableError(`${String(prop)}: store unavailable (test)`)), delayMs));
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function outageDay(delayMs: number) {
  let armed = false;
  let armedAt = -1;
  let runtime: LiveRuntime | null = null;
  let entriesAtArm = new Set<string>();
  const unprotected: string[] = [];
  const ticks = dayTicks(21);
  const result = await tradeDay(ticks, [], {
    tolerateSettleErrors: true,
    onLife: (live) => {
      runtime = live;
    },
    wrapStore: (s) => failingStore(s, () => armed, delayMs),
    beforeTick: async (i, exchange) => {
      const positions = (await exchange.positions()).filter((p) => p.netQty !== 0);
      const book = await exchange.orderBook();
      const protectedBy = (symbol: string, qty: number): BrokerOrderView | undefined =>
        book.find((o) => o.symbol === symbol && o.priceType === 'SL-M' && (o.state === 'TRIGGER_PENDING' || o.state === 'OPEN') && o.qty === qty);
      if (!armed && positions.length > 0 && positions.every((p) => protectedBy(p.symbol, Math.abs(p.netQty)) !== undefined)) {
        armed = true;
        armedAt = i;
        const rt = (runtime)?.rt;
        entriesAtArm = new Set((rt?.orders.orders() ?? []).filter((r) => r.purpose === 'ENTRY').map((r) => r.request.clientOrderId));
      }
      // Every open position carries a live stop at the exchange, outage or not (after the tick
      // that filled an entry, its stop goes out before the next tick).
      if (armed) for (const p of positions) if (protectedBy(p.symbol, Math.abs(p.netQty)) === undefined) unprotected.push(`${p.symbol}@${i}`);
      return 'go' as const;
    },
  });
  // Entries sent after the store failed: none may exist (no broker call without a saved intent).
  const entriesAfter = result.placementLog.filter((p) => p.clientOrderId.endsWith('-E') && !entriesAtArm.has(p.clientOrderId));
  const storeDown = (runtime as LiveRuntime | null)?.persistence.failure ?? null;
  return { result, armedAt, unprotected, entriesAfter, storeDown };
}

describe('reliability.md §4 fault cases: the state store fails mid-day', () => {
  it('case 22: store throttled/500 past its budget: no new entry is sent, open positions keep a live stop, flat at the square-off', async () => {
    const { result, armedAt, unprotected, entriesAfter, storeDown } = await outageDay(0);
    expect(armedAt).toBeGreaterThan(0);
    expect(storeDown).toBeInstanceOf(StoreUnavailableError);
    expect(entriesAfter).toEqual([]);
    expect(unprotected).toEqual([]);
    expect((await result.exchange.positions()).filter((p) => p.netQty !== 0)).toEqual([]);
    for (const [cid, n] of result.placements) expect(n, cid).toBe(1);
  }, 60_000);

  it('case 23: store hanging until its deadline: the same, and the trader is never stuck', async () => {
    const { result, armedAt, unprotected, entriesAfter, storeDown } = await outageDay(300);
    expect(armedAt).toBeGreaterThan(0);
    expect(storeDown).toBeInstanceOf(StoreUnavailableError);
    expect(entriesAfter).toEqual([]);
    expect(unprotected).toEqual([]);
    expect((await result.exchange.positions()).filter((p) => p.netQty !== 0)).toEqual([]);
  }, 120_000);
});
