import { z } from 'zod';
import type { InstrumentRef } from '../domain/instrument';
import { istDayNumber } from '../domain/time';

/**
 * OpenAlgo WebSocket proxy wire format (../shared/reference/brokers.md §2), as the server code
 * actually speaks it: `symbols` on subscribe, ticks as `market_data`, errors without `type`.
 *
 * Two decoders for server messages: zod schemas (the specification, used for the rare control
 * messages) and a hand-written fast path for `market_data` that must keep up with 500 k
 * messages/s. openalgo-ws.test.ts proves with fast-check that the fast path accepts and rejects
 * exactly what the zod schema does, and extracts the same values.
 *
 * Simulator-only extensions (never sent by OpenAlgo; see simulator/README.md):
 *   {"type":"sim_clock","timestamp":ms}  simulated time crossed a whole minute
 *   {"type":"sim_end","timestamp":ms}    the simulated session is over; no more ticks
 *   "seq": n on market_data / sim_clock  the exchange simulator's lockstep mode: the client
 *                                        answers {"action":"sim_ack","seq":n} once it has
 *                                        processed message n (trader/exchange-sim/README.md)
 */

// ---------------------------------------------------------------- client → server

export type QuoteMode = 1 | 2 | 3;

export const SymbolRefSchema = z.object({ symbol: z.string().min(1), exchange: z.string().min(1) });

export const AuthenticateMessageSchema = z.object({
  action: z.literal('authenticate'),
  api_key: z.string().min(1),
});
export const SubscribeMessageSchema = z.object({
  action: z.literal('subscribe'),
  symbols: z.array(SymbolRefSchema).min(1),
  mode: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  request_id: z.string().optional(),
});
export const UnsubscribeMessageSchema = z.object({
  action: z.literal('unsubscribe'),
  symbols: z.array(SymbolRefSchema.extend({ mode: z.union([z.literal(1), z.literal(2), z.literal(3)]) })).min(1),
});
export const PingMessageSchema = z.object({ action: z.literal('ping'), timestamp: z.number() });
export const ClientMessageSchema = z.discriminatedUnion('action', [
  AuthenticateMessageSchema,
  SubscribeMessageSchema,
  UnsubscribeMessageSchema,
  PingMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export function authenticateMessage(apiKey: string): string {
  return JSON.stringify({ action: 'authenticate', api_key: apiKey } satisfies ClientMessage);
}
export function subscribeMessage(symbols: readonly InstrumentRef[], mode: QuoteMode, requestId?: string): string {
  const msg: ClientMessage = {
    action: 'subscribe',
    symbols: symbols.map((s) => ({ symbol: s.symbol, exchange: s.exchange })),
    mode,
    ...(requestId !== undefined ? { request_id: requestId } : {}),
  };
  return JSON.stringify(msg);
}
export function pingMessage(timestampMs: number): string {
  return JSON.stringify({ action: 'ping', timestamp: timestampMs } satisfies ClientMessage);
}
/** Lockstep acknowledgement (exchange simulator extension): message `seq` has been processed. */
export const SimAckMessageSchema = z.object({ action: z.literal('sim_ack'), seq: z.number().int().positive() });
export function simAckMessage(seq: number): string {
  return JSON.stringify({ action: 'sim_ack', seq } satisfies z.infer<typeof SimAckMessageSchema>);
}

// ---------------------------------------------------------------- server → client

const nonNegative = z.number().nonnegative().nullish();

/** `data` of a market_data message. Every field but ltp and timestamp is optional (brokers differ). */
export const MarketDataFieldsSchema = z.looseObject({
  ltp: z.number(),
  timestamp: z.number().positive(),
  volume: nonNegative,
  bid_price: nonNegative,
  ask_price: nonNegative,
  last_trade_quantity: nonNegative,
});
/** Lockstep sequence number (exchange simulator only): a positive safe integer when present. */
const seqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional();
/** Lockstep: order_update events the simulator had emitted when it sent this message. */
const oseqSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional();
export const MarketDataMessageSchema = z.looseObject({
  type: z.literal('market_data'),
  seq: seqSchema,
  oseq: oseqSchema,
  symbol: z.string().min(1),
  exchange: z.string().min(1),
  data: MarketDataFieldsSchema,
});
export const AuthAckSchema = z.looseObject({
  type: z.literal('auth'),
  status: z.string(),
  message: z.string().optional(),
  broker: z.string().optional(),
});
export const SubscriptionResultSchema = z.looseObject({
  symbol: z.string(),
  exchange: z.string(),
  status: z.string(),
  message: z.string().optional(),
});
export const SubscribeAckSchema = z.looseObject({
  type: z.literal('subscribe'),
  status: z.enum(['success', 'partial', 'error']),
  subscriptions: z.array(SubscriptionResultSchema).optional(),
  message: z.string().optional(),
  request_id: z.string().optional(),
});
export const UnsubscribeAckSchema = z.looseObject({ type: z.literal('unsubscribe'), status: z.string() });
export const PongSchema = z.looseObject({
  type: z.literal('pong'),
  server_timestamp: z.number().optional(),
  client_timestamp: z.number().optional(),
});
export const SimClockSchema = z.looseObject({ type: z.literal('sim_clock'), seq: seqSchema, oseq: oseqSchema, timestamp: z.number().positive() });
export const SimEndSchema = z.looseObject({ type: z.literal('sim_end'), timestamp: z.number().positive() });
/** Errors carry no `type` (brokers.md §2). */
export const ErrorMessageSchema = z.looseObject({
  status: z.literal('error'),
  code: z.string(),
  message: z.string().optional(),
});

export type AuthAck = z.infer<typeof AuthAckSchema>;
export type SubscribeAck = z.infer<typeof SubscribeAckSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;

/** Control messages after validation, tagged for an exhaustive switch. */
export type ControlMessage =
  | { readonly kind: 'auth'; readonly msg: AuthAck }
  | { readonly kind: 'subscribe'; readonly msg: SubscribeAck }
  | { readonly kind: 'unsubscribe' }
  | { readonly kind: 'pong' }
  | { readonly kind: 'error'; readonly msg: ErrorMessage }
  | { readonly kind: 'other'; readonly type: string };

/** Epoch seconds (below 1e12) or milliseconds → integer epoch milliseconds (brokers.md §0.2). */
export function normaliseTimestampMs(ts: number): number {
  return ts < 1e12 ? Math.round(ts * 1000) : Math.round(ts);
}

// ---------------------------------------------------------------- fast market_data path

/** Reusable output of the fast path (one instance per decoder; overwritten by every message). */
export class WireTick {
  symbol = '';
  exchange = '';
  /** As sent (seconds or ms); see `timeMs` for the normalised value. */
  timestamp = 0;
  timeMs = 0;
  price = 0;
  cumulativeVolume: number | undefined = undefined;
  lastTradeQty: number | undefined = undefined;
  /** 0 on the wire means "no quote on that side", decoded as undefined. */
  bid: number | undefined = undefined;
  ask: number | undefined = undefined;
  /** Per-tick traded quantity derived from the cumulative volume (see CumulativeVolume). */
  volume: number | undefined = undefined;
  /** Lockstep sequence number; 0 when the message carries none. */
  seq = 0;
  /** Lockstep: order updates emitted before this message (0 when absent). */
  oseq = 0;
}

function optNonNeg(v: unknown): number | undefined | false {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validate a parsed `market_data` message by hand and fill `out`; returns null when valid or the
 * name of the first offending field. Must accept exactly what MarketDataMessageSchema accepts.
 */
export function checkMarketData(o: Record<string, unknown>, out: WireTick): string | null {
  if (o.type !== 'market_data') return 'type';
  const seq = o.seq;
  if (seq !== undefined && !(typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0)) return 'seq';
  const oseq = o.oseq;
  if (oseq !== undefined && !(typeof oseq === 'number' && Number.isSafeInteger(oseq) && oseq >= 0)) return 'oseq';
  const symbol = o.symbol;
  if (typeof symbol !== 'string' || symbol.length === 0) return 'symbol';
  const exchange = o.exchange;
  if (typeof exchange !== 'string' || exchange.length === 0) return 'exchange';
  const d = o.data;
  if (!isPlainObject(d)) return 'data';
  const ltp = d.ltp;
  if (typeof ltp !== 'number' || !Number.isFinite(ltp)) return 'data.ltp';
  const ts = d.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || !(ts > 0)) return 'data.timestamp';
  const volume = optNonNeg(d.volume);
  if (volume === false) return 'data.volume';
  const bid = optNonNeg(d.bid_price);
  if (bid === false) return 'data.bid_price';
  const ask = optNonNeg(d.ask_price);
  if (ask === false) return 'data.ask_price';
  const ltq = optNonNeg(d.last_trade_quantity);
  if (ltq === false) return 'data.last_trade_quantity';
  out.symbol = symbol;
  out.exchange = exchange;
  out.timestamp = ts;
  out.timeMs = normaliseTimestampMs(ts);
  out.price = ltp;
  out.cumulativeVolume = volume;
  out.lastTradeQty = ltq;
  out.bid = bid === 0 ? undefined : bid;
  out.ask = ask === 0 ? undefined : ask;
  out.volume = undefined;
  out.seq = seq ?? 0;
  out.oseq = oseq ?? 0;
  return null;
}

// ---------------------------------------------------------------- cumulative → per-tick volume

const MAX_VOLUME_SLOTS = 4096;

/**
 * OpenAlgo's `data.volume` is the day's cumulative volume; Tick.volume is the quantity traded
 * since the previous tick. Per (exchange, symbol):
 *  - first tick seen on an IST day: `last_trade_quantity` when sent, else 0. (Using the
 *    cumulative value would dump the whole day so far into one tick when we connect mid-day.)
 *  - later ticks: cumulative − previous cumulative;
 *  - an exact repeat of the previous message (same time, price, cumulative) yields the previous
 *    tick's volume again, so the gate sees a true duplicate and drops it;
 *  - a tick older than the last one changes nothing and yields 0 (the gate drops it as
 *    out of order);
 *  - cumulative going backwards on the same day (a feed reset) rebases and yields 0;
 *  - no cumulative volume: `last_trade_quantity`, or undefined (indices carry neither);
 *  - a non-positive price yields 0 and changes nothing (the gate drops the tick).
 * State survives reconnects, so a resumed stream continues its deltas.
 */
export class CumulativeVolume {
  private readonly slots = new Map<string, Map<string, number>>();
  private count = 0;
  private cum = new Float64Array(64);
  private ts = new Float64Array(64);
  private px = new Float64Array(64);
  private delta = new Float64Array(64);
  private day = new Float64Array(64);

  volumeOf(symbol: string, exchange: string, timeMs: number, price: number, cum: number | undefined, ltq: number | undefined): number | undefined {
    if (cum === undefined) return ltq;
    // A non-positive price is garbage the gate will drop; it must not disturb the running total.
    if (!(price > 0)) return 0;
    const i = this.slot(symbol, exchange);
    if (i < 0) return ltq ?? 0;
    const today = istDayNumber(timeMs);
    const lastTs = this.ts[i] ?? 0;
    if (this.day[i] !== today) {
      if (timeMs < lastTs) return 0;
      return this.set(i, today, timeMs, price, cum, ltq ?? 0);
    }
    if (timeMs < lastTs) return 0;
    const lastCum = this.cum[i] ?? 0;
    if (timeMs === lastTs && cum === lastCum && price === this.px[i]) return this.delta[i] ?? 0;
    if (cum < lastCum) return this.set(i, today, timeMs, price, cum, 0);
    return this.set(i, today, timeMs, price, cum, cum - lastCum);
  }

  private set(i: number, day: number, timeMs: number, price: number, cum: number, delta: number): number {
    this.day[i] = day;
    this.ts[i] = timeMs;
    this.px[i] = price;
    this.cum[i] = cum;
    this.delta[i] = delta;
    return delta;
  }

  private slot(symbol: string, exchange: string): number {
    let bySymbol = this.slots.get(exchange);
    if (bySymbol === undefined) {
      if (this.count >= MAX_VOLUME_SLOTS) return -1;
      bySymbol = new Map();
      this.slots.set(exchange, bySymbol);
    }
    const i = bySymbol.get(symbol);
    if (i !== undefined) return i;
    if (this.count >= MAX_VOLUME_SLOTS) return -1;
    const n = this.count++;
    if (n >= this.cum.length) this.grow();
    this.day[n] = NaN;
    bySymbol.set(symbol, n);
    return n;
  }

  private grow(): void {
    const g = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.cum = g(this.cum);
    this.ts = g(this.ts);
    this.px = g(this.px);
    this.delta = g(this.delta);
    this.day = g(this.day);
  }
}

// ---------------------------------------------------------------- decoder

export type WireKind = 'market_data' | 'sim_clock' | 'sim_end' | 'control' | 'malformed';

/**
 * Decodes one text frame. `market_data` goes through the fast path into `tick` (with per-tick
 * volume); everything else through zod into `control`. Malformed input never throws: the kind
 * is 'malformed' and `error` names the field (or 'json').
 */
export class OpenAlgoDecoder {
  readonly tick = new WireTick();
  readonly volumes = new CumulativeVolume();
  control: ControlMessage = { kind: 'other', type: '' };
  /** For sim_clock / sim_end. */
  clockMs = 0;
  /** Lockstep sequence number of the last market_data or sim_clock; 0 when it carried none. */
  seq = 0;
  /** Lockstep: the `oseq` of the last market_data or sim_clock (0 when absent). */
  oseq = 0;
  error = '';

  decode(text: string): WireKind {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.error = 'json';
      return 'malformed';
    }
    if (!isPlainObject(v)) {
      this.error = 'not an object';
      return 'malformed';
    }
    const type = v.type;
    if (type === 'market_data') {
      const t = this.tick;
      const bad = checkMarketData(v, t);
      if (bad !== null) {
        this.error = bad;
        return 'malformed';
      }
      t.volume = this.volumes.volumeOf(t.symbol, t.exchange, t.timeMs, t.price, t.cumulativeVolume, t.lastTradeQty);
      this.seq = t.seq;
      this.oseq = t.oseq;
      return 'market_data';
    }
    return this.decodeRare(v, type);
  }

  private decodeRare(v: Record<string, unknown>, type: unknown): WireKind {
    const fail = (e: z.ZodError): WireKind => {
      this.error = e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return 'malformed';
    };
    if (type === undefined) {
      const r = ErrorMessageSchema.safeParse(v);
      if (!r.success) return fail(r.error);
      this.control = { kind: 'error', msg: r.data };
      return 'control';
    }
    if (typeof type !== 'string') {
      this.control = { kind: 'other', type: JSON.stringify(type) };
      return 'control';
    }
    switch (type) {
      case 'sim_clock': {
        const r = SimClockSchema.safeParse(v);
        if (!r.success) return fail(r.error);
        this.clockMs = normaliseTimestampMs(r.data.timestamp);
        this.seq = r.data.seq ?? 0;
        this.oseq = r.data.oseq ?? 0;
        return 'sim_clock';
      }
      case 'sim_end': {
        const r = SimEndSchema.safeParse(v);
        if (!r.success) return fail(r.error);
        this.clockMs = normaliseTimestampMs(r.data.timestamp);
        this.seq = 0;
        this.oseq = 0;
        return 'sim_end';
      }
      case 'auth': {
        const r = AuthAckSchema.safeParse(v);
        if (!r.success) return fail(r.error);
        this.control = { kind: 'auth', msg: r.data };
        return 'control';
      }
      case 'subscribe': {
        const r = SubscribeAckSchema.safeParse(v);
        if (!r.success) return fail(r.error);
        this.control = { kind: 'subscribe', msg: r.data };
        return 'control';
      }
      case 'unsubscribe':
        this.control = { kind: 'unsubscribe' };
        return 'control';
      case 'pong':
        this.control = { kind: 'pong' };
        return 'control';
      default:
        this.control = { kind: 'other', type };
        return 'control';
    }
  }
}

// ---------------------------------------------------------------- order updates (brokers.md §2)

export function subscribeOrdersMessage(requestId?: string): string {
  return JSON.stringify({ action: 'subscribe_orders', ...(requestId !== undefined ? { request_id: requestId } : {}) });
}

/** A number, or a numeric string (brokers differ); 'NaN', '' and the like are rejected. */
export const WireNumberSchema = z
  .union([z.number(), z.string().trim().regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, 'not a number').transform(Number)])
  .pipe(z.number());

export const SubscribeOrdersAckSchema = z.looseObject({
  type: z.literal('subscribe_orders'),
  /** Exchange-simulator lockstep extension: order updates emitted before this subscription. */
  oseq: z.number().int().nonnegative().optional(),
  status: z.string(),
  message: z.string().optional(),
  request_id: z.string().optional(),
});

/** `order_update`: account-wide, pushed on every order change. Quantities in units, prices in rupees. */
export const OrderUpdateMessageSchema = z.looseObject({
  /** Exchange-simulator lockstep extension: this update's running number. */
  oseq: z.number().int().nonnegative().optional(),
  type: z.literal('order_update'),
  orderid: z.string().min(1),
  symbol: z.string().min(1),
  exchange: z.string().min(1),
  action: z.string().min(1),
  quantity: WireNumberSchema,
  price: WireNumberSchema.nullish(),
  trigger_price: WireNumberSchema.nullish(),
  pricetype: z.string().min(1),
  product: z.string().min(1),
  order_status: z.string().min(1),
  filled_quantity: WireNumberSchema.nullish(),
  pending_quantity: WireNumberSchema.nullish(),
  average_price: WireNumberSchema.nullish(),
  rejection_reason: z.string().nullish(),
  timestamp: z.string().nullish(),
});
export type OrderUpdateMessage = z.infer<typeof OrderUpdateMessageSchema>;
