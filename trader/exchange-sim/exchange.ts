import { PaperBroker } from '../brokers/paper/paper-broker';
import type { PaperBrokerConfigInput } from '../brokers/paper/config';
import type { Instrument } from '../domain/instrument';
import type { BrokerEvent, BrokerOrderView, OrderState, PriceType, Product, Side } from '../domain/order';
import { MINUTE_MS } from '../domain/time';
import { MarketSimulator, type SimCursor } from '../market-data/simulator/generator';
import type { SimSymbolSpec } from '../market-data/simulator/symbols';
import { SymbolTable } from '../market-data/simulator/protocol';
import { MinuteBars } from './bars';
import type { WireStatus } from './wire';

/**
 * The exchange simulator's state machine, with no I/O: the day's tick stream from the
 * MarketSimulator, resting orders matched by the PaperBroker, the exchange's own order table,
 * trade book (one row per fill), positions and minute bars. Everything is a function of the
 * inputs (seed, date, symbols, and the commands applied at stream positions), which is what
 * makes the state durable by replay (server.ts) and every answer deterministic.
 *
 * The stream is a sequence of steps: a `clock` step per whole minute (sent as `sim_clock`
 * before the first tick at or after it, then the rest up to the close), a `tick` step per
 * generator tick (matched against resting orders first), and finally `end`. The position
 * (`ticks`, `nextMinuteMs`) identifies a point in that sequence.
 */

export interface ExchangeCoreOptions {
  readonly seed: number;
  /** 'YYYY-MM-DD', a regular NSE session. */
  readonly date: string;
  readonly symbols: readonly SimSymbolSpec[];
  /** Generator tick-rate multiplier (tests use < 1). Default 1. */
  readonly tickRateScale?: number;
  /** Starting cash for /funds (paise). Default ₹1 crore (OpenAlgo sandbox). */
  readonly capitalPaise?: number;
  /** Matching rules (PaperBroker config). Default: its conservative defaults. */
  readonly matching?: PaperBrokerConfigInput;
  /** Lot size per symbol (default 1, NSE cash equities). */
  readonly lotSizes?: Readonly<Record<string, number>>;
  /**
   * Test harnesses only: stamp orders and injected trades with this clock (epoch ms) instead of
   * simulated time, for suites that compare book timestamps with the wall clock. Replays are
   * then no longer exact.
   */
  readonly stampClock?: () => number;
}

export type StepKind = 'clock' | 'tick' | 'end';

export interface Position {
  readonly ticks: number;
  readonly nextMinuteMs: number;
}

/** An order as the exchange keeps it. */
export interface ExOrder {
  readonly orderid: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly exchange: Instrument['exchange'];
  readonly side: Side;
  readonly product: Product;
  readonly priceType: PriceType;
  qty: number;
  pricePaise: number;
  triggerPaise: number;
  state: OrderState;
  filledQty: number;
  notionalPaise: number;
  /** Price of the first fill (what OpenAlgo's /orderstatus reports as average_price). */
  firstFillPaise: number;
  readonly placedMs: number;
  updatedMs: number;
}

export interface TradeRow {
  readonly orderid: string;
  readonly symbol: string;
  readonly exchange: Instrument['exchange'];
  readonly side: Side;
  readonly product: Product;
  readonly qty: number;
  readonly pricePaise: number;
  readonly timeMs: number;
}

export interface PositionRow {
  readonly symbol: string;
  readonly exchange: Instrument['exchange'];
  readonly product: Product;
  readonly symbolIndex: number;
  netQty: number;
  /** Cost of the open quantity (may be fractional after a partial close). */
  openCostPaise: number;
  realisedPaise: number;
}

export type ExchangeEvent = { readonly kind: 'order'; readonly order: ExOrder } | { readonly kind: 'fill'; readonly trade: TradeRow };

/** Terms of a placement, already schema-checked (prices in rupees as sent). */
export interface PlaceCommand {
  readonly strategy: string;
  readonly symbol: string;
  readonly exchange: string;
  readonly side: Side;
  readonly qty: number;
  readonly product: Product;
  readonly priceType: PriceType;
  readonly price: number;
  readonly triggerPrice: number;
}

export interface ModifyCommand extends PlaceCommand {
  readonly orderid: string;
}

export type CommandResult =
  | { readonly ok: true; readonly orderid: string }
  | { readonly ok: false; readonly httpStatus: 400 | 404; readonly message: string };

export function wireStatus(s: OrderState): WireStatus {
  switch (s) {
    case 'OPEN':
    case 'PARTIALLY_FILLED':
    case 'PENDING_SUBMIT':
    case 'UNKNOWN':
      return 'open';
    case 'TRIGGER_PENDING':
      return 'trigger pending';
    case 'FILLED':
      return 'complete';
    case 'REJECTED':
      return 'rejected';
    case 'CANCELLED':
      return 'cancelled';
  }
}

/** Rupees as sent → paise, or null when the value is not a whole number of paise. */
function paiseOf(rupees: number): number | null {
  const p = Math.round(rupees * 100);
  return Math.abs(p - rupees * 100) < 1e-6 ? p : null;
}

const MIS_MARGIN_DIVISOR = 5; // OpenAlgo sandbox: MIS 5x leverage, CNC/NRML 1x

export class ExchangeCore {
  readonly sim: MarketSimulator;
  readonly table: SymbolTable;
  readonly instruments: readonly Instrument[];
  readonly cursor: SimCursor;
  readonly bars: MinuteBars;
  /** Order ids are the session date (YYMMDD) and a 9-digit counter, like OpenAlgo's numeric ids. */
  private readonly idPrefix: string;
  private readonly broker: PaperBroker;
  private readonly capitalPaise: number;
  private readonly orders: ExOrder[] = [];
  private readonly byId = new Map<string, ExOrder>();
  private readonly trades: TradeRow[] = [];
  private readonly positionsByKey = new Map<string, PositionRow>();
  private readonly ltpPaise: Float64Array;
  private listener: (e: ExchangeEvent) => void = () => undefined;
  private placing: { readonly id: string; readonly strategy: string } | undefined;
  private readonly stampClock: (() => number) | undefined;
  private orderSeq = 0;

  private have = false;
  private exhausted = false;
  private ended = false;
  private ticksDone = 0;
  private nextMinute: number;
  private lastTickMs = 0;
  private lastClockMs = 0;
  private last: StepKind | 'none' = 'none';
  private orderEvents = 0;

  constructor(o: ExchangeCoreOptions) {
    this.sim = new MarketSimulator({ seed: o.seed, date: o.date, symbols: o.symbols, tickRateScale: o.tickRateScale ?? 1 });
    this.table = new SymbolTable(this.sim.symbols);
    this.instruments = this.sim.symbols.map((s) => ({
      symbol: s.symbol,
      exchange: s.exchange,
      type: s.kind === 'INDEX' ? 'INDEX' : 'EQUITY',
      lotSize: o.lotSizes?.[s.symbol] ?? 1,
      tickPaise: s.tickPaise,
    }));
    this.cursor = this.sim.cursor();
    this.bars = new MinuteBars(this.sim.symbols.length, this.sim.session.openMs);
    this.idPrefix = o.date.slice(2).replace(/-/g, '');
    this.capitalPaise = o.capitalPaise ?? 1_000_000_000;
    this.ltpPaise = new Float64Array(this.sim.symbols.length);
    this.nextMinute = this.sim.session.openMs + MINUTE_MS;
    this.stampClock = o.stampClock;
    this.broker = new PaperBroker({
      instruments: this.instruments,
      config: o.matching ?? {},
      clock: { nowMs: () => this.stampMs() },
      id: 'x',
    });
    this.broker.onEvent((e) => this.onBrokerEvent(e));
  }

  /** Where events go (order changes and fills), synchronously, in order. */
  onEvent(listener: (e: ExchangeEvent) => void): void {
    this.listener = listener;
  }

  // ---------------------------------------------------------------- the stream

  get position(): Position {
    return { ticks: this.ticksDone, nextMinuteMs: this.nextMinute };
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The kind of the last step taken (what a pending lockstep message was). */
  get lastStep(): StepKind | 'none' {
    return this.last;
  }

  /** The time of the last `clock` step. */
  get clockMs(): number {
    return this.lastClockMs;
  }

  /** Order updates emitted so far (the `oseq` of the newest one). */
  get orderEventCount(): number {
    return this.orderEvents;
  }

  /** Exchange time: the newest tick or clock step, or the session open before the first. */
  nowMs(): number {
    const t = Math.max(this.lastTickMs, this.lastClockMs);
    return t > 0 ? t : this.sim.session.openMs;
  }

  /** The time orders and fills are stamped with: exchange time, unless a stamp clock was given. */
  stampMs(): number {
    return this.stampClock?.() ?? this.nowMs();
  }

  /** Take one step. After a `tick` step the cursor holds that tick until the next step. */
  step(): StepKind {
    if (this.ended) return 'end';
    if (!this.have && !this.exhausted) {
      this.have = this.cursor.next();
      if (!this.have) this.exhausted = true;
    }
    if (this.have) {
      const c = this.cursor;
      if (c.timeMs >= this.nextMinute) return this.clockStep();
      this.have = false;
      this.ticksDone++;
      this.lastTickMs = c.timeMs;
      const i = c.symbolIndex;
      this.ltpPaise[i] = c.pricePaise;
      this.bars.add(i, c.timeMs, c.pricePaise, c.quantity);
      this.last = 'tick';
      // Resting orders see the tick before anyone else does.
      this.broker.onTick(i, c.timeMs, c.pricePaise, c.bidPaise, c.askPaise);
      return 'tick';
    }
    if (this.nextMinute <= this.sim.session.closeMs) return this.clockStep();
    this.ended = true;
    this.last = 'end';
    return 'end';
  }

  private clockStep(): StepKind {
    this.lastClockMs = this.nextMinute;
    this.nextMinute += MINUTE_MS;
    this.last = 'clock';
    return 'clock';
  }

  /** Step (events delivered as usual) until the stream stands at `p`; throws if it cannot. */
  advanceTo(p: Position): void {
    while (this.ticksDone < p.ticks || this.nextMinute < p.nextMinuteMs) {
      if (this.step() === 'end') throw new Error(`exchange: the stream ended before position ${p.ticks}/${p.nextMinuteMs}`);
    }
    if (this.ticksDone !== p.ticks || this.nextMinute !== p.nextMinuteMs) {
      throw new Error(`exchange: position ${p.ticks}/${p.nextMinuteMs} is not on the stream (reached ${this.ticksDone}/${this.nextMinute})`);
    }
  }

  /**
   * A trade at `pricePaise` outside the generator's stream (quotes one tick either side), for
   * test harnesses that must put the market at a given price. Matched like any tick; the stream
   * position does not move. False when the symbol is unknown or the price is off the grid.
   */
  injectTrade(symbol: string, exchange: string, pricePaise: number): boolean {
    const i = this.table.index(symbol, exchange);
    const inst = i === undefined ? undefined : this.instruments[i];
    if (i === undefined || inst === undefined || !Number.isInteger(pricePaise) || pricePaise <= 0 || pricePaise % inst.tickPaise !== 0) return false;
    const t = this.stampMs();
    if (this.stampClock === undefined) this.lastTickMs = t;
    this.ltpPaise[i] = pricePaise;
    this.broker.onTick(i, t, pricePaise, Math.max(inst.tickPaise, pricePaise - inst.tickPaise), pricePaise + inst.tickPaise);
    return true;
  }

  // ---------------------------------------------------------------- commands

  place(cmd: PlaceCommand): CommandResult {
    const index = this.table.index(cmd.symbol, cmd.exchange);
    const inst = index === undefined ? undefined : this.instruments[index];
    if (inst === undefined) return { ok: false, httpStatus: 400, message: `Symbol ${cmd.symbol} not found for exchange ${cmd.exchange}` };
    const terms = this.terms(cmd);
    if (typeof terms === 'string') return { ok: false, httpStatus: 400, message: terms };
    const id = `${this.idPrefix}${String(this.orderSeq + 1).padStart(9, '0')}`;
    this.placing = { id, strategy: cmd.strategy };
    try {
      const out = this.broker.placeNow({
        clientOrderId: id,
        strategy: cmd.strategy,
        symbol: inst.symbol,
        exchange: inst.exchange,
        side: cmd.side,
        qty: cmd.qty,
        product: cmd.product,
        priceType: cmd.priceType,
        pricePaise: terms.pricePaise,
        triggerPaise: terms.triggerPaise,
      });
      if (out.kind !== 'accepted') return { ok: false, httpStatus: 400, message: out.kind === 'rejected' ? out.reason : out.reason };
      this.orderSeq++;
      return { ok: true, orderid: id };
    } finally {
      this.placing = undefined;
    }
  }

  modify(cmd: ModifyCommand): CommandResult {
    const o = this.byId.get(cmd.orderid);
    if (o === undefined) return { ok: false, httpStatus: 404, message: `Order ${cmd.orderid} not found` };
    if (cmd.symbol !== o.symbol || cmd.exchange !== o.exchange) {
      return { ok: false, httpStatus: 400, message: `Order ${cmd.orderid} is for ${o.exchange}:${o.symbol}, not ${cmd.exchange}:${cmd.symbol}` };
    }
    if (cmd.side !== o.side || cmd.product !== o.product || cmd.priceType !== o.priceType) {
      return { ok: false, httpStatus: 400, message: `Order ${cmd.orderid}: action, product and pricetype cannot be changed (${o.side} ${o.product} ${o.priceType})` };
    }
    const terms = this.terms(cmd);
    if (typeof terms === 'string') return { ok: false, httpStatus: 400, message: terms };
    const out = this.broker.modifyNow(this.paperId(o), { qty: cmd.qty, pricePaise: terms.pricePaise, triggerPaise: terms.triggerPaise });
    if (out.kind !== 'accepted') return { ok: false, httpStatus: 400, message: this.ownIds(out.reason) };
    return { ok: true, orderid: o.orderid };
  }

  cancel(orderid: string): CommandResult {
    const o = this.byId.get(orderid);
    if (o === undefined) return { ok: false, httpStatus: 404, message: `Order ${orderid} not found` };
    const out = this.broker.cancelNow(this.paperId(o));
    if (out.kind !== 'accepted') return { ok: false, httpStatus: 400, message: this.ownIds(out.reason) };
    return { ok: true, orderid };
  }

  private terms(cmd: PlaceCommand): { pricePaise: number; triggerPaise: number } | string {
    const pricePaise = paiseOf(cmd.price);
    const triggerPaise = paiseOf(cmd.triggerPrice);
    if (pricePaise === null) return `Price ${cmd.price} is not a whole number of paise`;
    if (triggerPaise === null) return `Trigger price ${cmd.triggerPrice} is not a whole number of paise`;
    return {
      pricePaise: cmd.priceType === 'LIMIT' || cmd.priceType === 'SL' ? pricePaise : 0,
      triggerPaise: cmd.priceType === 'SL' || cmd.priceType === 'SL-M' ? triggerPaise : 0,
    };
  }

  /** The paper broker's id of an order: its ids are `x-<n>` in placement order, like ours. */
  private paperId(o: ExOrder): string {
    return `x-${Number(o.orderid.slice(this.idPrefix.length))}`;
  }

  private ownIds(reason: string): string {
    return reason.replace(/\bx-(\d+)\b/g, (_m, n: string) => `${this.idPrefix}${n.padStart(9, '0')}`);
  }

  // ---------------------------------------------------------------- matching events

  private onBrokerEvent(e: BrokerEvent): void {
    if (e.kind === 'fill') {
      const f = e.fill;
      const o = f.clientOrderId === undefined ? undefined : this.byId.get(f.clientOrderId);
      if (o === undefined) throw new Error(`exchange: fill for unknown order ${f.brokerOrderId}`);
      const trade: TradeRow = { orderid: o.orderid, symbol: o.symbol, exchange: o.exchange, side: o.side, product: o.product, qty: f.qty, pricePaise: f.pricePaise, timeMs: f.timeMs };
      if (o.filledQty === 0) o.firstFillPaise = f.pricePaise;
      this.trades.push(trade);
      this.book(trade);
      this.listener({ kind: 'fill', trade });
      return;
    }
    const v: BrokerOrderView = e.order;
    let o = v.clientOrderId === undefined ? undefined : this.byId.get(v.clientOrderId);
    if (o === undefined) {
      const p = this.placing;
      if (p === undefined || p.id !== v.clientOrderId) throw new Error(`exchange: event for unknown order ${v.brokerOrderId}`);
      o = {
        orderid: p.id,
        strategy: p.strategy,
        symbol: v.symbol,
        exchange: v.exchange,
        side: v.side,
        product: v.product,
        priceType: v.priceType,
        qty: v.qty,
        pricePaise: v.pricePaise,
        triggerPaise: v.triggerPaise,
        state: v.state,
        filledQty: 0,
        notionalPaise: 0,
        firstFillPaise: 0,
        placedMs: this.stampMs(),
        updatedMs: this.stampMs(),
      };
      this.orders.push(o);
      this.byId.set(o.orderid, o);
    }
    o.qty = v.qty;
    o.pricePaise = v.pricePaise;
    o.triggerPaise = v.triggerPaise;
    o.state = v.state;
    o.filledQty = v.filledQty ?? 0;
    o.notionalPaise = v.avgFillPaise === null || v.filledQty === null ? 0 : this.notionalOf(o);
    o.updatedMs = v.timeMs ?? this.stampMs();
    this.orderEvents++;
    this.listener({ kind: 'order', order: o });
  }

  /** Exact notional from our own trade rows (the broker's average is rounded). */
  private notionalOf(o: ExOrder): number {
    let n = 0;
    for (const t of this.trades) if (t.orderid === o.orderid) n += t.qty * t.pricePaise;
    return n;
  }

  private book(t: TradeRow): void {
    const key = `${t.exchange}:${t.symbol}:${t.product}`;
    let p = this.positionsByKey.get(key);
    if (p === undefined) {
      p = { symbol: t.symbol, exchange: t.exchange, product: t.product, symbolIndex: this.table.index(t.symbol, t.exchange) ?? -1, netQty: 0, openCostPaise: 0, realisedPaise: 0 };
      this.positionsByKey.set(key, p);
    }
    const signed = t.side === 'BUY' ? t.qty : -t.qty;
    if (p.netQty === 0 || Math.sign(p.netQty) === Math.sign(signed)) {
      p.openCostPaise += t.qty * t.pricePaise;
      p.netQty += signed;
      return;
    }
    const open = Math.abs(p.netQty);
    const closing = Math.min(t.qty, open);
    const avg = p.openCostPaise / open;
    p.realisedPaise += (p.netQty > 0 ? t.pricePaise - avg : avg - t.pricePaise) * closing;
    p.openCostPaise -= avg * closing;
    p.netQty += signed;
    if (p.netQty === 0) p.openCostPaise = 0;
    else if (t.qty > closing) p.openCostPaise = (t.qty - closing) * t.pricePaise;
  }

  // ---------------------------------------------------------------- books

  orderList(): readonly ExOrder[] {
    return this.orders;
  }

  order(orderid: string): ExOrder | undefined {
    return this.byId.get(orderid);
  }

  tradeList(): readonly TradeRow[] {
    return this.trades;
  }

  positionList(): readonly PositionRow[] {
    return [...this.positionsByKey.values()];
  }

  /** Last traded price (paise) of a symbol index; 0 before its first tick. */
  ltp(symbolIndex: number): number {
    return this.ltpPaise[symbolIndex] ?? 0;
  }

  unrealisedPaise(p: PositionRow): number {
    if (p.netQty === 0) return 0;
    const ltp = this.ltp(p.symbolIndex);
    if (ltp === 0) return 0;
    return ltp * p.netQty - (p.netQty > 0 ? p.openCostPaise : -p.openCostPaise);
  }

  funds(): { availablePaise: number; realisedPaise: number; unrealisedPaise: number; utilisedPaise: number } {
    let realised = 0;
    let unrealised = 0;
    let utilised = 0;
    for (const p of this.positionsByKey.values()) {
      realised += p.realisedPaise;
      unrealised += this.unrealisedPaise(p);
      utilised += p.product === 'MIS' ? p.openCostPaise / MIS_MARGIN_DIVISOR : p.openCostPaise;
    }
    return { availablePaise: this.capitalPaise + realised - utilised, realisedPaise: realised, unrealisedPaise: unrealised, utilisedPaise: utilised };
  }
}
