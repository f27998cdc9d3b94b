import type { BrokerEvent, BrokerOrderView, BrokerPosition, Fill, OrderChange, OrderRequest, SubmitOutcome } from '../domain/order';

/**
 * One port for every broker: the paper broker, the OpenAlgo adapter, later Fyers. Never
 * blind-retry a placement: an `unknown` outcome is resolved with `findOrder`, not by resending.
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
}
