import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { PaperBrokerConfigInput } from '../brokers/paper/config';
import { armAuthTimer, errorMsg, handleClientText, invalidAction, newConn, SIM_BROKER, tickText, type ProtocolConn } from '../market-data/simulator/protocol';
import { DEFAULT_SIM_SYMBOLS, simSymbolSpecs } from '../market-data/simulator/symbols';
import { PastDays, rollUp } from './bars';
import { ExchangeCore, wireStatus, type ExchangeEvent, type ExOrder, type ModifyCommand, type PlaceCommand } from './exchange';
import { StateLog, type FsyncPolicy, type LogHeader, type LogRecord } from './state-log';
import {
  ApiKeyFields,
  CancelOrderFields,
  HistoryFields,
  loadSchema,
  ModifyOrderFields,
  OpenPositionFields,
  openAlgoTime,
  OrderStatusFields,
  PlaceOrderFields,
  rupees,
  rupeeString,
  type Fields,
  type Parsed,
} from './wire';

/**
 * The exchange simulator: a local stand-in for an OpenAlgo server, out of process (README.md).
 * REST at `/api/v1/*` and the WebSocket proxy at `/ws` on one port; ticks from the
 * MarketSimulator, matched by the PaperBroker before they are sent; state durable in a state
 * directory by an append-only log replayed on start; `lockstep` makes time advance only when
 * the connected trader acknowledges each message.
 */

export interface ExchangeSimOptions {
  readonly apiKey: string;
  readonly seed: number;
  /** 'YYYY-MM-DD', a regular NSE session. */
  readonly date: string;
  /** Simulator symbol names (default: the simulator's defaults, NIFTY included). */
  readonly symbols?: readonly string[];
  readonly stateDir: string;
  readonly lockstep?: boolean;
  /** Default 0: an ephemeral port (read `port` after start). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Generator tick-rate multiplier (tests use < 1). Default 1. */
  readonly tickRateScale?: number;
  /** Starting cash for /funds. Default ₹1 crore. */
  readonly capitalRupees?: number;
  readonly matching?: PaperBrokerConfigInput;
  /** Which appends are fsynced (all are written through). Default 'commands'. */
  readonly fsync?: FsyncPolicy;
  /** Free-running mode: steps per event-loop turn (default 512). */
  readonly batchSize?: number;
  /** Free-running mode: pause while a client has this much queued (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Close unauthenticated sockets after this long with 4401 (default 15 000). */
  readonly authGraceMs?: number;
  /** /history: at most this many earlier sessions per request (default 60). */
  readonly historyMaxDays?: number;
  /** Lot size per symbol (default 1); e.g. a lot above 1 for the broker contract suite. */
  readonly lotSizes?: Readonly<Record<string, number>>;
  /** Test harnesses only (breaks exact replay): stamp orders and trades with this clock. */
  readonly stampClock?: () => number;
}

export interface ExchangeSimStats {
  /** Generator ticks consumed (matched and sent). */
  readonly ticks: number;
  /** Lockstep: last sequenced message sent / acknowledged. */
  readonly seq: number;
  readonly acked: number;
  readonly ended: boolean;
  readonly connections: number;
  readonly orders: number;
  readonly trades: number;
  /** Order commands received over REST since start (placements, modifications, cancels). */
  readonly commands: number;
}

export interface ExchangeSim {
  readonly port: number;
  /** `http://127.0.0.1:P/api/v1` (no trailing slash). */
  readonly restUrl: string;
  /** `ws://127.0.0.1:P/ws`. */
  readonly wsUrl: string;
  stats(): ExchangeSimStats;
  /**
   * Test harness hook (e.g. the broker contract suite): a trade at `pricePaise` outside the
   * generated stream, matched against resting orders and durable like a command; order updates
   * are pushed before it returns. No market_data is sent for it. Throws on an unknown symbol or
   * a price off the tick grid.
   */
  trade(symbol: string, exchange: string, pricePaise: number): void;
  /** Stop serving; the state directory holds everything acknowledged. */
  close(): Promise<void>;
}

export async function startExchangeSim(options: ExchangeSimOptions): Promise<ExchangeSim> {
  const sim = new ExchangeSimServer(options);
  try {
    await sim.listen();
  } catch (err) {
    await sim.close();
    throw err;
  }
  return sim;
}

type Conn = ProtocolConn & {
  orders: boolean;
  /** Lockstep: the newest sequenced message sent to / acknowledged by this connection. */
  sentSeq: number;
  ackedSeq: number;
};

/** A lockstep message waiting for its acknowledgement (resent to new connections). */
interface Pending {
  readonly seq: number;
  /** -1 for a sim_clock; else the tick's symbol index. */
  readonly symbolIndex: number;
  /** By mode: 1 (LTP) and 2 (Quote, also served for Depth); equal for a clock. */
  readonly text1: string;
  readonly text2: string;
}

type Out =
  | { readonly to: 'orders'; readonly text: string }
  | { readonly to: 'market'; readonly text: string }
  | { readonly to: 'tick'; readonly symbolIndex: number; readonly text1: string; readonly text2: string };

interface HttpReply {
  readonly status: number;
  readonly body: unknown;
}

const MAX_BODY = 1 << 20;
/** Endpoints that change state answer POST only; the rest also GET with `apikey` in the query. */
const COMMANDS = new Set(['placeorder', 'modifyorder', 'cancelorder']);
const LOCKSTEP_YIELD_STEPS = 4096;

class ExchangeSimServer implements ExchangeSim {
  private readonly o: ExchangeSimOptions;
  private readonly core: ExchangeCore;
  private readonly log: StateLog;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly lockstep: boolean;
  private readonly past: PastDays;
  private readonly batchSize: number;
  private readonly highWater: number;
  private readonly host: string;

  private muted = true;
  private out: Out[] = [];
  private fillRecords: LogRecord[] = [];
  private seq = 0;
  private acked = 0;
  private pending: Pending | undefined;
  private posDirty = false;
  private closed = false;
  private endSent = false;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nConnections = 0;
  private nCommands = 0;

  constructor(o: ExchangeSimOptions) {
    this.o = o;
    this.host = o.host ?? '127.0.0.1';
    this.lockstep = o.lockstep ?? false;
    this.batchSize = o.batchSize ?? 512;
    this.highWater = o.highWaterBytes ?? 1 << 20;
    const names = o.symbols ?? DEFAULT_SIM_SYMBOLS.map((s) => s.symbol);
    const specs = simSymbolSpecs(names);
    const tickRateScale = o.tickRateScale ?? 1;
    this.core = new ExchangeCore({
      seed: o.seed,
      date: o.date,
      symbols: specs,
      tickRateScale,
      ...(o.capitalRupees !== undefined ? { capitalPaise: Math.round(o.capitalRupees * 100) } : {}),
      ...(o.matching !== undefined ? { matching: o.matching } : {}),
      ...(o.lotSizes !== undefined ? { lotSizes: o.lotSizes } : {}),
      ...(o.stampClock !== undefined ? { stampClock: o.stampClock } : {}),
    });
    this.past = new PastDays(o.seed, tickRateScale);
    const header: LogHeader = { t: 'init', v: 1, seed: o.seed, date: o.date, symbols: specs.map((s) => s.symbol), tickRateScale, lockstep: this.lockstep, ...(o.lotSizes !== undefined ? { lotSizes: { ...o.lotSizes } } : {}) };
    const { log, records } = StateLog.open(o.stateDir, header, o.fsync ?? 'commands');
    this.log = log;
    this.core.onEvent((e) => this.onCoreEvent(e));
    try {
      this.replay(records);
    } catch (err) {
      log.close();
      throw err;
    }
    this.muted = false;
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true, autoPong: true, perMessageDeflate: false, maxPayload: 1 << 20 });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/ws' && path !== '/ws/') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port ?? 0, this.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get restUrl(): string {
    return `http://${this.host}:${this.port}/api/v1`;
  }

  get wsUrl(): string {
    return `ws://${this.host}:${this.port}/ws`;
  }

  stats(): ExchangeSimStats {
    return {
      ticks: this.core.position.ticks,
      seq: this.seq,
      acked: this.acked,
      ended: this.core.isEnded,
      connections: this.nConnections,
      orders: this.core.orderList().length,
      trades: this.core.tradeList().length,
      commands: this.nCommands,
    };
  }

  trade(symbol: string, exchange: string, pricePaise: number): void {
    if (this.closed) throw new Error('exchange simulator: closed');
    const i = this.core.table.index(symbol, exchange);
    const tick = i === undefined ? undefined : this.core.instruments[i]?.tickPaise;
    if (tick === undefined || !Number.isInteger(pricePaise) || pricePaise <= 0 || pricePaise % tick !== 0) {
      throw new Error(`exchange simulator: cannot trade ${exchange}:${symbol} at ${pricePaise} paise`);
    }
    this.log.append([{ t: 'trade', ...this.at(), symbol, exchange, px: pricePaise }], true);
    this.core.injectTrade(symbol, exchange, pricePaise);
    this.log.append(this.fillRecords.splice(0), false);
    this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const c of this.conns) {
      if (c.authTimer) clearTimeout(c.authTimer);
      c.ws.terminate();
    }
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.http.listening) {
      this.http.closeAllConnections();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
    }
    this.log.close();
  }

  // ------------------------------------------------------------------ durability

  /** Rebuild the state from the log: commands at their positions, then the last position. */
  private replay(records: readonly LogRecord[]): void {
    const logged: Extract<LogRecord, { t: 'fill' }>[] = [];
    let last: Extract<LogRecord, { t: 'pos' }> | undefined;
    // The pending message's `oseq` is the count when it was sent, before later commands.
    let oseqAtLast = 0;
    for (const r of records) {
      switch (r.t) {
        case 'init':
          throw new Error(`${this.log.path}: a second init record`);
        case 'place':
          this.core.advanceTo({ ticks: r.tick, nextMinuteMs: r.m });
          this.core.place(r.cmd);
          break;
        case 'modify':
          this.core.advanceTo({ ticks: r.tick, nextMinuteMs: r.m });
          this.core.modify(r.cmd);
          break;
        case 'cancel':
          this.core.advanceTo({ ticks: r.tick, nextMinuteMs: r.m });
          this.core.cancel(r.orderid);
          break;
        case 'trade':
          this.core.advanceTo({ ticks: r.tick, nextMinuteMs: r.m });
          this.core.injectTrade(r.symbol, r.exchange, r.px);
          break;
        case 'pos':
          this.core.advanceTo({ ticks: r.tick, nextMinuteMs: r.m });
          last = r;
          oseqAtLast = this.core.orderEventCount;
          break;
        case 'fill':
          logged.push(r);
          break;
      }
    }
    const trades = this.core.tradeList();
    const same =
      trades.length === logged.length &&
      trades.every((t, i) => {
        const f = logged[i];
        return f !== undefined && f.orderid === t.orderid && f.qty === t.qty && f.px === t.pricePaise && f.ms === t.timeMs;
      });
    if (!same) throw new Error(`${this.log.path}: replay produced ${trades.length} fills but the log holds ${logged.length} (or they differ); the simulator code or data changed`);
    if (last !== undefined) {
      this.seq = last.seq;
      this.acked = last.ack;
      if (last.seq > last.ack) this.pending = this.pendingOfLastStep(last.seq, oseqAtLast);
    }
  }

  private pendingOfLastStep(seq: number, oseq: number): Pending {
    const kind = this.core.lastStep;
    if (kind === 'clock') {
      const text = this.clockText(seq, oseq);
      return { seq, symbolIndex: -1, text1: text, text2: text };
    }
    if (kind === 'tick') return this.tickPending(seq, oseq);
    throw new Error(`${this.log.path}: message ${seq} is pending but the stream's last step was '${kind}'`);
  }

  private persistPosition(): void {
    const p = this.core.position;
    const recs = this.fillRecords;
    this.fillRecords = [];
    recs.push({ t: 'pos', tick: p.ticks, m: p.nextMinuteMs, seq: this.seq, ack: this.acked });
    this.log.append(recs, false);
    this.posDirty = false;
  }

  private onCoreEvent(e: ExchangeEvent): void {
    if (this.muted) return;
    if (e.kind === 'fill') {
      const t = e.trade;
      this.fillRecords.push({ t: 'fill', orderid: t.orderid, qty: t.qty, px: t.pricePaise, ms: t.timeMs });
      return;
    }
    this.out.push({ to: 'orders', text: this.orderUpdateText(e.order) });
  }

  // ------------------------------------------------------------------ streaming

  private isParticipant(c: Conn): boolean {
    return c.authed && c.subCount > 0;
  }

  private participants(): Conn[] {
    const list: Conn[] = [];
    for (const c of this.conns) if (this.isParticipant(c)) list.push(c);
    return list;
  }

  private kick(): void {
    if (this.closed || this.immediate !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      if (this.lockstep) this.settle();
      else this.freeRun();
    });
  }

  /** Free-running: batches of steps while anyone is subscribed, paused under back-pressure. */
  private freeRun(): void {
    if (this.closed || this.core.isEnded) return;
    const parts = this.participants();
    if (parts.length === 0) return;
    if (parts.some((c) => c.ws.bufferedAmount > this.highWater)) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.freeRun();
      }, 1);
      return;
    }
    for (let n = 0; n < this.batchSize; n++) {
      if (!this.stepInto(parts, false)) break;
    }
    this.persistPosition();
    this.flush();
    if (!this.core.isEnded) this.kick();
  }

  /**
   * One step; its messages go to the outbox. Returns false at the end of the stream, or (in
   * lockstep) once a sequenced message became pending.
   */
  private stepInto(parts: readonly Conn[], sequenced: boolean): boolean {
    const kind = this.core.step();
    switch (kind) {
      case 'clock': {
        if (sequenced) {
          const seq = ++this.seq;
          const text = this.clockText(seq, this.core.orderEventCount);
          this.pending = { seq, symbolIndex: -1, text1: text, text2: text };
          return false;
        }
        this.out.push({ to: 'market', text: this.clockText(0, 0) });
        return true;
      }
      case 'tick': {
        const i = this.core.cursor.symbolIndex;
        if (!parts.some((c) => c.subs[i] === 1)) return true;
        if (sequenced) {
          this.pending = this.tickPending(++this.seq, this.core.orderEventCount);
          return false;
        }
        const t = this.tickTexts(0, 0);
        this.out.push({ to: 'tick', symbolIndex: i, text1: t.text1, text2: t.text2 });
        return true;
      }
      case 'end':
        this.out.push({ to: 'market', text: this.endText() });
        this.endSent = true;
        return false;
    }
  }

  /**
   * Lockstep: when the pending message is acknowledged by everyone it was sent to, advance to
   * the next sequenced message; when nobody holds it (its receiver went away), send it again.
   */
  private settle(): void {
    if (this.closed) return;
    const parts = this.participants();
    const p = this.pending;
    if (p !== undefined) {
      const holders = parts.filter((c) => c.sentSeq === p.seq);
      if (holders.length === 0) {
        for (const c of parts) {
          if (p.symbolIndex >= 0 && c.subs[p.symbolIndex] !== 1) continue;
          c.ws.send(c.mode === 1 ? p.text1 : p.text2);
          c.sentSeq = p.seq;
        }
        return;
      }
      if (!holders.every((c) => c.ackedSeq >= p.seq)) return;
      this.acked = p.seq;
      this.pending = undefined;
      this.posDirty = true;
    }
    if (parts.length === 0 || this.core.isEnded) {
      if (this.posDirty) this.persistPosition();
      return;
    }
    let steps = 0;
    while (this.stepInto(parts, true)) {
      if (++steps >= LOCKSTEP_YIELD_STEPS) {
        // Many unsubscribed ticks in a row: persist what was done and let the loop breathe.
        this.persistPosition();
        this.flush();
        this.kick();
        return;
      }
    }
    this.persistPosition();
    this.flush();
    const np = this.pending;
    if (np !== undefined) {
      for (const c of parts) {
        if (!this.conns.has(c) || (np.symbolIndex >= 0 && c.subs[np.symbolIndex] !== 1)) continue;
        c.ws.send(c.mode === 1 ? np.text1 : np.text2);
        c.sentSeq = np.seq;
      }
    }
  }

  private flush(): void {
    const out = this.out;
    if (out.length === 0) return;
    this.out = [];
    for (const m of out) {
      for (const c of this.conns) {
        switch (m.to) {
          case 'orders':
            if (c.authed && c.orders) c.ws.send(m.text);
            break;
          case 'market':
            if (this.isParticipant(c)) c.ws.send(m.text);
            break;
          case 'tick':
            if (this.isParticipant(c) && c.subs[m.symbolIndex] === 1) c.ws.send(c.mode === 1 ? m.text1 : m.text2);
            break;
        }
      }
    }
  }

  /** Lockstep fields: the message's sequence number and the order updates emitted before it. */
  private head(seq: number, oseq: number): string {
    return this.lockstep && seq > 0 ? `"seq":${seq},"oseq":${oseq},` : '';
  }

  private clockText(seq: number, oseq: number): string {
    return `{"type":"sim_clock",${this.head(seq, oseq)}"timestamp":${this.core.clockMs}}`;
  }

  private endText(): string {
    return `{"type":"sim_end","timestamp":${this.core.sim.session.closeMs}}`;
  }

  private tickTexts(seq: number, oseq: number): { text1: string; text2: string } {
    const h = this.head(seq, oseq);
    return { text1: tickText(this.core.cursor, this.core.table, 1, h), text2: tickText(this.core.cursor, this.core.table, 2, h) };
  }

  private tickPending(seq: number, oseq: number): Pending {
    return { seq, symbolIndex: this.core.cursor.symbolIndex, ...this.tickTexts(seq, oseq) };
  }

  private orderUpdateText(o: ExOrder): string {
    return JSON.stringify({
      type: 'order_update',
      ...(this.lockstep ? { oseq: this.core.orderEventCount } : {}),
      user_id: 'sim',
      mode: 'live',
      broker: SIM_BROKER,
      orderid: o.orderid,
      symbol: o.symbol,
      exchange: o.exchange,
      action: o.side,
      quantity: o.qty,
      price: rupees(o.pricePaise),
      trigger_price: rupees(o.triggerPaise),
      pricetype: o.priceType,
      product: o.product,
      order_status: wireStatus(o.state),
      filled_quantity: o.filledQty,
      pending_quantity: o.state === 'CANCELLED' || o.state === 'REJECTED' ? 0 : o.qty - o.filledQty,
      average_price: o.filledQty === 0 ? 0 : Math.round(o.notionalPaise / o.filledQty) / 100,
      rejection_reason: '',
      timestamp: openAlgoTime(o.updatedMs),
    });
  }

  // ------------------------------------------------------------------ WebSocket

  private onConnection(ws: WebSocket): void {
    this.nConnections++;
    const conn: Conn = { ...newConn(ws, this.core.table.size), orders: false, sentSeq: 0, ackedSeq: 0 };
    armAuthTimer(conn, this.o.authGraceMs ?? 15_000);
    this.conns.add(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.onMessage(conn, isBinary ? '' : buf.toString());
    });
    ws.on('close', () => {
      if (conn.authTimer) clearTimeout(conn.authTimer);
      this.conns.delete(conn);
      this.kick();
    });
    ws.on('error', () => {
      /* the close event follows */
    });
  }

  private onMessage(conn: Conn, text: string): void {
    if (this.closed) return;
    const r = handleClientText(conn, text, this.o.apiKey, this.core.table);
    switch (r.kind) {
      case 'handled':
        this.kick(); // an unsubscribe may change who holds a pending lockstep message
        return;
      case 'subscribed':
        if (this.core.isEnded && this.endSent && r.ok > 0) conn.ws.send(this.endText());
        this.kick();
        return;
      case 'other':
        this.onOtherAction(conn, r.action, r.msg);
        return;
    }
  }

  private onOtherAction(conn: Conn, action: unknown, m: Readonly<Record<string, unknown>>): void {
    const requestId = typeof m.request_id === 'string' ? { request_id: m.request_id } : {};
    switch (action) {
      case 'subscribe_orders':
        conn.orders = true;
        // Lockstep extension: where the order-update count stands, so a trader that (re)subscribes
        // knows which `oseq`s were emitted before it listened (it reconciles those over REST).
        conn.ws.send(JSON.stringify({ type: 'subscribe_orders', status: 'success', message: 'Subscribed to order updates', ...(this.lockstep ? { oseq: this.core.orderEventCount } : {}), ...requestId }));
        return;
      case 'unsubscribe_orders':
        conn.orders = false;
        conn.ws.send(JSON.stringify({ type: 'unsubscribe_orders', status: 'success', message: 'Unsubscribed from order updates', ...requestId }));
        return;
      case 'sim_ack': {
        if (!this.lockstep) {
          conn.ws.send(errorMsg('INVALID_ACTION', 'sim_ack is only valid when the simulator runs in lockstep mode'));
          return;
        }
        const seq = m.seq;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) {
          conn.ws.send(errorMsg('INVALID_PARAMETERS', 'sim_ack needs a positive integer seq'));
          return;
        }
        if (seq <= conn.ackedSeq) return; // a repeat
        if (seq > conn.sentSeq) {
          conn.ws.send(errorMsg('INVALID_PARAMETERS', `sim_ack ${seq}: message ${seq} was not sent on this connection (last sent ${conn.sentSeq})`));
          return;
        }
        conn.ackedSeq = seq;
        if (this.pending?.seq === seq) this.kick();
        return;
      }
      default:
        invalidAction(conn, action);
    }
  }

  // ------------------------------------------------------------------ REST

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const send = (r: HttpReply): void => {
      if (res.headersSent) return;
      const body = JSON.stringify(r.body);
      res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/api\/v1\/([a-z]+)\/?$/.exec(url.pathname);
    const endpoint = m?.[1];
    if (endpoint === undefined || !(endpoint in this.endpoints)) {
      send({ status: 404, body: { status: 'error', message: `Unknown endpoint ${url.pathname}` } });
      return;
    }
    if (req.method === 'GET' && !COMMANDS.has(endpoint)) {
      send(this.dispatch(endpoint, Object.fromEntries(url.searchParams)));
      return;
    }
    if (req.method !== 'POST') {
      send({ status: 405, body: { status: 'error', message: 'Method not allowed' } });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send({ status: 413, body: { status: 'error', message: 'Request body too large' } });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      let body: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        send({ status: 400, body: { status: 'error', message: 'Invalid JSON in request body' } });
        return;
      }
      send(this.dispatch(endpoint, body));
    });
    req.on('error', () => {
      /* client went away */
    });
  }

  private dispatch(endpoint: string, body: unknown): HttpReply {
    if (this.closed) return { status: 503, body: { status: 'error', message: 'Simulator shutting down' } };
    const handler = this.endpoints[endpoint];
    if (handler === undefined) return { status: 404, body: { status: 'error', message: `Unknown endpoint ${endpoint}` } };
    try {
      return handler(body);
    } catch (err) {
      return { status: 500, body: { status: 'error', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** Every endpoint's first step: marshmallow-style validation (400), then the API key (403). */
  private parseAuthed<F extends Fields>(fields: F, body: unknown): { readonly ok: true; readonly value: Parsed<F> } | { readonly ok: false; readonly reply: HttpReply } {
    const r = loadSchema(fields, body);
    if (!r.ok) return { ok: false, reply: bad(r.message) };
    const apikey = (r.value as { apikey?: unknown }).apikey;
    const denied = this.badKey(typeof apikey === 'string' ? apikey : '');
    return denied === undefined ? { ok: true, value: r.value } : { ok: false, reply: denied };
  }

  private badKey(key: string): HttpReply | undefined {
    return key === this.o.apiKey ? undefined : { status: 403, body: { status: 'error', message: 'Invalid openalgo apikey' } };
  }

  private readonly endpoints: Record<string, ((body: unknown) => HttpReply) | undefined> = {
    ping: (body) => {
      const r = this.parseAuthed(ApiKeyFields, body);
      return r.ok ? ok({ data: { message: 'pong', broker: SIM_BROKER } }) : r.reply;
    },
    placeorder: (body) => {
      const r = this.parseAuthed(PlaceOrderFields, body);
      if (!r.ok) return r.reply;
      const cmd = orderTerms(r.value);
      return this.command({ t: 'place', ...this.at(), cmd }, () => this.core.place(cmd));
    },
    modifyorder: (body) => {
      const r = this.parseAuthed(ModifyOrderFields, body);
      if (!r.ok) return r.reply;
      const cmd: ModifyCommand = { orderid: r.value.orderid, ...orderTerms(r.value) };
      return this.command({ t: 'modify', ...this.at(), cmd }, () => this.core.modify(cmd));
    },
    cancelorder: (body) => {
      const r = this.parseAuthed(CancelOrderFields, body);
      if (!r.ok) return r.reply;
      const orderid = r.value.orderid;
      return this.command({ t: 'cancel', ...this.at(), orderid }, () => this.core.cancel(orderid));
    },
    orderstatus: (body) => {
      const r = this.parseAuthed(OrderStatusFields, body);
      if (!r.ok) return r.reply;
      const o = this.core.order(r.value.orderid);
      if (o === undefined) return { status: 404, body: { status: 'error', message: `Order ${r.value.orderid} not found` } };
      return ok({
        data: {
          action: o.side,
          // OpenAlgo: only when complete, and the FIRST fill's price (brokers.md §0.5).
          average_price: o.state === 'FILLED' ? rupees(o.firstFillPaise) : 0,
          exchange: o.exchange,
          order_status: wireStatus(o.state),
          orderid: o.orderid,
          price: o.priceType === 'MARKET' ? 0 : rupees(o.pricePaise),
          pricetype: o.priceType,
          product: o.product,
          quantity: o.qty,
          symbol: o.symbol,
          timestamp: openAlgoTime(o.placedMs),
          trigger_price: rupees(o.triggerPaise),
        },
      });
    },
    orderbook: (body) => {
      const r = this.parseAuthed(ApiKeyFields, body);
      if (!r.ok) return r.reply;
      const orders = this.core.orderList();
      const count = (f: (o: ExOrder) => boolean): number => orders.reduce((n, o) => n + (f(o) ? 1 : 0), 0);
      return ok({
        data: {
          orders: orders.map((o) => ({
            action: o.side,
            symbol: o.symbol,
            exchange: o.exchange,
            orderid: o.orderid,
            product: o.product,
            quantity: o.qty,
            price: o.priceType === 'MARKET' ? 0 : rupees(o.pricePaise),
            pricetype: o.priceType,
            order_status: wireStatus(o.state),
            trigger_price: rupees(o.triggerPaise),
            timestamp: openAlgoTime(o.placedMs),
          })),
          statistics: {
            total_buy_orders: count((o) => o.side === 'BUY'),
            total_sell_orders: count((o) => o.side === 'SELL'),
            total_completed_orders: count((o) => o.state === 'FILLED'),
            total_open_orders: count((o) => wireStatus(o.state) === 'open' || wireStatus(o.state) === 'trigger pending'),
            total_rejected_orders: count((o) => o.state === 'REJECTED'),
          },
        },
      });
    },
    tradebook: (body) => {
      const r = this.parseAuthed(ApiKeyFields, body);
      if (!r.ok) return r.reply;
      return ok({
        data: this.core.tradeList().map((t) => ({
          action: t.side,
          symbol: t.symbol,
          exchange: t.exchange,
          orderid: t.orderid,
          product: t.product,
          quantity: t.qty,
          average_price: rupees(t.pricePaise),
          timestamp: openAlgoTime(t.timeMs),
          trade_value: rupees(t.qty * t.pricePaise),
        })),
      });
    },
    positionbook: (body) => {
      const r = this.parseAuthed(ApiKeyFields, body);
      if (!r.ok) return r.reply;
      return ok({
        data: this.core.positionList().map((p) => ({
          symbol: p.symbol,
          exchange: p.exchange,
          product: p.product,
          quantity: String(p.netQty),
          average_price: rupeeString(p.netQty === 0 ? 0 : p.openCostPaise / Math.abs(p.netQty)),
          ltp: rupeeString(this.core.ltp(p.symbolIndex)),
          pnl: rupeeString(p.realisedPaise + this.core.unrealisedPaise(p)),
        })),
      });
    },
    openposition: (body) => {
      const r = this.parseAuthed(OpenPositionFields, body);
      if (!r.ok) return r.reply;
      const v = r.value;
      const p = this.core.positionList().find((x) => x.symbol === v.symbol && x.exchange === v.exchange && x.product === v.product);
      return ok({ quantity: String(p?.netQty ?? 0) });
    },
    funds: (body) => {
      const r = this.parseAuthed(ApiKeyFields, body);
      if (!r.ok) return r.reply;
      const f = this.core.funds();
      return ok({
        data: {
          availablecash: rupeeString(f.availablePaise),
          collateral: '0.00',
          m2mrealized: rupeeString(f.realisedPaise),
          m2munrealized: rupeeString(f.unrealisedPaise),
          utiliseddebits: rupeeString(f.utilisedPaise),
        },
      });
    },
    history: (body) => {
      const r = this.parseAuthed(HistoryFields, body);
      if (!r.ok) return r.reply;
      return this.history(r.value.symbol, r.value.exchange, r.value.interval, r.value.start_date, r.value.end_date);
    },
  };

  private at(): { tick: number; m: number } {
    const p = this.core.position;
    return { tick: p.ticks, m: p.nextMinuteMs };
  }

  /** Persist the command, apply it, push its order updates, answer. */
  private command(record: LogRecord, apply: () => ReturnType<ExchangeCore['place']>): HttpReply {
    this.nCommands++;
    this.log.append([record], true);
    const result = apply();
    this.flush();
    if (!result.ok) return { status: result.httpStatus, body: { status: 'error', message: result.message } };
    return ok({ orderid: result.orderid });
  }

  private history(symbol: string, exchange: string, interval: Parameters<typeof rollUp>[1], from: string, to: string): HttpReply {
    const index = this.core.table.index(symbol, exchange);
    const spec = index === undefined ? undefined : this.core.sim.symbols[index];
    if (index === undefined || spec === undefined) return bad(`Symbol ${symbol} not found for exchange ${exchange}`);
    if (from > to) return bad('start_date must not be after end_date');
    const today = this.core.sim.date;
    const session = this.core.sim.session;
    const rows: { timestamp: number; open: number; high: number; low: number; close: number; volume: number; oi: number }[] = [];
    const push = (bars: ReturnType<typeof rollUp>): void => {
      for (const b of bars) {
        rows.push({ timestamp: Math.floor(b.timeMs / 1000), open: rupees(b.open), high: rupees(b.high), low: rupees(b.low), close: rupees(b.close), volume: b.volume, oi: 0 });
      }
    };
    const lastPast = to < today ? to : previousDay(today);
    if (from <= lastPast) {
      for (const d of this.past.sessionDates(from, lastPast, this.o.historyMaxDays ?? 60)) {
        const day = this.past.day(spec, d);
        push(rollUp(day.bars, interval, day.openMs, day.closeMs, day.closeMs));
      }
    }
    if (from <= today && today <= to) {
      // The running day includes its forming candle, as brokers' intraday history does; in
      // lockstep it is as of the last acknowledged message (a tick sent but not acknowledged will
      // be sent again, so a recovering trader must not count it twice).
      const p = this.pending;
      const minutes = this.lockstep && p !== undefined && p.symbolIndex === index ? this.core.bars.ofWithoutLastTick(index) : this.core.bars.of(index);
      push(rollUp(minutes, interval, session.openMs, session.closeMs, this.core.nowMs(), true));
    }
    return ok({ data: rows });
  }
}

function ok(body: Record<string, unknown>): HttpReply {
  return { status: 200, body: { status: 'success', ...body } };
}

function bad(message: string): HttpReply {
  return { status: 400, body: { status: 'error', message } };
}

function previousDay(date: string): string {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) - 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** An order's terms from OpenAlgo's wire fields (/placeorder and /modifyorder name them alike). */
function orderTerms(v: {
  readonly strategy: string;
  readonly symbol: string;
  readonly exchange: PlaceCommand['exchange'];
  readonly action: PlaceCommand['side'];
  readonly quantity: number;
  readonly product: PlaceCommand['product'];
  readonly pricetype: PlaceCommand['priceType'];
  readonly price: number;
  readonly trigger_price: number;
}): PlaceCommand {
  return {
    strategy: v.strategy,
    symbol: v.symbol,
    exchange: v.exchange,
    side: v.action,
    qty: v.quantity,
    product: v.product,
    priceType: v.pricetype,
    price: v.price,
    triggerPrice: v.trigger_price,
  };
}
