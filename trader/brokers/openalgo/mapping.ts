import { EXCHANGES, type Exchange } from '../../domain/instrument';
import { toPaise } from '../../domain/money';
import type { BrokerOrderView, Fill, OrderState, PriceType, Product, Side } from '../../domain/order';
import { IST_OFFSET_MS, istMidnightMs } from '../../domain/time';
import type { OrderRow, TradeRow } from './wire';

/**
 * OpenAlgo wire values ↔ our domain (brokers.md §1.3, §2). Pure functions, no I/O.
 *
 * Status mapping (case-insensitive, trimmed):
 *   open             → OPEN            (PARTIALLY_FILLED when 0 < filled < qty)
 *   trigger pending  → TRIGGER_PENDING (PARTIALLY_FILLED when 0 < filled < qty)
 *   complete         → FILLED
 *   cancelled        → CANCELLED       (filled quantity kept: a partial fill then cancel)
 *   expired          → CANCELLED       (the exchange cancelled the rest at the close)
 *   rejected         → REJECTED
 *   anything else    → UNKNOWN         (the state machine reads it as "no lifecycle news")
 */
export function mapStatus(orderStatus: string, qty: number, filledQty: number): OrderState {
  const s = orderStatus.trim().toLowerCase();
  let base: OrderState;
  switch (s) {
    case 'open':
      base = 'OPEN';
      break;
    case 'trigger pending':
      base = 'TRIGGER_PENDING';
      break;
    case 'complete':
      return 'FILLED';
    case 'cancelled':
    case 'canceled':
    case 'expired':
      return 'CANCELLED';
    case 'rejected':
      return 'REJECTED';
    default:
      base = 'UNKNOWN';
  }
  return filledQty > 0 && filledQty < qty ? 'PARTIALLY_FILLED' : base;
}

export function toSide(action: string): Side | null {
  const a = action.trim().toUpperCase();
  return a === 'BUY' || a === 'SELL' ? a : null;
}

export function toProduct(product: string): Product | null {
  const p = product.trim().toUpperCase();
  return p === 'MIS' || p === 'NRML' || p === 'CNC' ? p : null;
}

export function toPriceType(pricetype: string): PriceType | null {
  const p = pricetype.trim().toUpperCase();
  return p === 'MARKET' || p === 'LIMIT' || p === 'SL' || p === 'SL-M' ? p : null;
}

const EXCHANGE_SET: ReadonlySet<string> = new Set(EXCHANGES);
export function toExchange(exchange: string): Exchange | null {
  const e = exchange.trim().toUpperCase();
  return EXCHANGE_SET.has(e) ? (e as Exchange) : null;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const DMY = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})[ T](\d{1,2}):(\d{2}):(\d{2})$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})$/;
const HMS = /^(\d{1,2}):(\d{2}):(\d{2})$/;

/**
 * OpenAlgo timestamps are IST wall-clock strings: 'DD-Mon-YYYY HH:MM:SS' (books), also seen as
 * 'YYYY-MM-DD HH:MM:SS', and time-only 'HH:MM:SS' in the tradebook sample (taken on the IST day
 * of `refMs`). Returns epoch ms, or null when the text is none of these or not a real time.
 */
export function parseOpenAlgoTime(text: string, refMs: number): number | null {
  const t = text.trim();
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  let m = DMY.exec(t);
  if (m) {
    const month = MONTHS[(m[2] ?? '').toLowerCase()];
    if (month === undefined) return null;
    [y, mo, d] = [Number(m[3]), month, Number(m[1])];
    [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  } else if ((m = YMD.exec(t))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
    [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  } else if ((m = HMS.exec(t))) {
    [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (h > 23 || mi > 59 || s > 59) return null;
    return istMidnightMs(refMs) + ((h * 60 + mi) * 60 + s) * 1000;
  } else {
    return null;
  }
  if (h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo || check.getUTCFullYear() !== y) return null;
  return utc - IST_OFFSET_MS;
}

/** Quantity and notional (Σ qty × price, paise) per broker order id, from trade book rows. */
export interface FilledSummary {
  readonly qty: number;
  readonly notionalPaise: number;
}

export function summariseTrades(rows: readonly TradeRow[]): Map<string, FilledSummary> {
  const out = new Map<string, FilledSummary>();
  for (const r of rows) {
    const prev = out.get(r.orderid) ?? { qty: 0, notionalPaise: 0 };
    out.set(r.orderid, { qty: prev.qty + r.quantity, notionalPaise: prev.notionalPaise + r.quantity * toPaise(r.average_price) });
  }
  return out;
}

/** A row we cannot represent (an exchange, product or type we never trade): skipped, with why. */
export type Mapped<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

interface OrderTerms {
  readonly orderid: string;
  readonly symbol: string;
  readonly exchange: string;
  readonly action: string;
  readonly product: string;
  readonly pricetype: string;
  readonly quantity: number;
  readonly price?: number | null | undefined;
  readonly trigger_price?: number | null | undefined;
  readonly order_status: string;
  readonly rejection_reason?: string | null | undefined;
  readonly timestamp?: string | null | undefined;
}

/**
 * One order as our view. `filledQty`: the trade book's sum for the order (or the push's
 * filled_quantity), the whole quantity once complete; `avgFillPaise`: exact, may be fractional.
 */
export function orderView(
  row: OrderTerms,
  filledQty: number,
  avgFillPaise: number | null,
  clientOrderId: string | undefined,
  refMs: number,
): Mapped<BrokerOrderView> {
  const exchange = toExchange(row.exchange);
  const side = toSide(row.action);
  const product = toProduct(row.product);
  const priceType = toPriceType(row.pricetype);
  if (exchange === null) return { ok: false, why: `exchange '${row.exchange}'` };
  if (side === null) return { ok: false, why: `action '${row.action}'` };
  if (product === null) return { ok: false, why: `product '${row.product}'` };
  if (priceType === null) return { ok: false, why: `pricetype '${row.pricetype}'` };
  const qty = row.quantity;
  const complete = row.order_status.trim().toLowerCase() === 'complete';
  const filled = complete ? Math.max(qty, filledQty) : filledQty;
  const state = mapStatus(row.order_status, qty, filled);
  const timeMs = row.timestamp ? parseOpenAlgoTime(row.timestamp, refMs) : null;
  const reason = row.rejection_reason?.trim();
  return {
    ok: true,
    value: {
      brokerOrderId: row.orderid,
      ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      symbol: row.symbol,
      exchange,
      side,
      product,
      priceType,
      qty,
      filledQty: filled,
      avgFillPaise: filled > 0 ? avgFillPaise : null,
      pricePaise: toPaise(row.price ?? 0),
      triggerPaise: toPaise(row.trigger_price ?? 0),
      state,
      ...((state === 'REJECTED' || state === 'CANCELLED') && reason ? { rejectReason: reason } : {}),
      ...(timeMs !== null ? { timeMs } : {}),
    },
  };
}

/** An order book row with its trade-book summary. */
export function orderViewFromRow(row: OrderRow, filled: FilledSummary | undefined, clientOrderId: string | undefined, refMs: number): Mapped<BrokerOrderView> {
  const qty = filled?.qty ?? 0;
  return orderView(row, qty, filled !== undefined && qty > 0 ? filled.notionalPaise / qty : null, clientOrderId, refMs);
}

/**
 * Execution ids. OpenAlgo's tradebook has one row per fill but no trade id, so:
 * - a row that carries `tradeid`/`trade_id` → `<orderid>:T<tradeid>`;
 * - otherwise the row's content → `<orderid>:<timestamp digits>:<qty>@<price paise>#<n>`, where n
 *   counts identical rows of the same order (1, 2, …).
 * Content plus an occurrence count does not depend on the order in which the book lists rows,
 * and is the same in every process (a restarted trader derives the same ids, so the store's
 * per-execution-id conditional write dedupes replays across restarts). It assumes a row never
 * changes once listed, which holds for per-fill rows.
 */
export function executionIds(rows: readonly TradeRow[]): string[] {
  const seen = new Map<string, number>();
  return rows.map((r) => {
    const own = r.tradeid ?? r.trade_id;
    // Ids become store keys, where "#" separates key parts: never emit one.
    if (own !== undefined && own !== null) return `${r.orderid}:T${String(own).replace(/#/g, "~")}`;
    const ts = (r.timestamp ?? '').replace(/[^0-9A-Za-z]/g, '') || '-';
    const base = `${r.orderid}:${ts}:${r.quantity}@${toPaise(r.average_price)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}~${n}`;
  });
}

/** Trade rows → fills with their execution ids (rows we cannot represent are skipped with why). */
export function fillsFromTrades(
  rows: readonly TradeRow[],
  clientIdOf: (brokerOrderId: string) => string | undefined,
  refMs: number,
): { fills: Fill[]; skipped: string[] } {
  const ids = executionIds(rows);
  const fills: Fill[] = [];
  const skipped: string[] = [];
  rows.forEach((r, i) => {
    const exchange = toExchange(r.exchange);
    const side = toSide(r.action);
    const executionId = ids[i] ?? '';
    if (exchange === null || side === null) {
      skipped.push(`${executionId}: ${exchange === null ? `exchange '${r.exchange}'` : `action '${r.action}'`}`);
      return;
    }
    const timeMs = r.timestamp ? parseOpenAlgoTime(r.timestamp, refMs) : null;
    const clientOrderId = clientIdOf(r.orderid);
    fills.push({
      executionId,
      brokerOrderId: r.orderid,
      ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      symbol: r.symbol,
      exchange,
      side,
      qty: r.quantity,
      pricePaise: toPaise(r.average_price),
      timeMs: timeMs ?? refMs,
    });
  });
  return { fills, skipped };
}

/** Bar timestamps are epoch seconds. */
export function epochSecondsToMs(s: number): number {
  return s * 1000;
}
