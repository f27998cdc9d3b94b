import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/**
 * A scripted fake OpenAlgo on 127.0.0.1 (REST /api/v1/* and WebSocket /ws), for the adapter's
 * fault tests and the broker contract. It keeps a tiny order book with a matching engine driven
 * by `trade(price)`, speaks OpenAlgo's wire format (brokers.md §1–§2: strings for ids and
 * statuses, rupees for prices, 'DD-Mon-YYYY HH:MM:SS' IST timestamps, no client order id, no
 * trade id in the trade book) and can be told, per endpoint and per request, to misbehave.
 */

export type Endpoint =
  | 'placeorder'
  | 'modifyorder'
  | 'cancelorder'
  | 'orderstatus'
  | 'orderbook'
  | 'tradebook'
  | 'positionbook'
  | 'funds'
  | 'history'
  | 'ping';

/**
 * One scripted answer. `act` (default true): do what the endpoint does (create the order…) before
 * answering. Then wait `delayMs`; `hold` never answers (the socket stays open until close);
 * otherwise answer `status` (default: the normal one) with `raw` text, or `body`, or the normal body.
 */
export interface ScriptStep {
  readonly act?: boolean;
  readonly delayMs?: number;
  readonly hold?: boolean;
  readonly status?: number;
  readonly body?: unknown;
  readonly raw?: string;
}

export interface FakeOrder {
  orderid: string;
  symbol: string;
  exchange: string;
  action: 'BUY' | 'SELL';
  quantity: number;
  price: number;
  trigger_price: number;
  pricetype: string;
  product: string;
  order_status: 'open' | 'trigger pending' | 'complete' | 'cancelled' | 'rejected';
  filled: number;
  avgNotional: number;
  timestamp: string;
  triggered: boolean;
}

export interface FakeTrade {
  orderid: string;
  symbol: string;
  exchange: string;
  action: 'BUY' | 'SELL';
  product: string;
  quantity: number;
  average_price: number;
  timestamp: string;
}

export interface FakeOpenAlgoOptions {
  readonly apiKey?: string;
  /** Lot size per symbol; a quantity that is not a multiple is refused with HTTP 400. */
  readonly lotSizes?: Readonly<Record<string, number>>;
  /** Split fills into rows of at most this quantity (default: one row per fill event). */
  readonly fillChunk?: number;
  /** Fill MARKET orders at `lastPrice` when placed (before the HTTP answer), like the sandbox. */
  readonly fillMarketOnPlace?: boolean;
  /** Shift of the HTTP Date header (clock-skew tests). */
  readonly dateOffsetMs?: number;
}

function str(v: unknown, dflt: string): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : dflt;
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'DD-Mon-YYYY HH:MM:SS' in IST. */
export function openAlgoTimestamp(epochMs: number): string {
  const d = new Date(epochMs + 5.5 * 3_600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()] ?? '???'}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export class FakeOpenAlgo {
  readonly apiKey: string;
  readonly orders: FakeOrder[] = [];
  readonly trades: FakeTrade[] = [];
  /** Requests received per endpoint (whatever the script did with them). */
  readonly counts = new Map<string, number>();
  /** Every order_update pushed (or dropped), in order. */
  readonly pushes: { readonly msg: Record<string, unknown>; readonly dropped: boolean }[] = [];
  /** Return false to drop a push (a lost frame). */
  pushFilter: (msg: Record<string, unknown>) => boolean = () => true;
  lastPricePaise = 0;
  historyBars: unknown[] = [];
  fundsData: Record<string, unknown> = { availablecash: '100000.00', collateral: '0.00', m2mrealized: '0.00', m2munrealized: '0.00', utiliseddebits: '0.00' };
  fillChunk: number | undefined;
  fillMarketOnPlace: boolean;
  dateOffsetMs: number;

  private readonly scripts = new Map<string, ScriptStep[]>();
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly subscribers = new Set<WebSocket>();
  private readonly held = new Set<ServerResponse>();
  private readonly lotSizes: Readonly<Record<string, number>>;
  private seq = 0;
  private port = 0;

  private constructor(opts: FakeOpenAlgoOptions) {
    this.apiKey = opts.apiKey ?? 'test-key';
    this.lotSizes = opts.lotSizes ?? {};
    this.fillChunk = opts.fillChunk;
    this.fillMarketOnPlace = opts.fillMarketOnPlace ?? false;
    this.dateOffsetMs = opts.dateOffsetMs ?? 0;
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/ws' });
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  static async start(opts: FakeOpenAlgoOptions = {}): Promise<FakeOpenAlgo> {
    const f = new FakeOpenAlgo(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Queue scripted answers for the next requests to `endpoint`. */
  script(endpoint: Endpoint, ...steps: ScriptStep[]): void {
    this.scripts.set(endpoint, [...(this.scripts.get(endpoint) ?? []), ...steps]);
  }

  count(endpoint: Endpoint): number {
    return this.counts.get(endpoint) ?? 0;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** WebSocket connections open right now (subscribed or not). */
  get connectionCount(): number {
    return this.wss.clients.size;
  }

  /** Drop every WebSocket client abruptly (code 1006 at the client). */
  terminateClients(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** Send the last `n` order updates again (a replay after a reconnect). */
  replay(n: number): void {
    const sent = this.pushes.filter((p) => !p.dropped).slice(-n);
    for (const p of sent) this.broadcast(p.msg);
  }

  /** Push an arbitrary frame to subscribers (malformed-frame tests). */
  pushRaw(text: string): void {
    for (const ws of this.subscribers) ws.send(text);
  }

  /** The market trades at `pricePaise`: working orders that cross fill (in placement order). */
  trade(pricePaise: number): void {
    this.lastPricePaise = pricePaise;
    const px = pricePaise / 100;
    for (const o of this.orders) {
      if (o.order_status !== 'open' && o.order_status !== 'trigger pending') continue;
      if (o.pricetype === 'SL' || o.pricetype === 'SL-M') {
        if (!o.triggered) {
          const hit = o.action === 'BUY' ? px >= o.trigger_price : px <= o.trigger_price;
          if (!hit) continue;
          o.triggered = true;
          if (o.pricetype === 'SL') {
            o.order_status = 'open';
            this.pushOrder(o);
          }
        }
      }
      const limit = o.pricetype === 'LIMIT' || o.pricetype === 'SL';
      if (limit && !(o.action === 'BUY' ? px <= o.price : px >= o.price)) continue;
      this.fill(o, o.quantity - o.filled, limit ? o.price : px);
    }
  }

  /** Fill `qty` of an order at `price` rupees now (scripted partial fills). */
  fill(o: FakeOrder, qty: number, price: number, push = true): void {
    let left = qty;
    while (left > 0) {
      const q = Math.min(left, this.fillChunk ?? left);
      left -= q;
      o.filled += q;
      o.avgNotional += q * price;
      this.trades.push({
        orderid: o.orderid,
        symbol: o.symbol,
        exchange: o.exchange,
        action: o.action,
        product: o.product,
        quantity: q,
        average_price: price,
        timestamp: openAlgoTimestamp(Date.now()),
      });
    }
    if (o.filled >= o.quantity) o.order_status = 'complete';
    else if (o.order_status === 'trigger pending') o.order_status = 'open';
    if (push) this.pushOrder(o);
  }

  order(id: string): FakeOrder {
    const o = this.orders.find((x) => x.orderid === id);
    if (o === undefined) throw new Error(`fake: no order ${id}`);
    return o;
  }

  /** Create an order directly (as if placed by someone else, or earlier). */
  addOrder(fields: Partial<FakeOrder> & Pick<FakeOrder, 'symbol' | 'exchange' | 'action' | 'quantity' | 'pricetype'>): FakeOrder {
    const o: FakeOrder = {
      orderid: this.nextId(),
      price: 0,
      trigger_price: 0,
      product: 'MIS',
      order_status: fields.pricetype === 'SL' || fields.pricetype === 'SL-M' ? 'trigger pending' : 'open',
      filled: 0,
      avgNotional: 0,
      timestamp: openAlgoTimestamp(Date.now()),
      triggered: false,
      ...fields,
    };
    this.orders.push(o);
    this.pushOrder(o);
    return o;
  }

  pushOrder(o: FakeOrder): void {
    this.broadcast({
      type: 'order_update',
      user_id: 'fake',
      mode: 'live',
      broker: 'fake',
      orderid: o.orderid,
      symbol: o.symbol,
      exchange: o.exchange,
      action: o.action,
      quantity: o.quantity,
      price: o.pricetype === 'MARKET' ? 0 : o.price,
      trigger_price: o.trigger_price,
      pricetype: o.pricetype,
      product: o.product,
      order_status: o.order_status,
      filled_quantity: o.filled,
      pending_quantity: o.order_status === 'open' || o.order_status === 'trigger pending' ? o.quantity - o.filled : 0,
      average_price: o.filled > 0 ? o.avgNotional / o.filled : 0,
      rejection_reason: '',
      timestamp: o.timestamp,
    });
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------ internals

  private nextId(): string {
    this.seq += 1;
    return `25${String(1_000_000_000 + this.seq)}`;
  }

  private broadcast(msg: Record<string, unknown>): void {
    const keep = this.pushFilter(msg);
    this.pushes.push({ msg, dropped: !keep });
    if (!keep) return;
    const text = JSON.stringify(msg);
    for (const ws of this.subscribers) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  private onSocket(ws: WebSocket): void {
    let authed = false;
    ws.on('message', (data) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(rawToString(data)) as Record<string, unknown>;
      } catch {
        ws.send(JSON.stringify({ status: 'error', code: 'INVALID_JSON', message: 'Invalid JSON' }));
        return;
      }
      const action = m.action ?? m.type;
      if (action === 'authenticate') {
        if (m.api_key === this.apiKey || m.apikey === this.apiKey) {
          authed = true;
          ws.send(JSON.stringify({ type: 'auth', status: 'success', message: 'Authentication successful', broker: 'fake' }));
        } else {
          ws.send(JSON.stringify({ status: 'error', code: 'AUTHENTICATION_ERROR', message: 'Invalid API key' }));
        }
        return;
      }
      if (!authed) {
        ws.send(JSON.stringify({ status: 'error', code: 'NOT_AUTHENTICATED', message: 'Authenticate first' }));
        return;
      }
      if (action === 'subscribe_orders') {
        this.subscribers.add(ws);
        ws.send(JSON.stringify({ type: 'subscribe_orders', status: 'success', message: 'Subscribed to order updates', request_id: m.request_id }));
      }
    });
    ws.on('close', () => this.subscribers.delete(ws));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const endpoint = (req.url ?? '').replace(/^\/api\/v1\//, '').replace(/\?.*$/, '');
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    const step = this.scripts.get(endpoint)?.shift() ?? {};
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.send(res, 400, { status: 'error', message: 'invalid JSON' });
    }
    let answer: { status: number; body: unknown } = { status: 200, body: { status: 'success' } };
    if (step.act !== false) {
      answer = body.apikey === this.apiKey ? this.act(endpoint, body) : { status: 403, body: { status: 'error', message: 'Invalid openalgo apikey' } };
    }
    if (step.delayMs !== undefined) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.hold === true) {
      this.held.add(res);
      return;
    }
    if (step.raw !== undefined) {
      res.writeHead(step.status ?? answer.status, this.headers());
      res.end(step.raw);
      return;
    }
    this.send(res, step.status ?? answer.status, step.body ?? answer.body);
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (this.dateOffsetMs !== 0) h.date = new Date(Date.now() + this.dateOffsetMs).toUTCString();
    return h;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, this.headers());
    res.end(JSON.stringify(body));
  }

  private act(endpoint: string, b: Record<string, unknown>): { status: number; body: unknown } {
    const err = (status: number, message: string): { status: number; body: unknown } => ({ status, body: { status: 'error', message } });
    const ok = (extra: Record<string, unknown>): { status: number; body: unknown } => ({ status: 200, body: { status: 'success', ...extra } });
    switch (endpoint) {
      case 'placeorder': {
        if (typeof b.strategy !== 'string' || b.strategy === '') return err(400, "{'strategy': ['Missing data for required field.']}");
        const qty = Number(b.quantity);
        if (!Number.isInteger(qty) || qty <= 0) return err(400, "{'quantity': ['Quantity must be a positive number.']}");
        const symbol = String(b.symbol);
        const lot = this.lotSizes[symbol] ?? 1;
        if (qty % lot !== 0) return err(400, `Quantity ${qty} is not a multiple of the lot size ${lot}`);
        const pricetype = str(b.pricetype, 'MARKET');
        const o = this.addOrder({
          symbol,
          exchange: String(b.exchange),
          action: String(b.action).toUpperCase() === 'SELL' ? 'SELL' : 'BUY',
          quantity: qty,
          pricetype,
          product: str(b.product, 'MIS'),
          price: pricetype === 'MARKET' ? 0 : Number(b.price ?? 0),
          trigger_price: Number(b.trigger_price ?? 0),
        });
        if (this.fillMarketOnPlace && pricetype === 'MARKET' && this.lastPricePaise > 0) this.fill(o, qty, this.lastPricePaise / 100);
        return ok({ orderid: o.orderid });
      }
      case 'modifyorder': {
        const o = this.orders.find((x) => x.orderid === b.orderid);
        if (o === undefined) return err(404, `Order ${String(b.orderid)} not found`);
        if (o.order_status !== 'open' && o.order_status !== 'trigger pending') return err(400, `Order is ${o.order_status}; cannot modify`);
        o.quantity = Number(b.quantity);
        o.price = Number(b.price);
        o.trigger_price = Number(b.trigger_price);
        this.pushOrder(o);
        return ok({ orderid: o.orderid });
      }
      case 'cancelorder': {
        if (typeof b.strategy !== 'string') return err(400, "{'strategy': ['Missing data for required field.']}");
        const o = this.orders.find((x) => x.orderid === b.orderid);
        if (o === undefined) return err(404, `Order ${String(b.orderid)} not found`);
        if (o.order_status !== 'open' && o.order_status !== 'trigger pending') return err(400, `Order cannot be cancelled: it is ${o.order_status}`);
        o.order_status = 'cancelled';
        this.pushOrder(o);
        return ok({ orderid: o.orderid });
      }
      case 'orderbook':
        return ok({
          data: {
            orders: this.orders.map((o) => ({
              action: o.action,
              symbol: o.symbol,
              exchange: o.exchange,
              orderid: o.orderid,
              product: o.product,
              quantity: String(o.quantity),
              price: o.pricetype === 'MARKET' ? 0 : o.price,
              pricetype: o.pricetype,
              order_status: o.order_status,
              trigger_price: o.trigger_price,
              timestamp: o.timestamp,
            })),
            statistics: {},
          },
        });
      case 'tradebook':
        return ok({ data: this.trades.map((t) => ({ ...t, trade_value: t.quantity * t.average_price })) });
      case 'positionbook': {
        const pos = new Map<string, { symbol: string; exchange: string; product: string; quantity: number; cost: number }>();
        for (const t of this.trades) {
          const k = `${t.exchange}:${t.symbol}:${t.product}`;
          const p = pos.get(k) ?? { symbol: t.symbol, exchange: t.exchange, product: t.product, quantity: 0, cost: 0 };
          const signed = t.action === 'BUY' ? t.quantity : -t.quantity;
          p.quantity += signed;
          p.cost += signed * t.average_price;
          pos.set(k, p);
        }
        return ok({
          data: [...pos.values()].map((p) => ({
            symbol: p.symbol,
            exchange: p.exchange,
            product: p.product,
            quantity: String(p.quantity),
            average_price: p.quantity === 0 ? '0.00' : (p.cost / p.quantity).toFixed(2),
            ltp: '0',
            pnl: '0',
          })),
        });
      }
      case 'funds':
        return ok({ data: this.fundsData });
      case 'history':
        return ok({ data: this.historyBars });
      case 'ping':
        return ok({ data: { message: 'pong', broker: 'fake' } });
      case 'orderstatus': {
        const o = this.orders.find((x) => x.orderid === b.orderid);
        if (o === undefined) return err(404, `Order ${String(b.orderid)} not found`);
        return ok({ data: { ...o } });
      }
      default:
        return err(404, `no endpoint ${endpoint}`);
    }
  }
}
