import type { Profile } from '../config/profile';
import { NseCalendar, type TradingSession } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import { regularSessionsFrom, ScratchSession, simulatedTape, type Tape } from './scratch';

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
const BIASES: readonly ('off' | Bias)[] = ['off', 'LONGS_ONLY', 'SHORTS_ONLY'];

export async function warmUpEngine(o: WarmUpOptions): Promise<WarmUpReport> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const calendar = new NseCalendar();
  const profile: Profile = { ...o.profile, tfl: { ...o.profile.tfl, timeframeMinutes: Math.min(o.profile.tfl.timeframeMinutes, WARM_UP_BAR_MINUTES) } };
  const tapes: Tape[] = [];
  const targets = regularSessionsFrom(calendar, '2025-01-01', 240);
  let sessions = 0;
  let ticks = 0;
  let decisions = 0;
  let trades = 0;
  let elapsed: number;
  do {
    const k = sessions % SOURCE_DATES.length;
    const tape = tapes[k] ?? simulatedTape(calendar, SOURCE_DATES[k] ?? '', 1_000 + k);
    tapes[k] = tape;
    const session = targets[sessions % targets.length];
    if (session === undefined) throw new Error('warm-up: no target session');
    const scratch = new ScratchSession(profile, session, tape, BIASES[sessions % BIASES.length] ?? 'off');
    await scratch.feed(tape, 0, tape.n);
    const summary = await scratch.rt.engine.endSession();
    sessions++;
    ticks += tape.n;
    decisions += scratch.rt.engine.intentsHandled;
    trades += summary.trades.length;
    elapsed = now() - t0;
    // The sessions settle through promises only: let timers (lease renewal, heartbeat) run between them.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } while (elapsed < o.budgetMs);
  return { sessions, ticks, decisions, trades, ms: elapsed };
}
