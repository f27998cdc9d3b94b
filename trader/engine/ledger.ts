import type { TradeRecord } from '../domain/events';
import { toRupees } from '../domain/money';
import { formatIst } from '../domain/time';
import type { DayState } from '../persistence/state-store';

/**
 * The day's books in a stable order (the `ledger` command, the crash suite's comparison): what
 * was ordered and how it ended, every execution, every round trip. Only facts the broker and the
 * fills determine are included, not how the trader got there (timestamps of its own state
 * changes, version counters, the path through recovery), so a day with restarts and a day
 * without them produce the same ledger when they traded the same.
 */
export interface Ledger {
  readonly orders: readonly LedgerOrder[];
  readonly fills: readonly LedgerFill[];
  readonly trades: readonly LedgerTrade[];
}

export interface LedgerOrder {
  readonly clientOrderId: string;
  readonly brokerOrderId: string | null;
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  readonly priceType: string;
  readonly price: number;
  readonly triggerPrice: number;
  readonly state: string;
  readonly filledQty: number;
  readonly averagePrice: number | null;
}

export interface LedgerFill {
  readonly executionId: string;
  readonly brokerOrderId: string;
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  readonly price: number;
  readonly time: string;
  readonly charges: number;
}

export interface LedgerTrade {
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  readonly entryTime: string;
  readonly entryPrice: number;
  readonly exitTime: string;
  readonly exitPrice: number;
  readonly exitReason: string;
  readonly pnl: number;
  readonly r: number;
}

export function ledgerOf(day: Pick<DayState, 'orders' | 'fills' | 'trades'>): Ledger {
  const orders = day.orders
    .map(({ record: r }): LedgerOrder => ({
      clientOrderId: r.request.clientOrderId,
      brokerOrderId: r.brokerOrderId,
      symbol: r.request.symbol,
      side: r.request.side,
      qty: r.request.qty,
      priceType: r.request.priceType,
      price: toRupees(r.request.pricePaise),
      triggerPrice: toRupees(r.request.triggerPaise),
      state: r.state,
      filledQty: r.filledQty,
      averagePrice: r.avgFillPaise === null ? null : Math.round(r.avgFillPaise) / 100,
    }))
    .sort((a, b) => a.clientOrderId.localeCompare(b.clientOrderId));
  const fills = day.fills
    .map(({ fill: f, costsPaise }): LedgerFill => ({
      executionId: f.executionId,
      brokerOrderId: f.brokerOrderId,
      symbol: f.symbol,
      side: f.side,
      qty: f.qty,
      price: toRupees(f.pricePaise),
      time: formatIst(f.timeMs),
      charges: toRupees(costsPaise),
    }))
    .sort((a, b) => a.time.localeCompare(b.time) || a.executionId.localeCompare(b.executionId));
  const trades = day.trades.map(tradeOf).sort((a, b) => a.entryTime.localeCompare(b.entryTime) || a.tradeId.localeCompare(b.tradeId));
  return { orders, fills, trades };
}

function tradeOf(t: TradeRecord): LedgerTrade {
  return {
    tradeId: t.tradeId,
    symbol: t.symbol,
    side: t.direction,
    qty: t.qty,
    entryTime: formatIst(t.entryTimeMs),
    entryPrice: toRupees(t.entryPricePaise),
    exitTime: formatIst(t.exitTimeMs),
    exitPrice: toRupees(t.exitPricePaise),
    exitReason: t.exitReason,
    pnl: toRupees(t.netPaise),
    r: Math.round(t.r * 1e6) / 1e6,
  };
}
