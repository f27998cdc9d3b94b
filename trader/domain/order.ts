import type { Exchange, InstrumentRef } from './instrument';
import type { Paise } from './money';

export type Side = 'BUY' | 'SELL';
export type Product = 'MIS' | 'NRML' | 'CNC';
/** OpenAlgo price types: SL is stop-limit, SL-M is stop-market. */
export type PriceType = 'MARKET' | 'LIMIT' | 'SL' | 'SL-M';

/**
 * Our order lifecycle. PENDING_SUBMIT: intent saved, not yet acknowledged; UNKNOWN: the broker's
 * answer was lost (timeout, 5xx, reset) and must be reconciled, never blindly resent.
 */
export type OrderState =
  | 'PENDING_SUBMIT'
  | 'OPEN'
  | 'TRIGGER_PENDING'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'CANCELLED'
  | 'REJECTED'
  | 'UNKNOWN';

export const TERMINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

/** Why an order exists; part of its deterministic client order id. */
export type OrderPurpose = 'ENTRY' | 'STOP' | 'EXIT';

/** What we ask a broker to do. Quantities in units (lot multiples); prices in paise, 0 when unused. */
export interface OrderRequest extends InstrumentRef {
  readonly clientOrderId: string;
  readonly strategy: string;
  readonly side: Side;
  readonly qty: number;
  readonly product: Product;
  readonly priceType: PriceType;
  readonly pricePaise: Paise;
  readonly triggerPaise: Paise;
}

export interface OrderChange {
  readonly qty?: number;
  readonly pricePaise?: Paise;
  readonly triggerPaise?: Paise;
}

/** The three possible answers to a request (brokers.md §4.1). */
export type SubmitOutcome =
  | { readonly kind: 'accepted'; readonly brokerOrderId: string }
  | { readonly kind: 'rejected'; readonly reason: string; readonly brokerOrderId?: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/** A broker's view of one of its orders. `filledQty`/`avgFillPaise` null when the broker does not say. */
export interface BrokerOrderView extends InstrumentRef {
  readonly brokerOrderId: string;
  readonly clientOrderId?: string;
  readonly side: Side;
  readonly product: Product;
  readonly priceType: PriceType;
  readonly qty: number;
  readonly filledQty: number | null;
  readonly avgFillPaise: Paise | null;
  readonly pricePaise: Paise;
  readonly triggerPaise: Paise;
  readonly state: OrderState;
  readonly rejectReason?: string;
  readonly timeMs?: number;
}

/** One execution. `executionId` is the broker's trade id: the key that makes a fill apply once. */
export interface Fill {
  readonly executionId: string;
  readonly brokerOrderId: string;
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly exchange: Exchange;
  readonly side: Side;
  readonly qty: number;
  readonly pricePaise: Paise;
  readonly timeMs: number;
}

export interface BrokerPosition extends InstrumentRef {
  readonly product: Product;
  /** Signed: long > 0, short < 0. */
  readonly netQty: number;
  readonly avgPricePaise: Paise;
}

/** Pushed by a broker adapter: an order changed state, or an execution happened. */
export type BrokerEvent =
  | { readonly kind: 'order'; readonly order: BrokerOrderView }
  | { readonly kind: 'fill'; readonly fill: Fill };

export function oppositeSide(side: Side): Side {
  return side === 'BUY' ? 'SELL' : 'BUY';
}
