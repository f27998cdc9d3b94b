import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MINUTE_MS } from '../../domain/time';
import type { MarketSimulator } from './generator';
import { Prng } from './prng';
import { SymbolTable, armAuthTimer, handleClientText, invalidAction, newConn, tickText, type ProtocolConn } from './protocol';

/**
 * The simulator served over a local WebSocket in OpenAlgo's proxy protocol (brokers.md §2), so
 * paper mode exercises the same client, sockets and reconnects as live. See README.md in this
 * folder for the protocol, the simulator-only extensions (`sim_clock`, `sim_end`), speeds and
 * fault injection.
 */

export type SimSpeed = 'max' | 'realtime' | number;

export type MalformedKind = 'non_json' | 'nan_price' | 'negative_price' | 'unknown_symbol' | 'duplicate' | 'out_of_order';
export const MALFORMED_KINDS: readonly MalformedKind[] = ['non_json', 'nan_price', 'negative_price', 'unknown_symbol', 'duplicate', 'out_of_order'];

export interface SimFaults {
  /**
   * Drop every connection (socket destroyed, no close frame: the client sees 1006) once the
   * stream has sent this many ticks. Each entry fires once. Ticks already sent are flushed
   * to the client first (a ping/pong round trip), so with max speed's pause-while-nobody-listens
   * a reconnecting client misses nothing and runs stay deterministic.
   */
  readonly terminateAtTicks?: readonly number[];
  /** Go half-open once the stream has sent this many ticks: stop sending and stop answering pings. */
  readonly silentAtTicks?: readonly number[];
  /** Probability per tick of injecting one bad message before it (seeded; default 0). */
  readonly malformedRate?: number;
  readonly malformedSeed?: number;
  readonly malformedKinds?: readonly MalformedKind[];
}

export interface SimServerOptions {
  readonly simulator: MarketSimulator;
  /** The key a client must present in `authenticate`. */
  readonly apiKey: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port; read `port`/`url` after start). */
  readonly port?: number;
  /** 'max' (default): as fast as the client takes them; 'realtime' = 1; a number paces on tick time. */
  readonly speed?: SimSpeed;
  readonly faults?: SimFaults;
  /** Frames per event-loop turn at max speed (default 512). */
  readonly batchSize?: number;
  /** Pause sending to a client while this much is queued on its socket (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Close unauthenticated sockets after this long with 4401 (default 15 000, as OpenAlgo). */
  readonly authGraceMs?: number;
  /** Monotonic wall clock for pacing (ms); injected for tests. */
  readonly now?: () => number;
}

export interface SimServerStats {
  /** Ticks taken from the generator and sent (the stream position). */
  readonly ticksSent: number;
  readonly connections: number;
  readonly terminations: number;
  readonly silences: number;
  readonly injected: Readonly<Record<MalformedKind, number>>;
  readonly ended: boolean;
}

const UNKNOWN_SYMBOL = 'ZZSIMFAKE';

type Conn = ProtocolConn & {
  silent: boolean;
  dropping: boolean;
};

export class SimServer {
  readonly host: string;
  private readonly wss: WebSocketServer;
  private readonly sim: MarketSimulator;
  private readonly apiKey: string;
  private readonly conns = new Set<Conn>();
  private readonly cursor;
  private readonly factor: number; // 0 = max
  private readonly batchSize: number;
  private readonly highWater: number;
  private readonly authGraceMs: number;
  private readonly now: () => number;
  private readonly terminateAt: number[];
  private readonly silentAt: number[];
  private readonly malformedRate: number;
  private readonly malformedKinds: readonly MalformedKind[];
  private readonly faultRng: Prng;
  private readonly table: SymbolTable;
  private readonly lastMsg: (string | undefined)[];
  private readonly prevMsg: (string | undefined)[];
  private readonly injected: Record<MalformedKind, number> = {
    non_json: 0,
    nan_price: 0,
    negative_price: 0,
    unknown_symbol: 0,
    duplicate: 0,
    out_of_order: 0,
  };

  private have = false;
  private sent = 0;
  private ended = false;
  private closed = false;
  private nextMinuteMs: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private anchorWall = NaN;
  private anchorSim = NaN;
  private connections = 0;
  private terminations = 0;
  private silences = 0;
  private readonly boundPump = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.pump();
  };

  private constructor(opts: SimServerOptions, wss: WebSocketServer, host: string) {
    this.wss = wss;
    this.host = host;
    this.sim = opts.simulator;
    this.apiKey = opts.apiKey;
    this.cursor = this.sim.cursor();
    const speed = opts.speed ?? 'max';
    this.factor = speed === 'max' ? 0 : speed === 'realtime' ? 1 : speed;
    if (!(this.factor >= 0) || !Number.isFinite(this.factor)) throw new Error(`simulator server: bad speed ${String(speed)}`);
    this.batchSize = opts.batchSize ?? 512;
    this.highWater = opts.highWaterBytes ?? 1 << 20;
    this.authGraceMs = opts.authGraceMs ?? 15_000;
    this.now = opts.now ?? (() => performance.now());
    const f = opts.faults ?? {};
    this.terminateAt = [...(f.terminateAtTicks ?? [])].sort((a, b) => a - b);
    this.silentAt = [...(f.silentAtTicks ?? [])].sort((a, b) => a - b);
    this.malformedRate = f.malformedRate ?? 0;
    this.malformedKinds = f.malformedKinds ?? MALFORMED_KINDS;
    this.faultRng = new Prng(f.malformedSeed ?? 1);
    this.table = new SymbolTable(this.sim.symbols);
    this.lastMsg = this.sim.symbols.map(() => undefined);
    this.prevMsg = this.sim.symbols.map(() => undefined);
    this.nextMinuteMs = this.sim.session.openMs + MINUTE_MS;
    wss.on('connection', (ws) => this.onConnection(ws));
  }

  /** Start listening (127.0.0.1, ephemeral port by default). */
  static async start(opts: SimServerOptions): Promise<SimServer> {
    const host = opts.host ?? '127.0.0.1';
    const wss = new WebSocketServer({ host, port: opts.port ?? 0, autoPong: false, perMessageDeflate: false, maxPayload: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new SimServer(opts, wss, host);
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://${this.host}:${this.port}`;
  }

  stats(): SimServerStats {
    return {
      ticksSent: this.sent,
      connections: this.connections,
      terminations: this.terminations,
      silences: this.silences,
      injected: { ...this.injected },
      ended: this.ended,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unschedule();
    for (const c of this.conns) {
      if (c.authTimer) clearTimeout(c.authTimer);
      c.ws.terminate();
    }
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ------------------------------------------------------------------ protocol

  private onConnection(ws: WebSocket): void {
    this.connections++;
    const conn: Conn = { ...newConn(ws, this.sim.symbols.length), silent: false, dropping: false };
    armAuthTimer(conn, this.authGraceMs);
    this.conns.add(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (conn.silent) return;
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.onMessage(conn, isBinary ? '' : buf.toString());
    });
    ws.on('ping', (data: Buffer) => {
      if (!conn.silent) ws.pong(data);
    });
    ws.on('pong', () => {
      if (conn.dropping) ws.terminate();
    });
    ws.on('close', () => {
      if (conn.authTimer) clearTimeout(conn.authTimer);
      this.conns.delete(conn);
      // Another client may still be listening; otherwise the stream stays paused.
      this.kick();
    });
    ws.on('error', () => {
      /* the close event follows; nothing else to do */
    });
  }

  private onMessage(conn: Conn, text: string): void {
    const r = handleClientText(conn, text, this.apiKey, this.table);
    switch (r.kind) {
      case 'handled':
        return;
      case 'subscribed':
        if (this.ended && r.ok > 0) conn.ws.send(this.endText());
        this.kick();
        return;
      case 'other':
        invalidAction(conn, r.action);
        return;
    }
  }

  // ------------------------------------------------------------------ streaming

  private isActive(c: Conn): boolean {
    return c.authed && c.subCount > 0 && !c.silent && !c.dropping;
  }

  private kick(): void {
    if (this.closed || this.ended || this.immediate !== undefined) return;
    if (this.timer !== undefined) {
      // A pacing timer is correct as it is; a drain-poll timer can be cut short.
      if (this.factor > 0) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(this.boundPump);
  }

  private unschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private scheduleIn(ms: number): void {
    this.timer = setTimeout(this.boundPump, ms);
  }

  private pump(): void {
    if (this.closed || this.ended) return;
    let active = 0;
    let congested = false;
    for (const c of this.conns) {
      if (!this.isActive(c)) continue;
      active++;
      if (c.ws.bufferedAmount > this.highWater) congested = true;
    }
    if (active === 0) {
      // Nobody listening: pause (the stream position holds) and re-anchor pacing on resume.
      this.anchorWall = NaN;
      return;
    }
    if (congested) {
      this.scheduleIn(1);
      return;
    }
    const c = this.cursor;
    for (let n = 0; n < this.batchSize; n++) {
      if (!this.have) {
        this.have = c.next();
        if (!this.have) {
          this.finish();
          return;
        }
      }
      if (this.factor > 0) {
        const nowMs = this.now();
        if (Number.isNaN(this.anchorWall)) {
          this.anchorWall = nowMs;
          this.anchorSim = c.timeMs;
        }
        const due = this.anchorWall + (c.timeMs - this.anchorSim) / this.factor;
        if (due > nowMs) {
          this.scheduleIn(Math.max(1, Math.ceil(due - nowMs)));
          return;
        }
      }
      if (this.faultDue()) return;
      while (c.timeMs >= this.nextMinuteMs) {
        this.broadcast(`{"type":"sim_clock","timestamp":${this.nextMinuteMs}}`);
        this.nextMinuteMs += MINUTE_MS;
      }
      const i = c.symbolIndex;
      const text = this.tickText(2);
      if (this.malformedRate > 0 && this.faultRng.float() < this.malformedRate) this.inject(i, text);
      for (const conn of this.conns) {
        if (!this.isActive(conn) || conn.subs[i] !== 1) continue;
        conn.ws.send(conn.mode === 2 ? text : this.tickText(conn.mode));
      }
      this.prevMsg[i] = this.lastMsg[i];
      this.lastMsg[i] = text;
      this.have = false;
      this.sent++;
    }
    this.immediate = setImmediate(this.boundPump);
  }

  /** Apply a terminate/silent fault scheduled at the current stream position; true when sending must stop. */
  private faultDue(): boolean {
    let hit = false;
    while (this.terminateAt.length > 0 && (this.terminateAt[0] ?? Infinity) <= this.sent) {
      this.terminateAt.shift();
      for (const conn of this.conns) {
        if (!this.isActive(conn)) continue;
        conn.dropping = true;
        this.terminations++;
        // Flush first: the pong comes back only after the client has read every earlier frame.
        conn.ws.ping();
        setTimeout(() => conn.ws.terminate(), 2000).unref();
      }
      hit = true;
    }
    while (this.silentAt.length > 0 && (this.silentAt[0] ?? Infinity) <= this.sent) {
      this.silentAt.shift();
      for (const conn of this.conns) {
        if (!this.isActive(conn)) continue;
        conn.silent = true;
        this.silences++;
      }
      hit = true;
    }
    if (hit) this.kick();
    return hit;
  }

  private finish(): void {
    this.ended = true;
    const close = this.sim.session.closeMs;
    while (this.nextMinuteMs <= close) {
      this.broadcast(`{"type":"sim_clock","timestamp":${this.nextMinuteMs}}`);
      this.nextMinuteMs += MINUTE_MS;
    }
    this.broadcast(this.endText());
  }

  private endText(): string {
    return `{"type":"sim_end","timestamp":${this.sim.session.closeMs}}`;
  }

  private broadcast(text: string): void {
    for (const conn of this.conns) if (this.isActive(conn)) conn.ws.send(text);
  }

  private tickText(mode: 1 | 2 | 3): string {
    return tickText(this.cursor, this.table, mode);
  }

  private inject(i: number, text: string): void {
    const kind = this.malformedKinds[this.faultRng.int(this.malformedKinds.length)];
    if (kind === undefined) return;
    const last = this.lastMsg[i];
    const prev = this.prevMsg[i];
    let bad: string | undefined;
    switch (kind) {
      case 'non_json':
        bad = text.slice(0, text.length >> 1);
        break;
      case 'nan_price': // what Python's json.dumps writes for float('nan')
        bad = text.replace(/"ltp":[^,}]+/, '"ltp":NaN');
        break;
      case 'negative_price':
        if (last !== undefined) bad = last.replace(/"ltp":([^,}]+)/, '"ltp":-$1');
        break;
      case 'unknown_symbol':
        bad = text.replace(/"symbol":"[^"]*"/, `"symbol":"${UNKNOWN_SYMBOL}"`);
        break;
      case 'duplicate':
        bad = last;
        break;
      case 'out_of_order':
        bad = prev;
        break;
      default: {
        const never: never = kind;
        throw new Error(`unknown malformed kind ${String(never)}`);
      }
    }
    if (bad === undefined) return;
    let delivered = false;
    for (const conn of this.conns) {
      if (!this.isActive(conn) || (conn.subs[i] !== 1 && kind !== 'unknown_symbol')) continue;
      conn.ws.send(bad);
      delivered = true;
    }
    if (delivered) this.injected[kind]++;
  }
}
