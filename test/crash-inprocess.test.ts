/**
 * Restart = recovery, in process. The paper broker plays an exchange that lives on while the
 * trader dies: the harness feeds each tick to the exchange first (it matches resting orders),
 * then to the trader, and moves on only when the trader acknowledges (lockstep). A "crash" cuts
 * the trader off at an arbitrary instant — between two ticks, or inside a dangerous window (the
 * intent saved but not sent; the order accepted but the answer lost; a fill delivered but not
 * saved) — by freezing its broker and store proxies: nothing it started reaches anything any
 * more. A new trader then recovers from the same store and the same exchange, gets the
 * unacknowledged tick again, and finishes the day. The books must equal an uninterrupted day's.
 *
 * More crashes, other days: TFL_CRASH_KILLS (default 10), TFL_CRASH_SEED, TFL_CRASH_DAY.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerPort } from '../trader/brokers/port';
import { PaperBroker } from '../trader/brokers/paper/paper-broker';
import { defaultProfile } from '../trader/config/profile';
import { instrumentFor } from '../trader/config/instruments';
import type { Bar } from '../trader/domain/bar';
import { NseCalendar } from '../trader/domain/calendar';
import type { BrokerEvent } from '../trader/domain/order';
import { toPaise } from '../trader/domain/money';
import { SimulatedClock } from '../trader/engine/clock';
import { ledgerOf, type Ledger } from '../trader/engine/ledger';
import { buildLiveRuntime } from '../trader/engine/live-runtime';
import { recoverDay } from '../trader/engine/recovery';
import { MarketSimulator } from '../trader/market-data/simulator/generator';
import { simSymbolSpecs } from '../trader/market-data/simulator/symbols';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import { MemoryItemTable, MemoryStateStore } from '../trader/persistence/memory-state-store';
import type { StateStore } from '../trader/persistence/state-store';

const DATE = '2025-01-07';
const SYMBOLS = ['RELIANCE', 'INFY', 'SBIN'];
const PROFILE = 'default';

interface Ticks {
  readonly n: number;
  readonly sym: number[];
  readonly t: number[];
  readonly px: number[];
  readonly vol: number[];
}

function dayTicks(seed: number): Ticks {
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
type Kill = { kind: 'tick'; index: number } | { kind: 'call'; target: 'store' | 'broker'; method: string; nth: number };

class Fuse {
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

function killableStore(store: StateStore, fuse: Fuse): StateStore {
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

function killableBroker(broker: PaperBroker, fuse: Fuse, placements: Map<string, number>): BrokerPort {
  const listeners: ((e: BrokerEvent) => void)[] = [];
  broker.onEvent((e) => {
    if (!fuse.dead) for (const l of listeners) l(e);
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
      return broker.placeOrder(req);
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
function historyFrom(ticks: Ticks, ackedThrough: () => number) {
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

interface DayResult {
  fired: Kill[];
  ledger: Ledger;
  placements: Map<string, number>;
  exchangeFills: number;
  restarts: number;
}

async function tradeDay(ticks: Ticks, kills: readonly Kill[]): Promise<DayResult> {
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(DATE);
  if (session === null) throw new Error('no session');
  const instruments = SYMBOLS.map((s) => instrumentFor(s));
  const exchange = new PaperBroker({ instruments, config: defaultProfile().paperBroker });
  const table = new MemoryItemTable();
  const placements = new Map<string, number>();
  let acked = -1;
  let next = 0;
  let restarts = 0;
  const fired: Kill[] = [];
  const tickKills = kills.filter((k): k is Extract<Kill, { kind: 'tick' }> => k.kind === 'tick').sort((a, b) => a.index - b.index);
  const callKills = kills.filter((k) => k.kind === 'call');
  const profile = defaultProfile();
  for (;;) {
    // Each life of the trader carries the next crash of both kinds still ahead; whichever comes first kills it.
    while ((tickKills[0]?.index ?? Number.POSITIVE_INFINITY) < next) tickKills.shift();
    const tickKill = tickKills[0] ?? null;
    const callKill = callKills[0] ?? null;
    const fuse = new Fuse(callKill);
    const store = killableStore(new MemoryStateStore(table), fuse);
    const clock = new SimulatedClock(acked >= 0 ? (ticks.t[acked] ?? session.openMs) : session.openMs);
    const day = await new MemoryStateStore(table).loadDay(PROFILE, DATE);
    const live = buildLiveRuntime({
      journalStartSeq: Math.max(day.lastJournalSeq, day.snapshot?.journalSeq ?? 0),
      profile,
      instruments,
      calendar,
      store,
      journalStore: new MemoryJournalStore(),
      broker: killableBroker(exchange, fuse, placements),
      clock,
      bias: 'off',
      date: DATE,
      log: nullLogger,
    });
    const recovered = recoverDay({
      rt: live.rt,
      session,
      bias: null,
      day,
      history: historyFrom(ticks, () => acked),
      nowMs: acked >= 0 ? (ticks.t[acked] ?? session.openMs) : session.openMs,
      entryValidityMs: 60_000,
      log: nullLogger,
    });
    const r = await Promise.race([recovered.then(() => 'ok' as const), fuse.blown.then(() => 'dead' as const)]);
    if (r === 'dead') {
      restarts++;
      if (callKill !== null) fired.push(callKills.shift() ?? callKill);
      continue;
    }
    live.driver.markTradesSaved(day.trades.map((t) => t.tradeId));
    let died = false;
    while (next < ticks.n) {
      const i = next;
      if (tickKill !== null && tickKill.index === i) {
        fuse.blow();
        fired.push(tickKills.shift() ?? tickKill);
        died = true;
        break;
      }
      // The exchange sees each tick once (first delivery only), matching resting orders.
      if (i > acked && i === next && !(exchangeSaw.has(i))) {
        exchange.onTick(ticks.sym[i] ?? 0, ticks.t[i] ?? 0, toPaise(ticks.px[i] ?? 0));
        exchangeSaw.add(i);
      }
      live.driver.tick(SYMBOLS[ticks.sym[i] ?? 0] ?? '', 'NSE', ticks.t[i] ?? 0, ticks.px[i] ?? 0, ticks.vol[i] ?? 0);
      const s = await Promise.race([live.driver.settle().then(() => 'ok' as const), fuse.blown.then(() => 'dead' as const)]);
      if (s === 'dead') {
        if (callKill !== null) fired.push(callKills.shift() ?? callKill);
        died = true;
        break;
      }
      acked = i;
      next = i + 1;
    }
    if (died) {
      restarts++;
      continue;
    }
    live.driver.clock(session.closeMs);
    await live.driver.settle();
    await live.rt.engine.endSession();
    await live.driver.settle();
    break;
  }
  const final = await new MemoryStateStore(table).loadDay(PROFILE, DATE);
  return { fired, ledger: ledgerOf(final), placements, exchangeFills: (await exchange.tradeBook()).length, restarts };
}

const exchangeSaw = new Set<number>();

describe('restart = recovery (in process, paper exchange, memory store)', () => {
  const ticks = dayTicks(Number(process.env.TFL_CRASH_DAY ?? 21));

  it('an uninterrupted day trades, books every fill once and sends every intent once', async () => {
    exchangeSaw.clear();
    const ref = await tradeDay(ticks, []);
    expect(ref.ledger.trades.length).toBeGreaterThan(0);
    expect(ref.ledger.fills.length).toBe(ref.exchangeFills);
    expect(new Set(ref.ledger.fills.map((f) => f.executionId)).size).toBe(ref.ledger.fills.length);
    expect(Math.max(...ref.placements.values())).toBe(1);
  });

  it('a day killed at random ticks and in every dangerous window ends with the same books', async () => {
    exchangeSaw.clear();
    const ref = await tradeDay(ticks, []);
    let seed = Number(process.env.TFL_CRASH_SEED ?? 12345);
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const tickKills: Kill[] = Array.from({ length: Number(process.env.TFL_CRASH_KILLS ?? 10) }, () => ({ kind: 'tick' as const, index: Math.floor(rnd() * ticks.n) })).sort((a, b) => a.index - b.index);
    const windows: Kill[] = [
      { kind: 'call', target: 'store', method: 'createOrder', nth: 1 }, // intent saved, not sent
      { kind: 'call', target: 'broker', method: 'placeOrder', nth: 1 }, // accepted, answer lost
      { kind: 'call', target: 'store', method: 'putFill', nth: 1 }, // fill arrived, not saved
    ];
    exchangeSaw.clear();
    const crashed = await tradeDay(ticks, [...windows, ...tickKills]);
    expect(crashed.restarts).toBeGreaterThanOrEqual(10);
    for (const w of windows) expect(crashed.fired, `crash in window ${JSON.stringify(w)}`).toContainEqual(w);
    expect(crashed.ledger).toEqual(ref.ledger);
    for (const [cid, n] of crashed.placements) expect(n, `orders sent for ${cid}`).toBe(1);
    expect(crashed.ledger.fills.length).toBe(crashed.exchangeFills);
  }, 60_000);
});
