import type { z } from 'zod';
import type { Bar } from '../../domain/bar';
import type { Exchange } from '../../domain/instrument';
import { toPaise, toRupees, type Paise } from '../../domain/money';
import type { BrokerEvent, BrokerOrderView, BrokerPosition, Fill, OrderChange, OrderRequest, SubmitOutcome } from '../../domain/order';
import { WallClock, type Clock } from '../../engine/clock';
import type { OrderUpdateMessage } from '../../market-data/openalgo-ws';
import type { LogFields, Logger } from '../../observability/log';
import type { BrokerPort, BrokerStatus } from '../port';
import { openAlgoConfigSchema, type OpenAlgoConfig, type OpenAlgoConfigInput } from './config';
import { epochSecondsToMs, fillsFromTrades, orderView, orderViewFromRow, summariseTrades, toExchange, toProduct, toSide } from './mapping';
import { OrderStream } from './order-stream';
import { RateLimiter } from './rate-limiter';
import { RestClient, type RestResult } from './rest';
import {
  FundsSchema,
  HistoryIntervalSchema,
  HistorySchema,
  OrderAckSchema,
  OrderBookSchema,
  PingSchema,
  PositionBookSchema,
  TradeBookSchema,
  type OrderRow,
  type TradeRow,
} from './wire';

/**
 * BrokerPort over OpenAlgo REST + its WebSocket order stream (brokers.md §1–§2, §4). Usable
 * against a real OpenAlgo or the local exchange simulator, which speaks the same wire format.
 *
 * Placement (brokers.md §4.1): sent once, never retried. accepted only on HTTP 200 with a
 * non-empty string `orderid`; rejected on 400/401/403/404/422, on 429 (OpenAlgo's limiter refuses
 * before doing anything), on a refused connection and when our own rate budget is exhausted (all
 * "not placed"); everything else (5xx, timeout, reset, malformed or drifted JSON, a success without
 * an order id such as semi-auto's "queued for approval") is `unknown`, resolved by `findOrder`.
 *
 * Events: the push stream is a hint, the books are the truth. A push that shows more filled
 * quantity makes us read the trade book and emit its new rows as fills (each with a stable
 * execution id, see mapping.ts); the backstop poll (order book + trade book every
 * `pollIntervalMs` while any of our orders is open or owes fills, and after every stream
 * (re)subscription) emits whatever the push missed. Fills are emitted once per execution id and
 * before the order view that reflects them; order views are emitted once per
 * (orderid, state, filled qty, qty, price, trigger): brokers.md's orderid+status+filled key plus
 * the terms, so a confirmed modification is seen too. All inbound work runs on one serial queue,
 * so events come out in a deterministic order.
 *
 * OpenAlgo has no client order id: `findOrder` matches the order book on the request's terms and
 * keeps the links (clientOrderId ↔ brokerOrderId). After a restart the trader restores them with
 * `restoreLinks` from its own order records (the broker order ids it journaled).
 */
export interface OpenAlgoBrokerOptions {
  readonly config: OpenAlgoConfigInput;
  /** Wall clock for `sentAtMs` comparisons and time-only timestamps. Default: the system clock. */
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Jitter source for reconnect backoff. */
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

export interface OrderLink {
  readonly clientOrderId: string;
  readonly brokerOrderId: string;
}

export interface FundsView {
  readonly availableCashPaise: Paise;
  readonly collateralPaise: Paise;
  readonly realisedPaise: Paise;
  readonly unrealisedPaise: Paise;
  readonly utilisedPaise: Paise;
}

export type PingResult = { readonly ok: true; readonly broker: string | null } | { readonly ok: false; readonly auth: boolean; readonly message: string };

export type OpenAlgoErrorKind = 'http' | 'auth' | 'timeout' | 'network' | 'malformed' | 'throttled' | 'session' | 'invalid';

/** A read (book, history, funds) that failed; `kind: 'auth'` for 401/403 and an expired session. */
export class OpenAlgoError extends Error {
  constructor(
    readonly kind: OpenAlgoErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OpenAlgoError';
  }
}

interface Tracked {
  readonly brokerOrderId: string;
  readonly viewKeys: Set<string>;
  readonly fillIds: Set<string>;
  emittedFillQty: number;
  /** The largest filled quantity the broker has told us about (push or poll). */
  reportedFilledQty: number;
  terminal: boolean;
}

interface PendingPlacement {
  readonly req: OrderRequest;
  readonly sentAtMs: number;
}

interface Books {
  readonly orders: readonly OrderRow[];
  readonly trades: readonly TradeRow[];
}

const NOOP_LOG: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => NOOP_LOG,
};

/** HTTP statuses that prove an order request was not acted on. */
const DEFINITIVE = new Set([400, 401, 403, 404, 422, 429]);
const TERMINAL_STATES = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

export class OpenAlgoBroker implements BrokerPort {
  readonly id = 'openalgo';
  readonly config: OpenAlgoConfig;

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly rest: RestClient;
  private readonly stream: OrderStream;
  private listeners: readonly ((e: BrokerEvent) => void)[] = [];
  private statusListeners: readonly ((s: BrokerStatus) => void)[] = [];

  private readonly byBroker = new Map<string, string>();
  private readonly byClient = new Map<string, string>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly emittedExec = new Set<string>();
  private readonly pending = new Map<string, PendingPlacement>();

  private queue: Promise<void> = Promise.resolve();
  private updatesSeen = 0;
  private readonly updateWaiters: { n: number; resolve: () => void }[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private pollWanted = false;
  private running = false;
  private stopped = false;

  constructor(options: OpenAlgoBrokerOptions) {
    const parsed = openAlgoConfigSchema.safeParse(options.config);
    if (!parsed.success) {
      throw new Error(`openalgo config: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
    }
    this.config = parsed.data;
    const c = this.config;
    this.clock = options.clock ?? new WallClock();
    this.log = options.log ?? NOOP_LOG;
    const limiter = (perSec: number): RateLimiter =>
      new RateLimiter({ perSec, maxWaitMs: c.rateLimit.maxWaitMs, backoffInitialMs: c.rateLimit.backoffInitialMs, backoffMaxMs: c.rateLimit.backoffMaxMs });
    const onStatus = (s: BrokerStatus): void => this.status(s);
    this.rest = new RestClient({
      apiUrl: c.apiUrl,
      apiKey: c.apiKey,
      limiters: { order: limiter(c.rateLimit.ordersPerSec), other: limiter(c.rateLimit.otherPerSec) },
      onStatus,
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    });
    this.stream = new OrderStream({
      url: c.wsUrl,
      apiKey: c.apiKey,
      handshakeTimeoutMs: c.timeouts.wsHandshakeMs,
      pingIntervalMs: c.wsPingIntervalMs,
      pongTimeoutMs: c.wsPongTimeoutMs,
      reconnect: c.reconnect,
      ...(options.random !== undefined ? { random: options.random } : {}),
      onUpdate: (msg) => {
        this.updatesSeen = msg.oseq !== undefined ? Math.max(this.updatesSeen, msg.oseq) : this.updatesSeen + 1;
        void this.enqueue(() => this.onPush(msg));
        this.releaseUpdateWaiters();
      },
      onSubscribed: (oseq) => {
        // Updates emitted before we listened are reconciled over REST (below), so count them as seen.
        if (oseq !== undefined && oseq > this.updatesSeen) {
          this.updatesSeen = oseq;
          this.releaseUpdateWaiters();
        }
        void this.enqueue(() => this.reconcile('subscribed'));
      },
      onStatus,
    });
  }

  /** The highest order-update number known (see `waitForOrderUpdates`). */
  get orderUpdatesSeen(): number {
    return this.updatesSeen;
  }

  private releaseUpdateWaiters(): void {
    for (let i = this.updateWaiters.length - 1; i >= 0; i--) {
      const w = this.updateWaiters[i];
      if (w !== undefined && this.updatesSeen >= w.n) {
        this.updateWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /**
   * Resolves once the order updates numbered up to `n` are known (lockstep: the simulator's
   * `oseq`): received on the stream, or emitted before we subscribed (then reconciled over REST).
   */
  waitForOrderUpdates(n: number): Promise<void> {
    if (this.updatesSeen >= n) return Promise.resolve();
    return new Promise((resolve) => this.updateWaiters.push({ n, resolve }));
  }

  /** Resolves once every inbound task queued so far (pushes, polls) has run and emitted its events. */
  async settled(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.queue;
      await tail;
    } while (tail !== this.queue);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Open the order stream and start the backstop poll. Resolves once the stream is subscribed,
   * or after the handshake timeout with `streaming: false` (the poll covers until it connects).
   */
  async start(): Promise<{ readonly streaming: boolean }> {
    if (this.stopped) throw new Error('openalgo: stopped');
    if (!this.running) {
      this.running = true;
      this.schedulePoll();
    }
    const streaming = await this.stream.start(this.config.timeouts.wsHandshakeMs);
    return { streaming };
  }

  /** Close the stream, stop polling, abort requests in flight, and let queued work finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    if (this.soonTimer !== undefined) clearTimeout(this.soonTimer);
    this.pollTimer = undefined;
    this.soonTimer = undefined;
    this.rest.close();
    await this.stream.stop();
    await this.queue;
  }

  onEvent(listener: (event: BrokerEvent) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  onStatus(listener: (status: BrokerStatus) => void): () => void {
    this.statusListeners = [...this.statusListeners, listener];
    return () => {
      this.statusListeners = this.statusListeners.filter((l) => l !== listener);
    };
  }

  // ------------------------------------------------------------------ links

  /** Every clientOrderId ↔ brokerOrderId link this adapter knows (for the trader's journal). */
  links(): OrderLink[] {
    return [...this.byClient].map(([clientOrderId, brokerOrderId]) => ({ clientOrderId, brokerOrderId }));
  }

  /**
   * After a restart: the links from the trader's own order records. Conflicting links (one id
   * bound to two) are refused with an error, never overwritten. Triggers a reconcile.
   */
  restoreLinks(links: readonly OrderLink[]): void {
    for (const l of links) this.link(l.clientOrderId, l.brokerOrderId);
    this.pollWanted = true;
    this.reconcileSoon(0);
  }

  // ------------------------------------------------------------------ orders

  async placeOrder(req: OrderRequest): Promise<SubmitOutcome> {
    const invalid = checkRequest(req);
    if (invalid !== null) return { kind: 'rejected', reason: `not sent: ${invalid}` };
    if (this.byClient.has(req.clientOrderId)) {
      // Sent before (linked): never a second order for one client id.
      return { kind: 'unknown', reason: `client order id ${req.clientOrderId} is already linked to ${this.byClient.get(req.clientOrderId) ?? '?'}; look it up` };
    }
    this.pending.set(req.clientOrderId, { req, sentAtMs: this.clock.nowMs() });
    const r = await this.rest.post(
      'placeorder',
      {
        strategy: this.config.strategy,
        symbol: req.symbol,
        exchange: req.exchange,
        action: req.side,
        quantity: req.qty,
        pricetype: req.priceType,
        product: req.product,
        price: toRupees(req.pricePaise),
        trigger_price: toRupees(req.triggerPaise),
        disclosed_quantity: 0,
      },
      OrderAckSchema,
      { cls: 'order', timeoutMs: this.config.timeouts.orderMs },
    );
    const outcome = classifyOrderAnswer('placeorder', r);
    switch (outcome.kind) {
      case 'accepted':
        this.pending.delete(req.clientOrderId);
        this.link(req.clientOrderId, outcome.brokerOrderId);
        this.track(outcome.brokerOrderId);
        this.pollWanted = true;
        break;
      case 'rejected':
        this.pending.delete(req.clientOrderId);
        break;
      case 'unknown':
        // Stays pending until findOrder settles it: its pushes are still attributed to it.
        this.pollWanted = true;
        this.log.warn('placement outcome unknown; to be reconciled with the order book', { clientOrderId: req.clientOrderId, reason: outcome.reason });
        break;
    }
    return outcome;
  }

  async modifyOrder(brokerOrderId: string, change: OrderChange): Promise<SubmitOutcome> {
    // OpenAlgo's modify needs every field: take the order's current terms from a fresh book.
    const book = await this.rest.post('orderbook', {}, OrderBookSchema, { cls: 'other', timeoutMs: this.config.timeouts.readMs, retries429: 0 });
    if (book.kind !== 'ok') return { kind: 'rejected', reason: `not sent: order book unavailable (${describeFailure(book)})` };
    const row = book.data.data.orders.find((o) => o.orderid === brokerOrderId);
    if (row === undefined) return { kind: 'rejected', reason: `not sent: order ${brokerOrderId} is not in the order book` };
    const status = row.order_status.trim().toLowerCase();
    if (status === 'complete' || status === 'cancelled' || status === 'rejected' || status === 'expired') {
      return { kind: 'rejected', reason: `not sent: order ${brokerOrderId} is ${status}` };
    }
    const qty = change.qty ?? row.quantity;
    if (!Number.isInteger(qty) || qty <= 0) return { kind: 'rejected', reason: `not sent: quantity ${qty}` };
    const r = await this.rest.post(
      'modifyorder',
      {
        strategy: this.config.strategy,
        exchange: row.exchange,
        symbol: row.symbol,
        orderid: brokerOrderId,
        action: row.action.toUpperCase(),
        product: row.product,
        pricetype: row.pricetype,
        price: change.pricePaise !== undefined ? toRupees(change.pricePaise) : (row.price ?? 0),
        quantity: qty,
        disclosed_quantity: 0,
        trigger_price: change.triggerPaise !== undefined ? toRupees(change.triggerPaise) : (row.trigger_price ?? 0),
      },
      OrderAckSchema,
      { cls: 'order', timeoutMs: this.config.timeouts.orderMs },
    );
    const outcome = classifyOrderAnswer('modifyorder', r, brokerOrderId);
    // Whatever happened, the book will show the broker's terms; emit them (reliability case 12).
    this.pollWanted = true;
    this.reconcileSoon(0);
    return outcome;
  }

  async cancelOrder(brokerOrderId: string): Promise<SubmitOutcome> {
    const r = await this.rest.post('cancelorder', { strategy: this.config.strategy, orderid: brokerOrderId }, OrderAckSchema, {
      cls: 'order',
      timeoutMs: this.config.timeouts.orderMs,
    });
    const outcome = classifyOrderAnswer('cancelorder', r, brokerOrderId);
    this.pollWanted = true;
    if (outcome.kind === 'accepted') {
      this.reconcileSoon(0);
      return outcome;
    }
    // A refused or unanswered cancel: the book says why (a fill won the race: reliability case 11).
    const view = await this.lookup(brokerOrderId);
    this.reconcileSoon(0);
    if (view === null) return outcome;
    if (outcome.kind === 'unknown') {
      if (view.state === 'CANCELLED') return { kind: 'accepted', brokerOrderId };
      if (view.state === 'FILLED' || view.state === 'REJECTED') return { kind: 'rejected', reason: `order is ${view.state} (${outcome.reason})`, brokerOrderId };
      return outcome;
    }
    if (outcome.kind === 'rejected' && TERMINAL_STATES.has(view.state)) {
      return { kind: 'rejected', reason: `${outcome.reason} (order is ${view.state})`, brokerOrderId };
    }
    return outcome;
  }

  /**
   * The order an earlier `placeOrder(req)` created, matched on the book by its terms: symbol,
   * exchange, side, quantity, product, price type, price (LIMIT/SL) and trigger (SL/SL-M), not
   * REJECTED, timestamped at or after `sentAtMs` (less `findOrderSlackMs`; a row without a
   * readable time counts as a candidate), and not linked to another of our client ids. One match
   * → linked and returned; none → 'none'; several → 'ambiguous' (the caller halts and alerts).
   * A book we cannot read also answers 'ambiguous': 'none' would be a guess.
   */
  async findOrder(req: OrderRequest, sentAtMs: number): Promise<BrokerOrderView | 'none' | 'ambiguous'> {
    const books = await this.readBooks();
    if (books.kind !== 'ok') {
      this.log.error('findOrder: books unavailable; answering ambiguous', { clientOrderId: req.clientOrderId, reason: books.message });
      return 'ambiguous';
    }
    const summaries = summariseTrades(books.trades);
    const refMs = this.clock.nowMs();
    const linked = this.byClient.get(req.clientOrderId);
    const fromMs = Math.floor(sentAtMs / 1000) * 1000 - this.config.findOrderSlackMs;
    const candidates: BrokerOrderView[] = [];
    for (const row of books.orders) {
      const m = orderViewFromRow(row, summaries.get(row.orderid), this.byBroker.get(row.orderid), refMs);
      if (!m.ok) continue;
      const v = m.value;
      if (linked !== undefined) {
        if (v.brokerOrderId === linked) return v;
        continue;
      }
      if (!sameTerms(v, req) || v.state === 'REJECTED') continue;
      const owner = this.byBroker.get(v.brokerOrderId);
      if (owner !== undefined && owner !== req.clientOrderId) continue;
      if (v.timeMs !== undefined && v.timeMs < fromMs) continue;
      candidates.push(v);
    }
    if (linked !== undefined) {
      this.log.error('findOrder: linked order missing from the book', { clientOrderId: req.clientOrderId, brokerOrderId: linked });
      return 'ambiguous';
    }
    const [only] = candidates;
    if (candidates.length === 0 || only === undefined) {
      this.pending.delete(req.clientOrderId);
      return 'none';
    }
    if (candidates.length > 1) {
      this.log.error('findOrder: several book orders match the request', { clientOrderId: req.clientOrderId, candidates: candidates.map((c) => c.brokerOrderId) });
      return 'ambiguous';
    }
    this.pending.delete(req.clientOrderId);
    this.link(req.clientOrderId, only.brokerOrderId);
    this.track(only.brokerOrderId);
    this.pollWanted = true;
    this.reconcileSoon(0);
    return { ...only, clientOrderId: req.clientOrderId };
  }

  // ------------------------------------------------------------------ books

  /** Every order in the account (rows we cannot represent are left out), filled qty from the trade book. */
  async orderBook(): Promise<BrokerOrderView[]> {
    const books = await this.readBooks();
    if (books.kind !== 'ok') throw new OpenAlgoError(books.errorKind, books.message, books.status);
    const summaries = summariseTrades(books.trades);
    const refMs = this.clock.nowMs();
    const out: BrokerOrderView[] = [];
    for (const row of books.orders) {
      const m = orderViewFromRow(row, summaries.get(row.orderid), this.byBroker.get(row.orderid), refMs);
      if (m.ok) out.push(m.value);
    }
    return out;
  }

  /** Every fill in the account, with the same execution ids the events carry. */
  async tradeBook(): Promise<Fill[]> {
    const trades = await this.read('tradebook', TradeBookSchema, {});
    return fillsFromTrades(trades.data, (id) => this.byBroker.get(id), this.clock.nowMs()).fills;
  }

  async positions(): Promise<BrokerPosition[]> {
    const book = await this.read('positionbook', PositionBookSchema, {});
    const out: BrokerPosition[] = [];
    for (const p of book.data) {
      const exchange = toExchange(p.exchange);
      const product = toProduct(p.product);
      if (exchange === null || product === null) {
        this.log.debug('positionbook row skipped', { symbol: p.symbol, exchange: p.exchange, product: p.product });
        continue;
      }
      out.push({ symbol: p.symbol, exchange, product, netQty: p.quantity, avgPricePaise: toPaise(p.average_price) });
    }
    return out;
  }

  /** Funds in paise. An empty `data` is an expired broker session (brokers.md §0.7): `auth`. */
  async funds(): Promise<FundsView> {
    const f = await this.read('funds', FundsSchema, {});
    const d = f.data;
    if (d.availablecash === undefined) {
      const message = 'funds: empty data (broker session probably expired)';
      this.status({ kind: 'auth', source: 'rest funds', message });
      throw new OpenAlgoError('session', message);
    }
    return {
      availableCashPaise: toPaise(d.availablecash),
      collateralPaise: toPaise(d.collateral ?? 0),
      realisedPaise: toPaise(d.m2mrealized ?? 0),
      unrealisedPaise: toPaise(d.m2munrealized ?? 0),
      utilisedPaise: toPaise(d.utiliseddebits ?? 0),
    };
  }

  /** Session health: `/ping` answers 403 when the key is bad or the broker session is missing. */
  async ping(): Promise<PingResult> {
    const r = await this.rest.post('ping', {}, PingSchema, { cls: 'other', timeoutMs: this.config.timeouts.readMs });
    if (r.kind === 'ok') return { ok: true, broker: r.data.data?.broker ?? null };
    return { ok: false, auth: r.kind === 'http' && (r.status === 401 || r.status === 403), message: describeFailure(r) };
  }

  /** The broker's clock from the HTTP `Date` header of a `/ping` (whole seconds). */
  async serverTimeMs(): Promise<number> {
    const r = await this.rest.post('ping', {}, PingSchema, { cls: 'other', timeoutMs: this.config.timeouts.readMs });
    if (r.kind !== 'ok') throw new OpenAlgoError(errorKindOf(r), `ping: ${describeFailure(r)}`, r.kind === 'http' ? r.status : undefined);
    if (r.dateMs === null) throw new OpenAlgoError('malformed', 'ping: no usable Date header');
    return r.dateMs;
  }

  /**
   * Bars from `/history` (epoch-second timestamps → `startMs`), strictly increasing in time.
   * `interval` is one of OpenAlgo's (1m, 5m, 15m, D, …); dates 'YYYY-MM-DD'.
   */
  async history(symbol: string, exchange: Exchange, interval: string, fromDate: string, toDate: string): Promise<Bar[]> {
    const iv = HistoryIntervalSchema.safeParse(interval);
    if (!iv.success) throw new OpenAlgoError('invalid', `history: interval '${interval}' is not one of ${HistoryIntervalSchema.options.join(' ')}`);
    for (const [name, d] of [
      ['fromDate', fromDate],
      ['toDate', toDate],
    ] as const) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new OpenAlgoError('invalid', `history: ${name} '${d}' is not YYYY-MM-DD`);
    }
    const r = await this.read('history', HistorySchema, { symbol, exchange, interval: iv.data, start_date: fromDate, end_date: toDate }, this.config.timeouts.historyMs);
    const bars: Bar[] = [];
    let prev = -Infinity;
    r.data.forEach((b, i) => {
      const startMs = epochSecondsToMs(b.timestamp);
      if (startMs <= prev) throw new OpenAlgoError('malformed', `history: data.${i}.timestamp ${b.timestamp} is not after the previous bar`);
      prev = startMs;
      bars.push({ startMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume ?? 0 });
    });
    return bars;
  }

  /** Poll both books now and emit what the push missed; resolves when done (queued behind pending work). */
  reconcileNow(): Promise<void> {
    return this.enqueue(() => this.reconcile('requested'));
  }

  // ------------------------------------------------------------------ inbound: push and poll

  private async onPush(msg: OrderUpdateMessage): Promise<void> {
    const side = toSide(msg.action);
    if (!this.inScope(msg.orderid, msg.symbol, msg.exchange, side)) return;
    const t = this.track(msg.orderid);
    const complete = msg.order_status.trim().toLowerCase() === 'complete';
    const reported = Math.max(msg.filled_quantity ?? 0, complete ? msg.quantity : 0);
    if (reported > t.reportedFilledQty) t.reportedFilledQty = reported;
    let avg = msg.average_price !== null && msg.average_price !== undefined && msg.average_price > 0 ? toPaise(msg.average_price) : null;
    if (reported > t.emittedFillQty) {
      // Fills need execution ids, which only the trade book has.
      const trades = await this.rest.post('tradebook', {}, TradeBookSchema, { cls: 'other', timeoutMs: this.config.timeouts.readMs, retries429: 1 });
      if (trades.kind === 'ok') {
        this.emitFills(trades.data.data);
        // The exact VWAP from the rows beats the push's rounded average.
        const sum = summariseTrades(trades.data.data).get(msg.orderid);
        if (sum !== undefined && sum.qty >= reported) avg = sum.notionalPaise / sum.qty;
      } else {
        this.log.warn('trade book unavailable after a fill push; the poll will catch up', { reason: describeFailure(trades) });
      }
      if (t.emittedFillQty < reported) this.reconcileSoon(Math.min(500, this.config.pollIntervalMs));
    }
    const m = orderView(msg, reported, avg, this.byBroker.get(msg.orderid), this.clock.nowMs());
    if (!m.ok) {
      this.log.warn('order update not representable', { orderid: msg.orderid, why: m.why });
      return;
    }
    this.emitView(t, m.value);
  }

  private async reconcile(reason: 'periodic' | 'subscribed' | 'requested'): Promise<void> {
    if (this.stopped) return;
    this.pollWanted = false;
    const books = await this.readBooks();
    if (books.kind !== 'ok') {
      this.pollWanted = true;
      this.log.warn('reconcile: books unavailable', { reason: books.message });
      return;
    }
    const refMs = this.clock.nowMs();
    const streamed = this.stream.isSubscribed && reason === 'periodic';
    const fillsBefore = this.emittedExec.size;
    const summaries = summariseTrades(books.trades);
    const newFills = this.emitFills(books.trades, (id) => books.orders.some((o) => o.orderid === id));
    let changedViews = 0;
    for (const row of books.orders) {
      const side = toSide(row.action);
      if (!this.inScope(row.orderid, row.symbol, row.exchange, side)) continue;
      const t = this.track(row.orderid);
      const filled = summaries.get(row.orderid);
      if (filled !== undefined && filled.qty > t.reportedFilledQty) t.reportedFilledQty = filled.qty;
      // This order's new fills first, then its view.
      for (const f of newFills.get(row.orderid) ?? []) this.emit({ kind: 'fill', fill: f });
      newFills.delete(row.orderid);
      const m = orderViewFromRow(row, filled, this.byBroker.get(row.orderid), refMs);
      if (!m.ok) continue;
      if (this.emitView(t, m.value)) changedViews += 1;
    }
    this.checkDrift(books.trades);
    const missed = this.emittedExec.size - fillsBefore;
    if (streamed && missed > 0) {
      this.status({ kind: 'discrepancy', message: `poll found ${missed} fill(s) and ${changedViews} order change(s) the order stream had not delivered` });
    }
  }

  /**
   * Emit trade rows not emitted before, for orders in scope. With `deferIf`, fills of orders for
   * which it answers true are returned (grouped by order) for the caller to emit next to their
   * view; the others are emitted at once.
   */
  private emitFills(rows: readonly TradeRow[], deferIf?: (brokerOrderId: string) => boolean): Map<string, Fill[]> {
    const { fills, skipped } = fillsFromTrades(rows, (id) => this.byBroker.get(id), this.clock.nowMs());
    const deferred = new Map<string, Fill[]>();
    for (const f of fills) {
      if (this.emittedExec.has(f.executionId)) continue;
      if (!this.inScope(f.brokerOrderId, f.symbol, f.exchange, f.side)) continue;
      const t = this.track(f.brokerOrderId);
      this.emittedExec.add(f.executionId);
      t.fillIds.add(f.executionId);
      t.emittedFillQty += f.qty;
      if (t.emittedFillQty > t.reportedFilledQty) t.reportedFilledQty = t.emittedFillQty;
      if (deferIf?.(f.brokerOrderId) === true) {
        const list = deferred.get(f.brokerOrderId) ?? [];
        list.push(f);
        deferred.set(f.brokerOrderId, list);
      } else {
        this.emit({ kind: 'fill', fill: f });
      }
    }
    if (skipped.length > 0) this.log.debug('trade rows skipped', { skipped });
    return deferred;
  }

  /** Emits the view unless this (state, filled, terms) was emitted for the order before. */
  private emitView(t: Tracked, v: BrokerOrderView): boolean {
    const key = `${v.state}|${v.filledQty ?? '-'}|${v.qty}|${v.pricePaise}|${v.triggerPaise}`;
    if (TERMINAL_STATES.has(v.state)) t.terminal = true;
    if (t.viewKeys.has(key)) return false;
    t.viewKeys.add(key);
    this.emit({ kind: 'order', order: v });
    return true;
  }

  /** A fill we emitted that the trade book no longer lists means its rows are not stable. */
  private checkDrift(rows: readonly TradeRow[]): void {
    const present = new Set(fillsFromTrades(rows, () => undefined, this.clock.nowMs()).fills.map((f) => f.executionId));
    for (const t of this.tracked.values()) {
      for (const id of t.fillIds) {
        if (!present.has(id)) {
          this.status({ kind: 'discrepancy', message: `execution ${id} emitted earlier is no longer in the trade book` });
          t.fillIds.delete(id);
        }
      }
    }
  }

  /**
   * Ours: linked to a client id, already tracked, or (while a placement awaits its answer or
   * its reconciliation) unlinked with the same symbol, exchange and side, which is how a fill that
   * beats the POST response is still delivered. 'all' scope: everything.
   */
  private inScope(brokerOrderId: string, symbol: string, exchange: string, side: string | null): boolean {
    if (this.config.eventScope === 'all' || this.byBroker.has(brokerOrderId) || this.tracked.has(brokerOrderId)) return true;
    for (const p of this.pending.values()) {
      if (p.req.symbol === symbol && p.req.exchange === exchange.trim().toUpperCase() && p.req.side === side) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ plumbing

  private track(brokerOrderId: string): Tracked {
    let t = this.tracked.get(brokerOrderId);
    if (t === undefined) {
      t = { brokerOrderId, viewKeys: new Set(), fillIds: new Set(), emittedFillQty: 0, reportedFilledQty: 0, terminal: false };
      this.tracked.set(brokerOrderId, t);
    }
    return t;
  }

  private link(clientOrderId: string, brokerOrderId: string): void {
    const a = this.byClient.get(clientOrderId);
    const b = this.byBroker.get(brokerOrderId);
    if ((a !== undefined && a !== brokerOrderId) || (b !== undefined && b !== clientOrderId)) {
      this.log.error('conflicting order link refused', { clientOrderId, brokerOrderId, linkedBroker: a, linkedClient: b });
      return;
    }
    this.byClient.set(clientOrderId, brokerOrderId);
    this.byBroker.set(brokerOrderId, clientOrderId);
  }

  /** Whether the backstop poll has something to watch. */
  private needsPoll(): boolean {
    if (this.pollWanted || this.pending.size > 0) return true;
    for (const t of this.tracked.values()) {
      if (!t.terminal || t.reportedFilledQty > t.emittedFillQty) return true;
    }
    return false;
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      const run = this.needsPoll() ? this.enqueue(() => this.reconcile('periodic')) : Promise.resolve();
      void run.finally(() => this.schedulePoll());
    }, this.config.pollIntervalMs);
  }

  private reconcileSoon(delayMs: number): void {
    if (this.soonTimer !== undefined || this.stopped) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      void this.enqueue(() => this.reconcile('requested'));
    }, delayMs);
  }

  /** Serial queue for everything that emits: events come out in one deterministic order. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((err: unknown) => {
      this.log.error('openalgo: inbound task failed', { err: err instanceof Error ? err.message : String(err) });
    });
    this.queue = next;
    return next;
  }

  private emit(event: BrokerEvent): void {
    if (this.stopped) return;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.log.error('broker event listener threw', { err: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private status(s: BrokerStatus): void {
    const fields: LogFields = { ...s };
    if (s.kind === 'auth' || s.kind === 'discrepancy') this.log.error('openalgo status', fields);
    else this.log.warn('openalgo status', fields);
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch {
        /* a status listener must not break the adapter */
      }
    }
  }

  private async lookup(brokerOrderId: string): Promise<BrokerOrderView | null> {
    const books = await this.readBooks();
    if (books.kind !== 'ok') return null;
    const row = books.orders.find((o) => o.orderid === brokerOrderId);
    if (row === undefined) return null;
    const m = orderViewFromRow(row, summariseTrades(books.trades).get(brokerOrderId), this.byBroker.get(brokerOrderId), this.clock.nowMs());
    return m.ok ? m.value : null;
  }

  private async readBooks(): Promise<
    ({ readonly kind: 'ok' } & Books) | { readonly kind: 'failed'; readonly message: string; readonly errorKind: OpenAlgoErrorKind; readonly status?: number }
  > {
    const opts = { cls: 'other' as const, timeoutMs: this.config.timeouts.readMs, retries429: this.config.rateLimit.readRetries };
    const orders = await this.rest.post('orderbook', {}, OrderBookSchema, opts);
    if (orders.kind !== 'ok') return failed(orders);
    // The trade book second: a fill that lands between the reads shows as extra filled quantity
    // on an order that still reads open, which the next poll settles; never the other way round.
    const trades = await this.rest.post('tradebook', {}, TradeBookSchema, opts);
    if (trades.kind !== 'ok') return failed(trades);
    return { kind: 'ok', orders: orders.data.data.orders, trades: trades.data.data };
  }

  private async read<S extends z.ZodType>(endpoint: string, schema: S, body: Record<string, unknown>, timeoutMs = this.config.timeouts.readMs): Promise<z.output<S>> {
    const r = await this.rest.post(endpoint, body, schema, { cls: 'other', timeoutMs, retries429: this.config.rateLimit.readRetries });
    if (r.kind !== 'ok') throw new OpenAlgoError(errorKindOf(r), `${endpoint}: ${describeFailure(r)}`, r.kind === 'http' ? r.status : undefined);
    return r.data;
  }
}

// ------------------------------------------------------------------ pure helpers

/** The answer to placeorder/modifyorder/cancelorder → our three outcomes (see the class comment). */
export function classifyOrderAnswer(endpoint: string, r: RestResult<{ readonly orderid?: unknown; readonly mode?: string | undefined; readonly message?: string | undefined }>, expectId?: string): SubmitOutcome {
  switch (r.kind) {
    case 'ok': {
      const id = r.data.orderid;
      if (typeof id === 'string' && id.trim() !== '') return { kind: 'accepted', brokerOrderId: id.trim() };
      if (expectId !== undefined && id === undefined) return { kind: 'accepted', brokerOrderId: expectId };
      if (r.data.mode === 'semi_auto') return { kind: 'unknown', reason: `${endpoint}: queued for approval (semi-auto), no order id: ${r.data.message ?? ''}` };
      return { kind: 'unknown', reason: `${endpoint}: success without a usable order id (${JSON.stringify(id) ?? 'missing'})` };
    }
    case 'http':
      if (DEFINITIVE.has(r.status)) {
        const what = r.status === 429 ? 'rate limited, not placed' : r.status === 401 || r.status === 403 ? 'auth refused' : 'rejected';
        return { kind: 'rejected', reason: `${endpoint}: HTTP ${r.status} ${what}: ${r.message}` };
      }
      return { kind: 'unknown', reason: `${endpoint}: HTTP ${r.status}: ${r.message}` };
    case 'network':
      return r.notSent ? { kind: 'rejected', reason: `not sent: ${r.message}` } : { kind: 'unknown', reason: r.message };
    case 'throttled':
      return { kind: 'rejected', reason: r.message };
    case 'timeout':
    case 'malformed':
      return { kind: 'unknown', reason: r.message };
  }
}

function failed(r: Exclude<RestResult<unknown>, { kind: 'ok' }>): { readonly kind: 'failed'; readonly message: string; readonly errorKind: OpenAlgoErrorKind; readonly status?: number } {
  return { kind: 'failed', message: describeFailure(r), errorKind: errorKindOf(r), ...(r.kind === 'http' ? { status: r.status } : {}) };
}

function describeFailure(r: Exclude<RestResult<unknown>, { kind: 'ok' }>): string {
  return r.kind === 'http' ? `HTTP ${r.status}: ${r.message}` : r.message;
}

function errorKindOf(r: Exclude<RestResult<unknown>, { kind: 'ok' }>): OpenAlgoErrorKind {
  if (r.kind === 'http') return r.status === 401 || r.status === 403 ? 'auth' : 'http';
  return r.kind;
}

function sameTerms(v: BrokerOrderView, req: OrderRequest): boolean {
  if (v.symbol !== req.symbol || v.exchange !== req.exchange || v.side !== req.side) return false;
  if (v.qty !== req.qty || v.product !== req.product || v.priceType !== req.priceType) return false;
  if ((req.priceType === 'LIMIT' || req.priceType === 'SL') && v.pricePaise !== req.pricePaise) return false;
  if ((req.priceType === 'SL' || req.priceType === 'SL-M') && v.triggerPaise !== req.triggerPaise) return false;
  return true;
}

function checkRequest(req: OrderRequest): string | null {
  if (!Number.isInteger(req.qty) || req.qty <= 0) return `quantity ${req.qty}`;
  if (!Number.isInteger(req.pricePaise) || req.pricePaise < 0) return `price ${req.pricePaise} paise`;
  if (!Number.isInteger(req.triggerPaise) || req.triggerPaise < 0) return `trigger ${req.triggerPaise} paise`;
  if ((req.priceType === 'LIMIT' || req.priceType === 'SL') && req.pricePaise <= 0) return `${req.priceType} needs a price`;
  if ((req.priceType === 'SL' || req.priceType === 'SL-M') && req.triggerPaise <= 0) return `${req.priceType} needs a trigger`;
  return null;
}
