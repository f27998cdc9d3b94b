import { WebSocket, type RawData } from 'ws';
import {
  AuthAckSchema,
  ErrorMessageSchema,
  OrderUpdateMessageSchema,
  SubscribeOrdersAckSchema,
  authenticateMessage,
  subscribeOrdersMessage,
  type OrderUpdateMessage,
} from '../../market-data/openalgo-ws';
import type { BrokerStatus } from '../port';
import { describeZodError } from './wire';

/**
 * OpenAlgo's account-wide order stream (brokers.md §2): authenticate, `subscribe_orders`, then
 * `order_update` frames. Reconnects forever with capped exponential backoff and jitter until
 * stopped; a protocol ping with a pong deadline catches half-open sockets. Every successful
 * (re)subscription calls `onSubscribed`, which the adapter answers with a full reconcile: frames
 * sent while we were away are never replayed by the server.
 */
export interface OrderStreamOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly handshakeTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly random?: () => number;
  readonly onUpdate: (msg: OrderUpdateMessage) => void;
  /** `oseq`: the simulator's order-update count at subscription (lockstep extension), if sent. */
  readonly onSubscribed: (oseq: number | undefined) => void;
  readonly onStatus: (s: BrokerStatus) => void;
}

export class OrderStream {
  private ws: WebSocket | undefined;
  private stopped = true;
  private subscribed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingSentAt = Number.NaN;
  private readonly random: () => number;
  private firstWaiters: (() => void)[] = [];
  /** Frames that failed validation (the connection stays up). */
  malformed = 0;

  constructor(private readonly opts: OrderStreamOptions) {
    this.random = opts.random ?? Math.random;
  }

  get isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Connect; resolves at the first subscription or after `waitMs`, whichever comes first. */
  start(waitMs: number): Promise<boolean> {
    if (this.stopped) {
      this.stopped = false;
      this.connect();
    }
    if (this.subscribed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.firstWaiters = this.firstWaiters.filter((w) => w !== done);
        resolve(false);
      }, waitMs);
      const done = (): void => {
        clearTimeout(t);
        resolve(true);
      };
      this.firstWaiters.push(done);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribed = false;
    this.clearTimers();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1_000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client stop');
    });
  }

  private connect(): void {
    this.attempt += 1;
    const ws = new WebSocket(this.opts.url, { perMessageDeflate: false, handshakeTimeout: this.opts.handshakeTimeoutMs });
    this.ws = ws;
    this.handshakeTimer = setTimeout(() => {
      if (this.ws === ws && !this.subscribed) ws.terminate();
    }, this.opts.handshakeTimeoutMs);
    ws.on('open', () => {
      if (this.ws !== ws) return;
      ws.send(authenticateMessage(this.opts.apiKey));
      this.pingSentAt = Number.NaN;
      this.pingTimer = setInterval(() => this.checkPing(ws), Math.max(10, Math.min(this.opts.pingIntervalMs, this.opts.pongTimeoutMs) / 2));
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.ws !== ws || isBinary) return;
      this.onFrame(ws, rawText(data));
    });
    ws.on('pong', () => {
      this.pingSentAt = Number.NaN;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const was = this.subscribed;
      this.subscribed = false;
      this.clearTimers();
      if (this.stopped) return;
      if (was) this.opts.onStatus({ kind: 'stream', state: 'disconnected', message: `order stream closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})` });
      this.scheduleReconnect();
    });
    ws.on('error', () => {
      /* 'close' follows */
    });
  }

  private lastPingAt = 0;
  private checkPing(ws: WebSocket): void {
    const now = performance.now();
    if (!Number.isNaN(this.pingSentAt)) {
      if (now - this.pingSentAt > this.opts.pongTimeoutMs) ws.terminate(); // half-open
      return;
    }
    if (now - this.lastPingAt >= this.opts.pingIntervalMs) {
      this.lastPingAt = now;
      this.pingSentAt = now;
      ws.ping();
    }
  }

  private onFrame(ws: WebSocket, text: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.badFrame('order stream: frame is not JSON');
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.badFrame('order stream: frame is not an object');
      return;
    }
    const type = (v as { type?: unknown }).type;
    switch (type) {
      case 'order_update': {
        const r = OrderUpdateMessageSchema.safeParse(v);
        if (!r.success) this.badFrame(`order_update: ${describeZodError(r.error)}`);
        else this.opts.onUpdate(r.data);
        return;
      }
      case 'auth': {
        const r = AuthAckSchema.safeParse(v);
        if (r.success && r.data.status === 'success') ws.send(subscribeOrdersMessage('orders'));
        else this.refused(ws, `authentication refused: ${r.success ? (r.data.message ?? r.data.status) : 'malformed ack'}`);
        return;
      }
      case 'subscribe_orders': {
        const r = SubscribeOrdersAckSchema.safeParse(v);
        if (!r.success || r.data.status !== 'success') {
          this.opts.onStatus({ kind: 'unavailable', source: 'order stream', message: `subscribe_orders failed: ${r.success ? (r.data.message ?? r.data.status) : 'malformed ack'}` });
          ws.terminate();
          return;
        }
        this.subscribed = true;
        this.attempt = 0;
        if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
        this.handshakeTimer = undefined;
        this.opts.onStatus({ kind: 'stream', state: 'connected', message: 'order stream subscribed' });
        for (const w of this.firstWaiters.splice(0)) w();
        this.opts.onSubscribed(r.success ? r.data.oseq : undefined);
        return;
      }
      case undefined: {
        const r = ErrorMessageSchema.safeParse(v);
        if (!r.success) {
          this.badFrame(`order stream: untyped frame: ${describeZodError(r.error)}`);
          return;
        }
        if (r.data.code === 'AUTHENTICATION_ERROR') this.refused(ws, r.data.message ?? r.data.code);
        else this.opts.onStatus({ kind: 'unavailable', source: 'order stream', message: `${r.data.code}: ${r.data.message ?? ''}` });
        return;
      }
      default:
        return; // pong, broker_info, market data on a shared socket: not ours
    }
  }

  private refused(ws: WebSocket, message: string): void {
    this.opts.onStatus({ kind: 'auth', source: 'order stream', message });
    this.attempt = Math.max(this.attempt, 30); // a wrong key does not heal fast: retry at the slowest pace
    ws.terminate();
  }

  private badFrame(message: string): void {
    this.malformed += 1;
    this.opts.onStatus({ kind: 'malformed', source: 'order stream', message });
  }

  private scheduleReconnect(): void {
    const { initialMs, maxMs } = this.opts.reconnect;
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, this.attempt - 1)));
    const delayMs = Math.round(cap * (0.5 + 0.5 * this.random()));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  private clearTimers(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.handshakeTimer = undefined;
    this.pingTimer = undefined;
    this.pingSentAt = Number.NaN;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
