import type { Bar } from '../domain/bar';
import type { Exchange } from '../domain/instrument';
import type { BrokerEvent, BrokerOrderView, BrokerPosition, Fill, OrderChange, OrderRequest, SubmitOutcome } from '../domain/order';

/**
 * One port for every broker: the paper broker, the OpenAlgo adapter, later Fyers. Never
 * blind-retry a placement: an `unknown` outcome is resolved with `findOrder`, not by resending.
 *
 * The optional members are capabilities a live adapter has and the paper broker does not need.
 */
export interface BrokerPort {
  readonly id: string;
  placeOrder(req: OrderRequest): Promise<SubmitOutcome>;
  modifyOrder(brokerOrderId: string, change: OrderChange): Promise<SubmitOutcome>;
  cancelOrder(brokerOrderId: string): Promise<SubmitOutcome>;
  /** After an `unknown` outcome: the order this request created, if any. */
  findOrder(req: OrderRequest, sentAtMs: number): Promise<BrokerOrderView | 'none' | 'ambiguous'>;
  orderBook(): Promise<BrokerOrderView[]>;
  tradeBook(): Promise<Fill[]>;
  positions(): Promise<BrokerPosition[]>;
  /** Order updates and fills as they happen. Returns an unsubscribe function. */
  onEvent(listener: (event: BrokerEvent) => void): () => void;

  /** Bars for warm-up and backfill (prices in rupees, `startMs` epoch ms); dates 'YYYY-MM-DD' inclusive. */
  history?(symbol: string, exchange: Exchange, interval: string, fromDate: string, toDate: string): Promise<Bar[]>;
  /** The broker's clock (epoch ms), for the clock-skew check before trading (reliability case 25). */
  serverTimeMs?(): Promise<number>;
  /** Poll the broker's books now and emit whatever the push stream missed; resolves when done. */
  reconcileNow?(): Promise<void>;
  /** Connection, session and data-quality signals the trader alerts on. Returns an unsubscribe function. */
  onStatus?(listener: (status: BrokerStatus) => void): () => void;
}

/**
 * Health signals from a broker adapter. `auth` means the broker refused our credentials (HTTP
 * 401/403, WebSocket AUTHENTICATION_ERROR, an empty funds answer): alert and stop opening risk.
 */
export type BrokerStatus =
  | { readonly kind: 'auth'; readonly source: string; readonly message: string }
  | { readonly kind: 'unavailable'; readonly source: string; readonly message: string }
  | { readonly kind: 'rate_limited'; readonly source: string; readonly backoffMs: number }
  | { readonly kind: 'malformed'; readonly source: string; readonly message: string }
  | { readonly kind: 'stream'; readonly state: 'connected' | 'disconnected'; readonly message: string }
  /** The periodic reconcile found something the push stream had not delivered (reliability case 21). */
  | { readonly kind: 'discrepancy'; readonly message: string };
