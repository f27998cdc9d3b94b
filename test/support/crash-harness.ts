/**
 * The in-process crash harness (see test/crash-inprocess.test.ts): the PaperBroker plays an
 * exchange that lives on while the trader dies; each life of the trader gets a store and a
 * broker behind killable proxies, recovers with `recoverDay` and trades in lockstep. Options
 * let fault-case tests (test/fault-cases*.test.ts) add downtime, act while the trader is down,
 * wrap the store, replay broker events and watch each life.
 */
import type { BrokerPort } from '../../trader/brokers/port';
import { PaperBroker } from '../../trader/brokers/paper/paper-broker';
import { defaultProfile } from '../../trader/config/profile';
import { instrumentFor } from '../../trader/config/instruments';
import type { Bar } from '../../trader/domain/bar';
import { NseCalendar } from '../../trader/domain/calendar';
import type { BrokerEvent, OrderRequest, SubmitOutcome } from '../../trader/domain/order';
import { toPaise } from '../../trader/domain/money';
import { SimulatedClock } from '../../trader/engine/clock';
import { ledgerOf, type Ledger } from '../../trader/engine/ledger';
import { buildLiveRuntime, type LiveRuntime } from '../../trader/engine/live-runtime';
import { recoverDay, type RecoveryReport } from '../../trader/engine/recovery';
import { MarketSimulator } from '../../trader/market-data/simulator/generator';
import { simSymbolSpecs } from '../../trader/market-data/simulator/symbols';
import { nullLogger } from '../../trader/observability/log';
import { MemoryJournalStore } from '../../trader/persistence/memory-journal-store';
import { MemoryItemTable, MemoryStateStore } from '../../trader/persistence/memory-state-store';
import type { StateStore } from '../../trader/persistence/state-store';

export const DATE = '2025-01-07';
export const SYMBOLS = ['RELIANCE', 'INFY', 'SBIN'];
export const PROFILE = 'default';
/** A not-sent entry older than this (market time) is abandoned at recovery. */
export const ENTRY_VALIDITY_MS = 60_000;

export interface Ticks {
  readonly n: number;
  readonly sym: number[];
  readonly t: number[];
  readonly px: number[];
  readonly vol: number[];
}

export function dayTicks(seed: number): Ticks {
  const sim = new MarketSimulator({ seed, date: DATE, symbols: simSymbolSpecs(SYMBOLS), tickRateScale: 0.08 });
  const out: Ticks = { n: 0, sym: [], t: [], px: [], vol: [] };
  sim.forEachTick((s, t, price, volume) => {
    out.sym.push(s);
    out.t.push(t);
    out.px.push(price);
    out.vol.push(volume ?? 0);
  });
  return { ...out, n: out.sym.length };
}

/** A crash: freezes a proxy the moment a given call is forwarded, or between ticks. */
export type Kill = { kind: 'tick'; index: number } | { kind: 'call'; target: 'store' | 'broker'; method: string; nth: number };

export class Fuse {
  dead = false;
  private counts = new Map<string, number>();
  private tripped: () => void = () => undefined;
  readonly blown: Promise<void>;
  constructor(private readonly kill: Kill | null) {
    this.blown = new Promise((r) => (this.tripped = r));
  }
  /** Called after a call was forwarded: may blow the fuse (the caller never hears back). */
  after(target: 'store' | 'broker', method: string): boolean {
    const key = `${target}.${method}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    const k = this.kill;
    if (k !== null && k.kind === 'call' && k.target === target && k.method === method && k.nth === n) this.blow();
    return this.dead;
  }
  blow(): void {
    this.dead = true;
    this.tripped();
  }
}

const never = new Promise<never>(() => undefined);

export function killableStore(store: StateStore, fuse: Fuse): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (fuse.dead) return never;
        const p = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (fuse.after('store', String(prop))) return never;
        return p;
      };
    },
  });
}

/** One order sent to the exchange: which life sent it, and whether during recovery. */
export interface Placement {
  readonly clientOrderId: string;
  readonly life: number;
  readonly recovering: boolean;
}

export function killableBroker(
  broker: PaperBroker,
  fuse: Fuse,
  placements: Map<string, number>,
  opts: {
    readonly deliveries?: (e: BrokerEvent) => number;
    readonly onPlace?: (clientOrderId: string) => void;
    /** Runs after the exchange accepted a placement, before the trader hears the answer. */
    readonly afterPlace?: (req: OrderRequest, outcome: SubmitOutcome) => void;
  } = {},
): BrokerPort {
  const listeners: ((e: BrokerEvent) => void)[] = [];
  broker.onEvent((e) => {
    if (fuse.dead) return;
    const n = opts.deliveries?.(e) ?? 1;
    for (let k = 0; k < n; k++) for (const l of listeners) l(e);
  });
  const wrap =
    <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (fuse.dead) return never;
      const p = f(...args);
      if (fuse.after('broker', name)) return never;
      return p;
    };
  return {
    id: 'exchange',
    placeOrder: wrap('placeOrder', (req) => {
      placements.set(req.clientOrderId, (placements.get(req.clientOrderId) ?? 0) + 1);
      opts.onPlace?.(req.clientOrderId);
      return broker.placeOrder(req).then((outcome) => {
        opts.afterPlace?.(req, outcome);
        return outcome;
      });
    }),
    modifyOrder: wrap('modifyOrder', (id, change) => broker.modifyOrder(id, change)),
    cancelOrder: wrap('cancelOrder', (id) => broker.cancelOrder(id)),
    findOrder: wrap('findOrder', (req, at) => broker.findOrder(req, at)),
    orderBook: wrap('orderBook', () => broker.orderBook()),
    tradeBook: wrap('tradeBook', () => broker.tradeBook()),
    positions: wrap('positions', () => broker.positions()),
    onEvent: (l) => {
      listeners.push(l);
      return () => undefined;
    },
  };
}

/** 1-minute bars of what the trader has acknowledged (the exchange's history API). */
export function historyFrom(ticks: Ticks, ackedThrough: () => number) {
  return (symbol: string, _exchange: string, fromMs: number, toMs: number): Promise<Bar[]> => {
    const s = SYMBOLS.indexOf(symbol);
    const bars = new Map<number, { startMs: number; open: number; high: number; low: number; close: number; volume: number }>();
    for (let i = 0; i <= ackedThrough(); i++) {
      const t = ticks.t[i] ?? 0;
      if (ticks.sym[i] !== s || t < fromMs || t > toMs) continue;
      const m = t - (t % 60_000);
      const px = ticks.px[i] ?? 0;
      const b = bars.get(m);
      if (b === undefined) bars.set(m, { startMs: m, open: px, high: px, low: px, close: px, volume: ticks.vol[i] ?? 0 });
      else {
        b.high = Math.max(b.high, px);
        b.low = Math.min(b.low, px);
        b.close = px;
        b.volume += ticks.vol[i] ?? 0;
      }
    }
    return Promise.resolve([...bars.values()].sort((a, b) => a.startMs - b.startMs));
  };
}

export interface DayOptions {
  /** Ticks the exchange trades through while the trader is down, after each crash (market time moves on). */
  readonly downTicks?: number;
  /** Before tick i of a life: 'kill' crashes the trader there (a mid-day crash at a chosen state). */
  readonly beforeTick?: (i: number, exchange: PaperBroker) => Promise<'kill' | 'go'> | 'kill' | 'go';
  /** Runs while the trader is down, after each crash (e.g. an operator cancels an order at the exchange). */
  readonly whileDown?: (exchange: PaperBroker, restart: number) => Promise<void>;
  /** Wraps each life's store (store faults). */
  readonly wrapStore?: (store: StateStore) => StateStore;
  /** How many times each broker event reaches the trader (replays); 1 by default. */
  readonly deliveries?: (e: BrokerEvent) => number;
  /** Each life's runtime once built (life 0 first). */
  readonly onLife?: (live: LiveRuntime, life: number) => void;
  /** A failing settle is recorded and the day goes on (a store outage that the trader must survive). */
  readonly tolerateSettleErrors?: boolean;
  /** The exchange fills a market order the moment it accepts it, so the fill reaches the trader before the placement's answer. */
  readonly fillBeforeAnswer?: boolean;
}

export interface DayResult {
  fired: Kill[];
  ledger: Ledger;
  placements: Map<string, number>;
  placementLog: Placement[];
  exchangeFills: number;
  restarts: number;
  recoveries: RecoveryReport[];
  settleErrors: unknown[];
  exchange: PaperBroker;
  table: MemoryItemTable;
}

export async function tradeDay(ticks: Ticks, kills: readonly Kill[], opts: DayOptions = {}): Promise<DayResult> {
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(DATE);
  if (session === null) throw new Error('no session');
  const instruments = SYMBOLS.map((s) => instrumentFor(s));
  const exchange = new PaperBroker({ instruments, config: defaultProfile().paperBroker });
  const table = new MemoryItemTable();
  const placements = new Map<string, number>();
  const placementLog: Placement[] = [];
  const recoveries: RecoveryReport[] = [];
  const settleErrors: unknown[] = [];
  // The exchange sees each tick once (first delivery only), matching resting orders.
  const exchangeSaw = new Set<number>();
  let acked = -1;
  let next = 0;
  let restarts = 0;
  let life = 0;
  let recovering = false;
  const lastFed = new Map<number, number>();
  const fired: Kill[] = [];
  const tickKills = kills.filter((k): k is Extract<Kill, { kind: 'tick' }> => k.kind === 'tick').sort((a, b) => a.index - b.index);
  const callKills = kills.filter((k) => k.kind === 'call');
  const profile = defaultProfile();
  const down = async (): Promise<void> => {
    restarts++;
    // While the trader is down the exchange trades on; the trader will get history for it.
    for (let k = 0; k < (opts.downTicks ?? 0) && next < ticks.n; k++) {
      const i = next;
      if (!exchangeSaw.has(i)) {
        exchange.onTick(ticks.sym[i] ?? 0, ticks.t[i] ?? 0, toPaise(ticks.px[i] ?? 0));
        exchangeSaw.add(i);
      }
      acked = i;
      next = i + 1;
    }
    await opts.whileDown?.(exchange, restarts);
  };
  for (;; life++) {
    // Each life of the trader carries the next crash of both kinds still ahead; whichever comes first kills it.
    while ((tickKills[0]?.index ?? Number.POSITIVE_INFINITY) < next) tickKills.shift();
    const tickKill = tickKills[0] ?? null;
    const callKill = callKills[0] ?? null;
    const fuse = new Fuse(callKill);
    const inner = new MemoryStateStore(table);
    const store = killableStore(opts.wrapStore?.(inner) ?? inner, fuse);
    // Market time at the restart: the tick the exchange last saw, which this life applies first
    // unless the last life acknowledged it (as the lockstep simulator resends its last message).
    const marketNowMs = exchangeSaw.has(next) ? (ticks.t[next] ?? session.openMs) : acked >= 0 ? (ticks.t[acked] ?? session.openMs) : session.openMs;
    const day = await new MemoryStateStore(table).loadDay(PROFILE, DATE);
    // As `tfl trade` starts it: at the checkpoint's time (recovery moves it to market time).
    const clock = new SimulatedClock(day.snapshot?.takenAtMs ?? session.openMs);
    const thisLife = life;
    const live = buildLiveRuntime({
      journalStartSeq: Math.max(day.lastJournalSeq, day.snapshot?.journalSeq ?? 0),
      profile,
      instruments,
      calendar,
      store,
      journalStore: new MemoryJournalStore(),
      broker: killableBroker(exchange, fuse, placements, {
        ...(opts.deliveries !== undefined ? { deliveries: opts.deliveries } : {}),
        onPlace: (clientOrderId) => placementLog.push({ clientOrderId, life: thisLife, recovering }),
        afterPlace: (req, outcome) => {
          const s = SYMBOLS.indexOf(req.symbol);
          const i = lastFed.get(s);
          if (opts.fillBeforeAnswer !== true || req.priceType !== 'MARKET' || outcome.kind !== 'accepted' || i === undefined) return;
          exchange.onTick(s, ticks.t[i] ?? 0, toPaise(ticks.px[i] ?? 0));
        },
      }),
      clock,
      bias: 'off',
      date: DATE,
      log: nullLogger,
    });
    opts.onLife?.(live, life);
    recovering = true;
    const recovered = recoverDay({
      rt: live.rt,
      session,
      bias: null,
      day,
      history: historyFrom(ticks, () => acked),
      nowMs: marketNowMs,
      entryValidityMs: ENTRY_VALIDITY_MS,
      log: nullLogger,
    });
    const r = await Promise.race([recovered.then((rep) => rep), fuse.blown.then(() => 'dead' as const)]);
    recovering = false;
    if (r === 'dead') {
      if (callKill !== null) fired.push(callKills.shift() ?? callKill);
      await down();
      continue;
    }
    recoveries.push(r);
    live.driver.markTradesSaved(day.trades.map((t) => t.tradeId));
    let died = false;
    while (next < ticks.n) {
      const i = next;
      if ((tickKill !== null && tickKill.index === i) || (opts.beforeTick !== undefined && (await opts.beforeTick(i, exchange)) === 'kill')) {
        fuse.blow();
        if (tickKill !== null && tickKill.index === i) fired.push(tickKills.shift() ?? tickKill);
        else fired.push({ kind: 'tick', index: i });
        died = true;
        break;
      }
      if (i > acked && i === next && !exchangeSaw.has(i)) {
        exchange.onTick(ticks.sym[i] ?? 0, ticks.t[i] ?? 0, toPaise(ticks.px[i] ?? 0));
        exchangeSaw.add(i);
        lastFed.set(ticks.sym[i] ?? 0, i);
      }
      live.driver.tick(SYMBOLS[ticks.sym[i] ?? 0] ?? '', 'NSE', ticks.t[i] ?? 0, ticks.px[i] ?? 0, ticks.vol[i] ?? 0);
      const settled = opts.tolerateSettleErrors === true ? live.driver.settle().catch((err: unknown) => void settleErrors.push(err)) : live.driver.settle();
      const s = await Promise.race([settled.then(() => 'ok' as const), fuse.blown.then(() => 'dead' as const)]);
      if (s === 'dead') {
        if (callKill !== null) fired.push(callKills.shift() ?? callKill);
        died = true;
        break;
      }
      acked = i;
      next = i + 1;
    }
    if (died) {
      await down();
      continue;
    }
    live.driver.clock(session.closeMs);
    const end = async (): Promise<void> => {
      await live.driver.settle();
      await live.rt.engine.endSession();
      await live.driver.settle();
    };
    const ending = opts.tolerateSettleErrors === true ? end().catch((err: unknown) => void settleErrors.push(err)) : end();
    // A kill can land in the day's end too (its last checkpoint): the next life restarts after the close.
    if ((await Promise.race([ending.then(() => 'ok' as const), fuse.blown.then(() => 'dead' as const)])) === 'dead') {
      if (callKill !== null) fired.push(callKills.shift() ?? callKill);
      await down();
      continue;
    }
    break;
  }
  const final = await new MemoryStateStore(table).loadDay(PROFILE, DATE);
  return { fired, ledger: ledgerOf(final), placements, placementLog, exchangeFills: (await exchange.tradeBook()).length, restarts, recoveries, settleErrors, exchange, table };
}
