import type { WebSocket } from 'ws';
import type { SimCursor } from './generator';

/**
 * The OpenAlgo WebSocket proxy protocol as the local simulators speak it (brokers.md §2):
 * authenticate, subscribe / unsubscribe with `symbols`, app-level ping, errors without `type`,
 * and the `market_data` text of a generator tick. Shared by the market-data server (server.ts)
 * and the exchange simulator (trader/exchange-sim), which add their own streaming on top.
 */

export const SIM_BROKER = 'tfl-sim';

export type QuoteModeNumber = 1 | 2 | 3;

/** What the protocol needs to know about one client connection. */
export interface ProtocolConn {
  readonly ws: WebSocket;
  authed: boolean;
  /** Per symbol index: subscribed? */
  readonly subs: Uint8Array;
  subCount: number;
  mode: QuoteModeNumber;
  authTimer: NodeJS.Timeout | undefined;
}

export function errorMsg(code: string, message: string): string {
  return JSON.stringify({ status: 'error', code, message });
}

export function parseMode(v: unknown): QuoteModeNumber | null {
  if (v === undefined) return 2;
  if (v === 1 || v === 2 || v === 3) return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'ltp') return 1;
    if (s === 'quote') return 2;
    if (s === 'depth') return 3;
  }
  return null;
}

const MODE_NAME = { 1: 'LTP', 2: 'Quote', 3: 'Depth' } as const;

/** The simulated universe: (exchange, symbol) → dense index, and the JSON of each name. */
export class SymbolTable {
  readonly symJson: readonly string[];
  readonly exJson: readonly string[];
  private readonly byKey = new Map<string, number>();
  readonly refs: readonly { readonly symbol: string; readonly exchange: string }[];

  constructor(symbols: readonly { readonly symbol: string; readonly exchange: string }[]) {
    this.refs = symbols;
    symbols.forEach((s, i) => this.byKey.set(`${s.exchange}\u0000${s.symbol}`, i));
    this.symJson = symbols.map((s) => JSON.stringify(s.symbol));
    this.exJson = symbols.map((s) => JSON.stringify(s.exchange));
  }

  get size(): number {
    return this.refs.length;
  }

  index(symbol: unknown, exchange: unknown): number | undefined {
    return typeof symbol === 'string' && typeof exchange === 'string' ? this.byKey.get(`${exchange}\u0000${symbol}`) : undefined;
  }
}

export function newConn(ws: WebSocket, symbols: number): ProtocolConn {
  return { ws, authed: false, subs: new Uint8Array(symbols), subCount: 0, mode: 2, authTimer: undefined };
}

/** Close a connection that has not authenticated within `graceMs` (4401, as OpenAlgo). */
export function armAuthTimer(conn: ProtocolConn, graceMs: number): void {
  conn.authTimer = setTimeout(() => {
    if (!conn.authed) conn.ws.close(4401, 'auth timeout');
  }, graceMs);
}

/** The outcome of one client frame after the shared protocol handled what it knows. */
export type ProtocolResult =
  | { readonly kind: 'handled' }
  /** A subscribe was acknowledged; `ok` symbols were subscribed (0 when none matched). */
  | { readonly kind: 'subscribed'; readonly ok: number }
  /** An authenticated action the shared protocol does not know: the server decides. */
  | { readonly kind: 'other'; readonly action: unknown; readonly msg: Readonly<Record<string, unknown>> };

/** Handle one text frame: JSON errors, authentication, subscriptions and ping. Never throws. */
export function handleClientText(conn: ProtocolConn, text: string, apiKey: string, table: SymbolTable): ProtocolResult {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    conn.ws.send(errorMsg('INVALID_JSON', 'Invalid JSON message'));
    return { kind: 'handled' };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    conn.ws.send(errorMsg('INVALID_JSON', 'Invalid JSON message'));
    return { kind: 'handled' };
  }
  const m = msg as Record<string, unknown>;
  const action = m.action ?? m.type;
  if (action === 'authenticate') {
    authenticate(conn, m, apiKey);
    return { kind: 'handled' };
  }
  if (!conn.authed) {
    conn.ws.send(errorMsg('NOT_AUTHENTICATED', 'You must authenticate first'));
    return { kind: 'handled' };
  }
  switch (action) {
    case 'subscribe': {
      const ok = subscribe(conn, m, table);
      return ok === null ? { kind: 'handled' } : { kind: 'subscribed', ok };
    }
    case 'unsubscribe':
    case 'unsubscribe_all':
      unsubscribe(conn, m, table, action === 'unsubscribe_all');
      return { kind: 'handled' };
    case 'ping':
      conn.ws.send(JSON.stringify({ type: 'pong', status: 'success', server_timestamp: Date.now(), client_timestamp: m.timestamp }));
      return { kind: 'handled' };
    default:
      return { kind: 'other', action, msg: m };
  }
}

export function invalidAction(conn: ProtocolConn, action: unknown): void {
  conn.ws.send(errorMsg('INVALID_ACTION', `Invalid action: ${typeof action === 'string' ? action : JSON.stringify(action)}`));
}

function authenticate(conn: ProtocolConn, m: Record<string, unknown>, apiKey: string): void {
  const key = m.api_key ?? m.apikey;
  if (typeof key !== 'string' || key.length === 0) {
    conn.ws.send(errorMsg('AUTHENTICATION_ERROR', 'API key is required'));
    conn.ws.close(1008, 'authentication failed');
    return;
  }
  if (key !== apiKey) {
    conn.ws.send(errorMsg('AUTHENTICATION_ERROR', 'Invalid API key'));
    conn.ws.close(1008, 'authentication failed');
    return;
  }
  conn.authed = true;
  if (conn.authTimer) clearTimeout(conn.authTimer);
  conn.ws.send(
    JSON.stringify({
      type: 'auth',
      status: 'success',
      message: 'Authentication successful',
      broker: SIM_BROKER,
      user_id: 'sim',
      supported_features: { ltp: true, quote: true, depth: false },
    }),
  );
}

function requested(m: Record<string, unknown>): { symbol: unknown; exchange: unknown }[] {
  if (Array.isArray(m.symbols)) {
    return m.symbols.map((s: unknown) => (typeof s === 'object' && s !== null ? (s as { symbol: unknown; exchange: unknown }) : { symbol: s, exchange: undefined }));
  }
  if (m.symbol !== undefined) return [{ symbol: m.symbol, exchange: m.exchange }];
  return [];
}

/** Returns the number of symbols subscribed, or null when the request was refused with an error. */
function subscribe(conn: ProtocolConn, m: Record<string, unknown>, table: SymbolTable): number | null {
  const mode = parseMode(m.mode);
  if (mode === null) {
    conn.ws.send(errorMsg('INVALID_MODE', `Invalid mode: ${JSON.stringify(m.mode)}`));
    return null;
  }
  const req = requested(m);
  if (req.length === 0) {
    conn.ws.send(errorMsg('INVALID_PARAMETERS', 'At least one symbol must be specified'));
    return null;
  }
  conn.mode = mode;
  let ok = 0;
  const results = req.map(({ symbol, exchange }) => {
    const i = table.index(symbol, exchange);
    if (i === undefined) return { symbol, exchange, status: 'error', message: 'Symbol not found in simulator', broker: SIM_BROKER };
    if (conn.subs[i] !== 1) {
      conn.subs[i] = 1;
      conn.subCount++;
    }
    ok++;
    return { symbol, exchange, status: 'success', mode: MODE_NAME[mode], broker: SIM_BROKER };
  });
  // 'partial' as OpenAlgo when some fail; 'error' when none succeed (our choice).
  const status = ok === req.length ? 'success' : ok > 0 ? 'partial' : 'error';
  conn.ws.send(
    JSON.stringify({
      type: 'subscribe',
      status,
      subscriptions: results,
      message: 'Subscription processing complete',
      broker: SIM_BROKER,
      ...(typeof m.request_id === 'string' ? { request_id: m.request_id } : {}),
    }),
  );
  return ok;
}

function unsubscribe(conn: ProtocolConn, m: Record<string, unknown>, table: SymbolTable, all: boolean): void {
  const successful: unknown[] = [];
  const failed: unknown[] = [];
  const req: { symbol: unknown; exchange: unknown }[] = all ? table.refs.map((s) => ({ symbol: s.symbol, exchange: s.exchange })) : requested(m);
  for (const { symbol, exchange } of req) {
    const i = table.index(symbol, exchange);
    if (i !== undefined && conn.subs[i] === 1) {
      conn.subs[i] = 0;
      conn.subCount--;
      successful.push({ symbol, exchange });
    } else if (!all) failed.push({ symbol, exchange, message: 'Not subscribed' });
  }
  conn.ws.send(
    JSON.stringify({ type: 'unsubscribe', status: failed.length === 0 ? 'success' : successful.length > 0 ? 'partial' : 'error', successful, failed, broker: SIM_BROKER }),
  );
}

/**
 * The `market_data` text of the cursor's current tick in a client's mode. `head` is spliced in
 * after the type (e.g. `"seq":12,` for the exchange simulator's lockstep mode).
 */
export function tickText(c: SimCursor, table: SymbolTable, mode: QuoteModeNumber, head = ''): string {
  const i = c.symbolIndex;
  const start = `{"type":"market_data",${head}"symbol":${table.symJson[i] ?? '""'},"exchange":${table.exJson[i] ?? '""'},"mode":${mode},"broker":"${SIM_BROKER}","data":{"ltp":${c.pricePaise / 100},"timestamp":${c.timeMs}`;
  if (mode === 1) return `${start}}}`;
  const ohlc = `"open":${c.dayOpen(i)},"high":${c.dayHigh(i)},"low":${c.dayLow(i)},"close":${c.prevClose(i)}`;
  if (!c.hasQuote) return `${start},${ohlc}}}`;
  return `${start},"volume":${c.cumulativeVolume},"bid_price":${c.bidPaise / 100},"ask_price":${c.askPaise / 100},"last_trade_quantity":${c.quantity},${ohlc}}}`;
}
