import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar, type TradingSession } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import { MarketSimulator } from '../market-data/simulator/generator';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { nullLogger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import { buildRuntime } from './runtime';
import { TickPump } from './tick-pump';

/**
 * JIT warm-up before the open. A decision (a bar close that enters, a stop that moves) runs a
 * few dozen times a day, so in a fresh process the code behind it is still interpreted or
 * baseline-compiled when the day's first decisions come, and stays so for weeks of sessions:
 * V8 optimises a function only after it has run enough. This runs the same engine code (tick
 * gate, pump, bars, indicators, strategy, risk, order manager, paper broker, journal) over
 * simulated sessions in throw-away runtimes until the budget is spent, so the trader meets the
 * open with that code optimised. Measured in docs/performance.md (tick-to-decision latency).
 *
 * Nothing is shared with the trading runtime: each session has its own runtime, clock, paper
 * broker and in-memory journal, logs nowhere, and touches no file, store or network. The
 * sessions use the caller's profile with shorter bars (more decisions per millisecond spent) and
 * a rotating bias, so entries both ways, denials, stop moves, exits and the square-off all run.
 */
export interface WarmUpOptions {
  readonly profile: Profile;
  /** Wall time to spend; the session under way when it runs out finishes (at least one runs). */
  readonly budgetMs: number;
  /** Wall clock (tests). */
  readonly now?: () => number;
}

export interface WarmUpReport {
  readonly sessions: number;
  readonly ticks: number;
  /** Strategy decisions the engine acted on (entries, stop moves, exits), over all sessions. */
  readonly decisions: number;
  readonly trades: number;
  readonly ms: number;
}

/**
 * Whether a trader starting now warms up first: only before the session opens. A restart during
 * the session goes straight to recovery (its open positions and orders come first).
 */
export function warmUpDue(profile: Pick<Profile, 'warmUpMs'>, wallNowMs: number, session: Pick<TradingSession, 'openMs'>): boolean {
  return profile.warmUpMs > 0 && wallNowMs < session.openMs;
}

/** Bar length of the warm-up sessions: shorter bars, more bar closes and decisions per session. */
const WARM_UP_BAR_MINUTES = 3;
/** Simulated days whose ticks are replayed (shifted onto other dates). */
const SOURCE_DATES = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06'];
/** A twentieth of the simulator's tick rate: bars and decisions still form, at far less cost. */
const TICK_RATE_SCALE = 0.05;
const BIASES: readonly ('off' | Bias)[] = ['off', 'LONGS_ONLY', 'SHORTS_ONLY'];

interface SourceDay {
  readonly session: TradingSession;
  readonly n: number;
  readonly sym: Int32Array;
  readonly t: Float64Array;
  readonly px: Float64Array;
  readonly vol: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
}

export async function warmUpEngine(o: WarmUpOptions): Promise<WarmUpReport> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const calendar = new NseCalendar();
  const profile: Profile = { ...o.profile, tfl: { ...o.profile.tfl, timeframeMinutes: Math.min(o.profile.tfl.timeframeMinutes, WARM_UP_BAR_MINUTES) } };
  const instruments = DEFAULT_SIM_SYMBOLS.map((s) => instrumentFor(s.symbol));
  const names = instruments.map((i) => i.symbol);
  const exchanges = instruments.map((i) => i.exchange);
  const sources: SourceDay[] = [];
  const targets = regularSessionsFrom(calendar, '2025-01-01', 240);
  let sessions = 0;
  let ticks = 0;
  let decisions = 0;
  let trades = 0;
  let elapsed: number;
  do {
    const source = sources[sessions % SOURCE_DATES.length] ?? simulate(calendar, SOURCE_DATES[sessions % SOURCE_DATES.length] ?? '', sessions);
    if (sources.length < SOURCE_DATES.length) sources.push(source);
    const session = targets[sessions % targets.length];
    if (session === undefined) throw new Error('warm-up: no target session');
    const clock = new SimulatedClock(session.openMs);
    const rt = buildRuntime({ profile, instruments, calendar, journalStore: new MemoryJournalStore(), clock, mode: 'paper', bias: BIASES[sessions % BIASES.length] ?? 'off', log: nullLogger });
    const pump = new TickPump(rt.target, rt.orders);
    rt.engine.startSession(session, rt.bias);
    const shift = session.openMs - source.session.openMs;
    const { sym, t, px, vol, bid, ask } = source;
    for (let i = 0; i < source.n; i++) {
      const s = sym[i] ?? 0;
      const k = rt.gate.accept(names[s] ?? '', exchanges[s] ?? '', (t[i] ?? 0) + shift, px[i] ?? 0, vol[i], bid[i], ask[i]);
      if (k >= 0) pump.push(k, (t[i] ?? 0) + shift, px[i] ?? 0, vol[i] ?? 0, bid[i] ?? 0, ask[i] ?? 0);
      if (pump.queued > 0 || rt.orders.inFlight > 0) await pump.idle();
    }
    await pump.idle();
    const summary = await rt.engine.endSession();
    sessions++;
    ticks += source.n;
    decisions += rt.engine.intentsHandled;
    trades += summary.trades.length;
    elapsed = now() - t0;
    // The sessions settle through promises only: let timers (lease renewal, heartbeat) run between them.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } while (elapsed < o.budgetMs);
  return { sessions, ticks, decisions, trades, ms: elapsed };
}

function simulate(calendar: NseCalendar, date: string, seed: number): SourceDay {
  const simulator = new MarketSimulator({ seed: 1_000 + seed, date, symbols: DEFAULT_SIM_SYMBOLS, calendar, tickRateScale: TICK_RATE_SCALE });
  const sym: number[] = [];
  const t: number[] = [];
  const px: number[] = [];
  const vol: number[] = [];
  const bid: number[] = [];
  const ask: number[] = [];
  simulator.forEachTick((s, time, price, volume, b, a) => {
    sym.push(s);
    t.push(time);
    px.push(price);
    vol.push(volume ?? 0);
    bid.push(b ?? 0);
    ask.push(a ?? 0);
  });
  return {
    session: simulator.session,
    n: sym.length,
    sym: Int32Array.from(sym),
    t: Float64Array.from(t),
    px: Float64Array.from(px),
    vol: Float64Array.from(vol),
    bid: Float64Array.from(bid),
    ask: Float64Array.from(ask),
  };
}

/** Regular sessions (09:15–15:30, no special sessions) from `from` on, `n` of them. */
function regularSessionsFrom(calendar: NseCalendar, from: string, n: number): TradingSession[] {
  const out: TradingSession[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); out.length < n; ms += 86_400_000) {
    const s = calendar.sessionOn(new Date(ms).toISOString().slice(0, 10));
    if (s !== null) out.push(s);
  }
  return out;
}
