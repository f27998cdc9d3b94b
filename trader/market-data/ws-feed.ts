import { WebSocket, type RawData } from 'ws';
import type { InstrumentRef } from '../domain/instrument';
import { FeedAuthError, type FeedCounters, type FeedHandlers, type FeedStatus, type MarketFeed } from './feed';
import { OpenAlgoDecoder, authenticateMessage, simAckMessage, subscribeMessage, type QuoteMode } from './openalgo-ws';

/**
 * MarketFeed over OpenAlgo's WebSocket proxy (or the local simulator, which speaks the same
 * protocol). Per connection: open → authenticate → subscribe → stream. Ticks are decoded by the
 * codec's fast path and handed to `onTick` synchronously, inside the socket's message handler.
 *
 * Resilience (reliability.md §4 cases 15–17):
 *  - reconnect with exponential backoff and jitter (delay = cap·(0.5 + 0.5·random), cap doubling
 *    from `initialMs` to `maxMs`, reset after a successful subscribe); every reconnect
 *    re-authenticates and re-subscribes, since OpenAlgo never restores subscriptions;
 *  - ping/pong watchdog: protocol pings every `pingIntervalMs`; no pong within `pongTimeoutMs`
 *    → terminate (a half-open socket) and reconnect;
 *  - stall watchdog: subscribed but no frame for `stallTimeoutMs` → terminate and reconnect;
 *  - malformed frames are counted and reported, the connection stays up;
 *  - the first tick after a reconnect emits a `gap` status with the last tick time before it;
 *  - AUTHENTICATION_ERROR is fatal (retrying a wrong key cannot help): `start` rejects with
 *    FeedAuthError, or a `fatal` status is emitted if it happens on a later reconnect.
 *
 * Lockstep (exchange simulator, trader/exchange-sim/README.md): a message with `seq` n is
 * delivered once (onTick/onClock, then onLockstep(n)); `ack(n)` sends `sim_ack`. A message
 * the server sends again after a reconnect (seq ≤ the last delivered) is not delivered again:
 * it is acknowledged at once if the consumer already acked it, else its pending ack() goes out
 * on the new socket. The stall watchdog does not fire while the feed owes an acknowledgement.
 */
export interface WsFeedOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly instruments: readonly InstrumentRef[];
  /** 1 LTP, 2 Quote (default: carries volume, bid, ask), 3 Depth. */
  readonly mode?: QuoteMode;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly factor?: number };
  /** Uniform [0,1) source for jitter; inject a seeded one for deterministic tests. */
  readonly random?: () => number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** 0 disables. Default 30 000. */
  readonly stallTimeoutMs?: number;
  /** Connect + authenticate + subscribe must finish within this (default 10 000). */
  readonly handshakeTimeoutMs?: number;
  /** Monotonic ms clock for the watchdogs (default performance.now). */
  readonly now?: () => number;
}

type State = 'idle' | 'connecting' | 'authenticating' | 'subscribing' | 'streaming' | 'waiting' | 'stopped' | 'failed';

const SAMPLE_CHARS = 200;

export class WsFeed implements MarketFeed {
  private readonly opts: WsFeedOptions;
  private readonly decoder = new OpenAlgoDecoder();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  private handlers: FeedHandlers | undefined;
  private state: State = 'idle';
  private ws: WebSocket | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private attemptStartedAt = 0;
  private lastFrameAt = 0;
  private lastPingAt = 0;
  private pendingPingAt = NaN;
  private lastTickMs = NaN;
  private gapPending = false;
  private ended = false;
  /** Lockstep: newest sequence number delivered to the consumer / acknowledged by it. */
  private deliveredSeq = 0;
  private ackedSeq = 0;
  private startResolve: (() => void) | undefined;
  private startReject: ((e: Error) => void) | undefined;

  private nMessages = 0;
  private nTicks = 0;
  private nMalformed = 0;
  private nReconnects = 0;
  private nBytes = 0;
  private nServerErrors = 0;
  private nWatchdog = 0;

  constructor(opts: WsFeedOptions) {
    if (opts.instruments.length === 0) throw new Error('ws feed: no instruments to subscribe');
    this.opts = opts;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => performance.now());
    this.pingIntervalMs = opts.pingIntervalMs ?? 5_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 5_000;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 30_000;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000;
  }

  start(handlers: FeedHandlers): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error('ws feed: already started'));
    this.handlers = handlers;
    const p = new Promise<void>((resolve, reject) => {
      this.startResolve = resolve;
      this.startReject = reject;
    });
    this.connect();
    return p;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasFailed = this.state === 'failed';
    this.state = 'stopped';
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'client stop');
      });
    }
    this.startReject?.(new Error('ws feed: stopped before subscribing'));
    this.startResolve = undefined;
    this.startReject = undefined;
    if (!wasFailed) this.emit({ kind: 'stopped' });
  }

  ack(seq: number): void {
    if (!(seq > this.ackedSeq) || seq > this.deliveredSeq) return;
    this.ackedSeq = seq;
    this.sendAck(seq);
  }

  private sendAck(seq: number): void {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN || this.state !== 'streaming') return;
    ws.send(simAckMessage(seq));
    // The server is silent until it has our acknowledgement: the stall clock restarts here.
    this.lastFrameAt = this.now();
  }

  /**
   * A sequenced message: true when it is new and must be delivered. A repeat (sent again after a
   * reconnect) is answered with the consumer's acknowledgement if it was already given.
   */
  private lockstepNew(seq: number): boolean {
    if (seq === 0) return true;
    if (seq > this.deliveredSeq) return true;
    if (seq <= this.ackedSeq) this.sendAck(seq);
    return false;
  }

  private lockstepDelivered(seq: number, orderEvents: number): void {
    if (seq === 0) return;
    this.deliveredSeq = seq;
    const h = this.handlers;
    if (h?.onLockstep !== undefined) h.onLockstep(seq, orderEvents);
    else this.ack(seq);
  }

  counters(): FeedCounters {
    return {
      messages: this.nMessages,
      ticks: this.nTicks,
      malformed: this.nMalformed,
      reconnects: this.nReconnects,
      bytes: this.nBytes,
      serverErrors: this.nServerErrors,
      watchdogTerminations: this.nWatchdog,
    };
  }

  // ------------------------------------------------------------------ connection

  private connect(): void {
    this.attempt++;
    this.state = 'connecting';
    this.attemptStartedAt = this.now();
    this.emit({ kind: 'connecting', attempt: this.attempt, url: this.opts.url });
    const ws = new WebSocket(this.opts.url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: this.handshakeTimeoutMs });
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.state = 'authenticating';
      this.lastFrameAt = this.now();
      this.lastPingAt = this.lastFrameAt;
      this.pendingPingAt = NaN;
      ws.send(authenticateMessage(this.opts.apiKey));
      this.startWatchdog();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.ws !== ws) return;
      this.onFrame(data, isBinary);
    });
    ws.on('pong', () => {
      this.pendingPingAt = NaN;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.onClose(code, reason.toString());
    });
    ws.on('error', () => {
      /* 'close' always follows; the code says enough */
    });
  }

  private onClose(code: number, reason: string): void {
    this.ws = undefined;
    this.clearTimers();
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.emit({ kind: 'disconnected', code, reason });
    if (!Number.isNaN(this.lastTickMs)) this.gapPending = true;
    if (this.ended) {
      this.state = 'waiting';
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const b = this.opts.backoff ?? {};
    const initial = b.initialMs ?? 250;
    const max = b.maxMs ?? 30_000;
    const factor = b.factor ?? 2;
    const cap = Math.min(max, initial * Math.pow(factor, Math.max(0, this.attempt - 1)));
    const delayMs = Math.round(cap * (0.5 + 0.5 * this.random()));
    this.state = 'waiting';
    this.nReconnects++;
    this.emit({ kind: 'reconnect_scheduled', attempt: this.attempt + 1, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state === 'waiting') this.connect();
    }, delayMs);
  }

  private fail(error: Error): void {
    this.state = 'failed';
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
    this.emit({ kind: 'fatal', error });
    if (this.startReject) {
      this.startReject(error);
      this.startResolve = undefined;
      this.startReject = undefined;
    }
  }

  private terminate(which: 'pong' | 'stall', silentMs: number): void {
    this.nWatchdog++;
    this.emit({ kind: 'watchdog', which, silentMs: Math.round(silentMs) });
    this.ws?.terminate();
  }

  private startWatchdog(): void {
    const limits = [this.pingIntervalMs, this.pongTimeoutMs, this.handshakeTimeoutMs];
    if (this.stallTimeoutMs > 0) limits.push(this.stallTimeoutMs);
    const every = Math.max(5, Math.floor(Math.min(...limits) / 4));
    this.watchdog = setInterval(() => this.checkWatchdog(), every);
  }

  private checkWatchdog(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const now = this.now();
    if (!Number.isNaN(this.pendingPingAt)) {
      if (now - this.pendingPingAt >= this.pongTimeoutMs) return this.terminate('pong', now - this.pendingPingAt);
    } else if (now - this.lastPingAt >= this.pingIntervalMs) {
      this.lastPingAt = now;
      this.pendingPingAt = now;
      ws.ping();
    }
    if (this.state !== 'streaming' && now - this.attemptStartedAt >= this.handshakeTimeoutMs) {
      return this.terminate('stall', now - this.lastFrameAt);
    }
    const owesAck = this.deliveredSeq > this.ackedSeq;
    if (this.state === 'streaming' && !this.ended && !owesAck && this.stallTimeoutMs > 0 && now - this.lastFrameAt >= this.stallTimeoutMs) {
      this.terminate('stall', now - this.lastFrameAt);
    }
  }

  private clearTimers(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  // ------------------------------------------------------------------ frames

  private onFrame(data: RawData, isBinary: boolean): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.nMessages++;
    this.nBytes += buf.length;
    this.lastFrameAt = this.now();
    const text = isBinary ? '' : buf.toString();
    const dec = this.decoder;
    const h = this.handlers;
    if (!h) return;
    switch (dec.decode(text)) {
      case 'market_data': {
        const t = dec.tick;
        const seq = t.seq;
        const oseq = t.oseq;
        if (!this.lockstepNew(seq)) return;
        this.nTicks++;
        if (this.gapPending) {
          this.gapPending = false;
          this.emit({ kind: 'gap', lastTickMs: this.lastTickMs, firstTickMs: t.timeMs, reconnects: this.nReconnects });
        }
        this.lastTickMs = t.timeMs;
        h.onTick(t.symbol, t.exchange, t.timeMs, t.price, t.volume, t.bid, t.ask);
        this.lockstepDelivered(seq, oseq);
        return;
      }
      case 'sim_clock': {
        const seq = dec.seq;
        const oseq = dec.oseq;
        if (!this.lockstepNew(seq)) return;
        h.onClock?.(dec.clockMs);
        this.lockstepDelivered(seq, oseq);
        return;
      }
      case 'sim_end':
        this.ended = true;
        h.onEnd?.(dec.clockMs);
        return;
      case 'malformed':
        this.nMalformed++;
        this.emit({ kind: 'malformed', reason: dec.error, sample: text.slice(0, SAMPLE_CHARS) });
        return;
      case 'control':
        this.onControl();
        return;
    }
  }

  private onControl(): void {
    const c = this.decoder.control;
    const ws = this.ws;
    switch (c.kind) {
      case 'auth':
        if (c.msg.status !== 'success') {
          return this.fail(new FeedAuthError(`OpenAlgo WebSocket rejected authentication: ${c.msg.message ?? c.msg.status}`));
        }
        if (this.state === 'authenticating' && ws) {
          this.state = 'subscribing';
          ws.send(subscribeMessage(this.opts.instruments, this.opts.mode ?? 2, `tfl-${this.attempt}`));
        }
        return;
      case 'subscribe': {
        const failed = (c.msg.subscriptions ?? []).filter((s) => s.status !== 'success').map((s) => `${s.exchange}:${s.symbol} (${s.message ?? s.status})`);
        if (c.msg.status === 'error') {
          return this.fail(new Error(`OpenAlgo WebSocket subscribed nothing: ${failed.join(', ') || (c.msg.message ?? 'error')}`));
        }
        this.state = 'streaming';
        this.attempt = 0;
        this.lastFrameAt = this.now();
        this.emit({ kind: 'subscribed', symbols: this.opts.instruments.length - failed.length, failed });
        if (this.startResolve) {
          this.startResolve();
          this.startResolve = undefined;
          this.startReject = undefined;
        }
        return;
      }
      case 'error':
        this.nServerErrors++;
        if (c.msg.code === 'AUTHENTICATION_ERROR') {
          return this.fail(new FeedAuthError(`OpenAlgo WebSocket rejected the API key (${c.msg.code}: ${c.msg.message ?? 'no message'})`));
        }
        this.emit({ kind: 'server_error', code: c.msg.code, message: c.msg.message ?? '' });
        return;
      case 'unsubscribe':
      case 'pong':
      case 'other':
        return;
      default: {
        const never: never = c;
        return never;
      }
    }
  }

  private emit(s: FeedStatus): void {
    this.handlers?.onStatus?.(s);
  }
}
