import type { Clock } from '../../engine/clock';
import type { Instrument } from '../../domain/instrument';
import { instrumentKey } from '../../domain/instrument';
import type {
  BrokerEvent,
  BrokerOrderView,
  BrokerPosition,
  Fill,
  OrderChange,
  OrderRequest,
  OrderState,
  SubmitOutcome,
} from '../../domain/order';
import type { BrokerPort } from '../port';
import { paperBrokerConfigSchema } from './config';
import type { PaperBrokerConfig, PaperBrokerConfigInput } from './config';
import { validateTerms } from './validate';

export interface PaperBrokerOptions {
  /** The tradable universe. A symbol's index (for `onTick`) is its position in this array. */
  readonly instruments: readonly Instrument[];
  readonly config?: PaperBrokerConfigInput;
  /** Timestamps for order views. Default: market time (the newest tick time seen). */
  readonly clock?: Clock;
  /** Port id and broker-order-id prefix. Default 'paper'. */
  readonly id?: string;
}

/** A working or finished order inside the paper broker (mutable; never leaves this module). */
interface PaperOrder {
  readonly brokerOrderId: string;
  readonly req: OrderRequest;
  readonly index: number;
  readonly inst: Instrument;
  qty: number;
  pricePaise: number;
  triggerPaise: number;
  state: OrderState;
  /** Stops: the trigger has been hit (the order then works as a market or limit order). */
  triggered: boolean;
  /** A limit that has not yet been evaluated since placement, modification or triggering. */
  fresh: boolean;
  /** First global tick number, and market time, at which the order may execute. */
  eligibleFromTick: number;
  eligibleAtMs: number;
  filledQty: number;
  notionalPaise: number;
  fills: number;
  updatedMs: number;
}

interface PaperPosition {
  readonly symbol: string;
  readonly exchange: Instrument['exchange'];
  readonly product: OrderRequest['product'];
  netQty: number;
  /** Cost of the open quantity at its average price (may be fractional after a partial close). */
  openCostPaise: number;
}

type Listener = (event: BrokerEvent) => void;

/**
 * The paper broker: the BrokerPort over a simulated exchange that fills against the ticks the
 * engine feeds it through `onTick` (before strategies see them). Deterministic: ids are
 * counters, time comes from ticks or an injected clock, no randomness.
 *
 * Fill rules:
 * - MARKET fills on the first tick after acceptance (never the tick during which it was placed)
 *   at the ask (BUY) / bid (SELL) when quoted, else last ± slippage.
 * - LIMIT fills when the last price trades through (or touches, per config) the limit, at the
 *   limit; if the price is already better on the first tick the order is eligible, at that price.
 * - SL-M triggers on last ≥ trigger (BUY) / ≤ trigger (SELL) and fills at the triggering tick's
 *   last ± slippage (a gap fills at the gapped price); any remainder then works as MARKET.
 * - SL triggers the same way, then rests as a LIMIT at its price (it may fill on that same tick).
 * - Events are emitted synchronously: an 'order' event on every state or terms change, a 'fill'
 *   event (before its 'order' event) per execution. Listeners must not throw.
 */
export class PaperBroker implements BrokerPort {
  readonly id: string;
  readonly config: PaperBrokerConfig;

  private readonly instruments: readonly Instrument[];
  private readonly indexBySymbol = new Map<string, number>();
  private readonly indexByKey = new Map<string, number>();
  private readonly working: PaperOrder[][];
  private readonly dirty: boolean[];
  private readonly orders: PaperOrder[] = [];
  private readonly byId = new Map<string, PaperOrder>();
  private readonly byClientId = new Map<string, PaperOrder>();
  private readonly trades: Fill[] = [];
  private readonly positionByKey = new Map<string, PaperPosition>();
  private listeners: readonly Listener[] = [];
  private readonly clock: Clock | undefined;
  private orderSeq = 0;
  private tickNo = 0;
  private marketTimeMs = 0;
  private inTick = false;

  constructor(options: PaperBrokerOptions) {
    this.id = options.id ?? 'paper';
    this.config = paperBrokerConfigSchema.parse(options.config ?? {});
    this.clock = options.clock;
    this.instruments = options.instruments;
    this.working = options.instruments.map(() => []);
    this.dirty = options.instruments.map(() => false);
    options.instruments.forEach((inst, i) => {
      if (this.indexBySymbol.has(inst.symbol)) throw new Error(`paper broker: duplicate instrument symbol '${inst.symbol}'`);
      if (!Number.isInteger(inst.lotSize) || inst.lotSize <= 0 || !Number.isInteger(inst.tickPaise) || inst.tickPaise <= 0) {
        throw new Error(`paper broker: ${instrumentKey(inst)} needs a positive integer lot size and tick`);
      }
      this.indexBySymbol.set(inst.symbol, i);
      this.indexByKey.set(instrumentKey(inst), i);
    });
  }

  /** The dense index `onTick` accepts for a symbol, or -1. */
  symbolIndex(symbol: string): number {
    return this.indexBySymbol.get(symbol) ?? -1;
  }

  /**
   * One accepted tick (prices in paise; 0 = no quote / size unknown). O(1) without allocation
   * when the symbol has no working orders. Unknown symbols are ignored.
   */
  onTick(symbol: string | number, timeMs: number, pricePaise: number, bidPaise = 0, askPaise = 0, bidQty = 0, askQty = 0): void {
    const index = typeof symbol === 'number' ? symbol : (this.indexBySymbol.get(symbol) ?? -1);
    const list = this.working[index];
    if (list === undefined) return;
    this.tickNo++;
    if (timeMs > this.marketTimeMs) this.marketTimeMs = timeMs;
    if (list.length === 0) return;
    this.inTick = true;
    try {
      // Orders appended by listeners during this loop are skipped by their eligibleFromTick.
      for (let i = 0; i < list.length; i++) {
        const o = list[i];
        if (o === undefined || !isWorkingState(o.state)) continue;
        if (o.eligibleFromTick > this.tickNo || timeMs < o.eligibleAtMs) continue;
        this.evaluate(o, timeMs, pricePaise, bidPaise, askPaise, bidQty, askQty);
      }
    } finally {
      this.inTick = false;
      if (this.dirty[index] === true) {
        this.dirty[index] = false;
        compact(list);
      }
    }
  }

  // ----- synchronous order entry (the port methods wrap these) -----

  placeNow(req: OrderRequest): SubmitOutcome {
    const index = this.indexByKey.get(instrumentKey(req)) ?? -1;
    const inst = this.instruments[index];
    if (inst === undefined) return { kind: 'rejected', reason: `Symbol ${req.exchange}:${req.symbol} not found in the instrument master` };
    const existing = this.byClientId.get(req.clientOrderId);
    if (existing !== undefined) {
      return { kind: 'rejected', reason: `Duplicate client order id ${req.clientOrderId}`, brokerOrderId: existing.brokerOrderId };
    }
    const bad = validateTerms(inst, req);
    if (bad !== null) return { kind: 'rejected', reason: bad };

    const isStop = req.priceType === 'SL' || req.priceType === 'SL-M';
    const now = this.nowMs();
    const o: PaperOrder = {
      brokerOrderId: `${this.id}-${++this.orderSeq}`,
      req,
      index,
      inst,
      qty: req.qty,
      pricePaise: req.priceType === 'MARKET' || req.priceType === 'SL-M' ? 0 : req.pricePaise,
      triggerPaise: isStop ? req.triggerPaise : 0,
      state: isStop ? 'TRIGGER_PENDING' : 'OPEN',
      triggered: false,
      fresh: true,
      eligibleFromTick: this.tickNo + 1,
      eligibleAtMs: this.eligibleAt(),
      filledQty: 0,
      notionalPaise: 0,
      fills: 0,
      updatedMs: now,
    };
    this.orders.push(o);
    this.byId.set(o.brokerOrderId, o);
    this.byClientId.set(req.clientOrderId, o);
    this.working[index]?.push(o);
    this.emit({ kind: 'order', order: view(o) });
    return { kind: 'accepted', brokerOrderId: o.brokerOrderId };
  }

  modifyNow(brokerOrderId: string, change: OrderChange): SubmitOutcome {
    const o = this.byId.get(brokerOrderId);
    if (o === undefined) return { kind: 'rejected', reason: `Order ${brokerOrderId} not found` };
    if (!isWorkingState(o.state)) {
      return { kind: 'rejected', reason: `Order ${brokerOrderId} is ${describe(o.state)} and cannot be modified`, brokerOrderId };
    }
    const qty = change.qty ?? o.qty;
    const pricePaise = change.pricePaise ?? o.pricePaise;
    const triggerPaise = change.triggerPaise ?? o.triggerPaise;
    const bad = validateTerms(o.inst, { side: o.req.side, product: o.req.product, priceType: o.req.priceType, qty, pricePaise, triggerPaise });
    if (bad !== null) return { kind: 'rejected', reason: bad, brokerOrderId };
    if (qty <= o.filledQty) {
      return { kind: 'rejected', reason: `Quantity ${qty} must exceed the filled quantity ${o.filledQty}`, brokerOrderId };
    }
    o.qty = qty;
    o.pricePaise = o.req.priceType === 'MARKET' || o.req.priceType === 'SL-M' ? 0 : pricePaise;
    o.triggerPaise = triggerPaise;
    // A modification takes effect from the next tick, and a limit is evaluated afresh.
    o.fresh = true;
    o.eligibleFromTick = this.tickNo + 1;
    o.eligibleAtMs = this.eligibleAt();
    o.updatedMs = this.nowMs();
    this.emit({ kind: 'order', order: view(o) });
    return { kind: 'accepted', brokerOrderId };
  }

  cancelNow(brokerOrderId: string): SubmitOutcome {
    const o = this.byId.get(brokerOrderId);
    if (o === undefined) return { kind: 'rejected', reason: `Order ${brokerOrderId} not found` };
    if (!isWorkingState(o.state)) {
      return { kind: 'rejected', reason: `Order ${brokerOrderId} is ${describe(o.state)} and cannot be cancelled`, brokerOrderId };
    }
    o.state = 'CANCELLED';
    o.updatedMs = this.nowMs();
    this.retire(o);
    this.emit({ kind: 'order', order: view(o) });
    return { kind: 'accepted', brokerOrderId };
  }

  // ----- BrokerPort -----

  placeOrder(req: OrderRequest): Promise<SubmitOutcome> {
    return Promise.resolve(this.placeNow(req));
  }

  modifyOrder(brokerOrderId: string, change: OrderChange): Promise<SubmitOutcome> {
    return Promise.resolve(this.modifyNow(brokerOrderId, change));
  }

  cancelOrder(brokerOrderId: string): Promise<SubmitOutcome> {
    return Promise.resolve(this.cancelNow(brokerOrderId));
  }

  /** The paper broker keeps client order ids, so the lookup is exact (never 'ambiguous'). */
  findOrder(req: OrderRequest, _sentAtMs: number): Promise<BrokerOrderView | 'none' | 'ambiguous'> {
    const o = this.byClientId.get(req.clientOrderId);
    return Promise.resolve(o === undefined ? 'none' : view(o));
  }

  orderBook(): Promise<BrokerOrderView[]> {
    return Promise.resolve(this.orders.map(view));
  }

  tradeBook(): Promise<Fill[]> {
    return Promise.resolve(this.trades.slice());
  }

  positions(): Promise<BrokerPosition[]> {
    const out: BrokerPosition[] = [];
    for (const p of this.positionByKey.values()) {
      out.push({
        symbol: p.symbol,
        exchange: p.exchange,
        product: p.product,
        netQty: p.netQty,
        avgPricePaise: p.netQty === 0 ? 0 : Math.round(p.openCostPaise / Math.abs(p.netQty)),
      });
    }
    return Promise.resolve(out);
  }

  onEvent(listener: Listener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  // ----- matching -----

  private evaluate(o: PaperOrder, timeMs: number, last: number, bid: number, ask: number, bidQty: number, askQty: number): void {
    const buy = o.req.side === 'BUY';
    switch (o.req.priceType) {
      case 'MARKET':
        this.fill(o, timeMs, this.marketPrice(o, last, bid, ask), buy ? askQty : bidQty);
        return;
      case 'LIMIT':
        this.tryLimit(o, timeMs, last, buy ? askQty : bidQty);
        return;
      case 'SL-M':
        if (o.triggered) {
          this.fill(o, timeMs, this.marketPrice(o, last, bid, ask), buy ? askQty : bidQty);
        } else if (buy ? last >= o.triggerPaise : last <= o.triggerPaise) {
          this.trigger(o, timeMs);
          // The triggering tick's price, gaps included, plus slippage: the quote is not used.
          this.fill(o, timeMs, this.slipped(o, last), buy ? askQty : bidQty);
        }
        return;
      case 'SL':
        if (!o.triggered) {
          if (buy ? last < o.triggerPaise : last > o.triggerPaise) return;
          this.trigger(o, timeMs);
        }
        this.tryLimit(o, timeMs, last, buy ? askQty : bidQty);
        return;
    }
  }

  private trigger(o: PaperOrder, timeMs: number): void {
    o.triggered = true;
    o.fresh = true;
    o.state = 'OPEN';
    o.updatedMs = this.stamp(timeMs);
    this.emit({ kind: 'order', order: view(o) });
  }

  private tryLimit(o: PaperOrder, timeMs: number, last: number, size: number): void {
    const limit = o.pricePaise;
    const fresh = o.fresh;
    o.fresh = false;
    const through = this.config.limitFillRule === 'through';
    const crosses = o.req.side === 'BUY' ? (through ? last < limit : last <= limit) : through ? last > limit : last >= limit;
    if (!crosses) return;
    // Already better when first eligible: the order would have executed at the market price.
    this.fill(o, timeMs, fresh ? last : limit, size);
  }

  private marketPrice(o: PaperOrder, last: number, bid: number, ask: number): number {
    if (o.req.side === 'BUY' && ask > 0) return ask;
    if (o.req.side === 'SELL' && bid > 0) return bid;
    return this.slipped(o, last);
  }

  private slipped(o: PaperOrder, last: number): number {
    const slip = this.config.slippageTicks * o.inst.tickPaise;
    return o.req.side === 'BUY' ? last + slip : Math.max(o.inst.tickPaise, last - slip);
  }

  private fill(o: PaperOrder, timeMs: number, pricePaise: number, displayedQty: number): void {
    let qty = o.qty - o.filledQty;
    if (this.config.partialFills && displayedQty > 0) {
      const lot = o.inst.lotSize;
      qty = Math.min(qty, Math.max(lot, Math.floor(displayedQty / lot) * lot));
    }
    if (qty <= 0) return;
    o.filledQty += qty;
    o.notionalPaise += qty * pricePaise;
    o.fills++;
    o.state = o.filledQty >= o.qty ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updatedMs = this.stamp(timeMs);
    const fill: Fill = {
      executionId: `${o.brokerOrderId}-${o.fills}`,
      brokerOrderId: o.brokerOrderId,
      clientOrderId: o.req.clientOrderId,
      symbol: o.req.symbol,
      exchange: o.req.exchange,
      side: o.req.side,
      qty,
      pricePaise,
      timeMs,
    };
    this.trades.push(fill);
    this.book(o, qty, pricePaise);
    if (o.state === 'FILLED') this.retire(o);
    this.emit({ kind: 'fill', fill });
    this.emit({ kind: 'order', order: view(o) });
  }

  private book(o: PaperOrder, qty: number, pricePaise: number): void {
    const key = `${instrumentKey(o.req)}:${o.req.product}`;
    let p = this.positionByKey.get(key);
    if (p === undefined) {
      p = { symbol: o.req.symbol, exchange: o.req.exchange, product: o.req.product, netQty: 0, openCostPaise: 0 };
      this.positionByKey.set(key, p);
    }
    const signed = o.req.side === 'BUY' ? qty : -qty;
    if (p.netQty === 0 || Math.sign(p.netQty) === Math.sign(signed)) {
      p.openCostPaise += qty * pricePaise;
      p.netQty += signed;
      return;
    }
    const open = Math.abs(p.netQty);
    const closing = Math.min(qty, open);
    p.openCostPaise -= (p.openCostPaise / open) * closing;
    p.netQty += signed;
    if (p.netQty === 0) p.openCostPaise = 0;
    else if (qty > closing) p.openCostPaise = (qty - closing) * pricePaise; // flipped through flat
  }

  /** Leave the working list: now, or after the tick loop when called from inside it. */
  private retire(o: PaperOrder): void {
    if (this.inTick) {
      this.dirty[o.index] = true;
      return;
    }
    const list = this.working[o.index];
    if (list === undefined) return;
    const at = list.indexOf(o);
    if (at >= 0) list.splice(at, 1);
  }

  private emit(event: BrokerEvent): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]?.(event);
  }

  private nowMs(): number {
    return this.clock === undefined ? this.marketTimeMs : this.clock.nowMs();
  }

  private stamp(tickTimeMs: number): number {
    return this.clock === undefined ? tickTimeMs : this.clock.nowMs();
  }

  private eligibleAt(): number {
    return this.config.latencyMs === 0 ? Number.NEGATIVE_INFINITY : this.marketTimeMs + this.config.latencyMs;
  }
}

function isWorkingState(s: OrderState): boolean {
  return s === 'OPEN' || s === 'TRIGGER_PENDING' || s === 'PARTIALLY_FILLED';
}

function describe(s: OrderState): string {
  switch (s) {
    case 'FILLED':
      return 'already complete';
    case 'CANCELLED':
      return 'already cancelled';
    case 'REJECTED':
      return 'rejected';
    case 'PENDING_SUBMIT':
    case 'OPEN':
    case 'TRIGGER_PENDING':
    case 'PARTIALLY_FILLED':
    case 'UNKNOWN':
      return s.toLowerCase();
  }
}

/** Remove finished orders in place, keeping placement order (no allocation). */
function compact(list: PaperOrder[]): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const o = list[r];
    if (o !== undefined && isWorkingState(o.state)) list[w++] = o;
  }
  list.length = w;
}

function view(o: PaperOrder): BrokerOrderView {
  return {
    brokerOrderId: o.brokerOrderId,
    clientOrderId: o.req.clientOrderId,
    symbol: o.req.symbol,
    exchange: o.req.exchange,
    side: o.req.side,
    product: o.req.product,
    priceType: o.req.priceType,
    qty: o.qty,
    filledQty: o.filledQty,
    avgFillPaise: o.filledQty === 0 ? null : Math.round(o.notionalPaise / o.filledQty),
    pricePaise: o.pricePaise,
    triggerPaise: o.triggerPaise,
    state: o.state,
    timeMs: o.updatedMs,
  };
}
