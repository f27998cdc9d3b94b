import type { Profile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import type { PrimerPort } from './engine';
import { ScratchSession, simulatedTape, type Tape } from './scratch';

/**
 * Keeps the decision path in the CPU's caches for the bar close. Between two bar closes ~10^4
 * ordinary ticks and plain time pass, and the code and tables an entry runs through (bar close,
 * strategy, risk gate, order manager, paper or live broker port, journal) fall out of the
 * caches: a cold entry took 2–3× as long as a warm one (docs/performance.md). Shortly before each
 * boundary (`leadMs`, on the first tick or clock event inside that window) the engine calls
 * `prime()`, which runs real entry decisions in scratch runtimes (scratch.ts): the same code, on
 * throw-away state, nothing of it reaching the trading runtime, a store or a broker.
 *
 * Each scratch session is set up in `prepare` one tick before a bar close on which it decides an
 * entry, so a prime costs two decisions (one entry approved and sent to the order manager, one
 * denied by the risk gate: tens of microseconds each, cold) and no setup. A session is used once;
 * `prepare` makes enough for a day's boundaries. The `trade` command prepares them before the
 * open and passes the primer to the engine; backtests and paper sessions do not prime.
 */
export class DecisionPrimer implements PrimerPort {
  private used = 0;
  private entries = 0;
  private denials = 0;

  private constructor(
    readonly leadMs: number,
    /** Each one tick before a bar close whose entry the risk gate approves (order work follows). */
    private readonly approved: Prepared[],
    /** Each one tick before a bar close whose entries the risk gate denies (journalled, strategy told). */
    private readonly denied: Prepared[],
  ) {}

  /**
   * Scratch sessions positioned before `count` approved and `count` denied entry decisions,
   * from simulated days under the profile's own parameters (so the primes take the branches the
   * day's entries will); the denials come from the same profile allowed one trade a day.
   */
  static async prepare(profile: Profile, count: number, leadMs: number): Promise<DecisionPrimer> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`primer: count must be a non-negative integer, got ${count}`);
    const approved = await positions(profile, count, true);
    const denied = await positions({ ...profile, risk: { ...profile.risk, maxTradesPerDay: 1 } }, count, false);
    return new DecisionPrimer(leadMs, approved, denied);
  }

  /** Boundaries left to prime. */
  get remaining(): number {
    return Math.max(this.approved.length, this.denied.length);
  }

  /** Primes run so far. */
  get primed(): number {
    return this.used;
  }

  /** Scratch decisions run so far that did emit an entry (two per prime: one approved, one denied). */
  get entriesDecided(): number {
    return this.entries;
  }

  /** Denial primes run so far that did end in a risk denial. */
  get denialsDecided(): number {
    return this.denials;
  }

  /** Runs one approved and one denied entry decision; false when none is left. Their order work settles on its own. */
  prime(): boolean {
    const a = this.approved.pop();
    const d = this.denied.pop();
    if (a === undefined && d === undefined) return false;
    this.used += 1;
    if (a !== undefined) this.run(a);
    if (d !== undefined && this.run(d)) this.denials += 1;
    return true;
  }

  /** Applies the prepared tick; true when the scratch engine denied an entry on it. */
  private run(p: Prepared): boolean {
    const engine = p.scratch.rt.engine;
    const signals = engine.entrySignals;
    const denials = engine.denialCount;
    p.scratch.apply(p.tape, p.i);
    if (engine.entrySignals > signals) this.entries += 1;
    return engine.denialCount > denials;
  }
}

interface Prepared {
  readonly scratch: ScratchSession;
  readonly tape: Tape;
  readonly i: number;
}

/** `count` scratch sessions, each one tick before a bar close with an entry the gate approves (or denies). */
async function positions(profile: Profile, count: number, approved: boolean): Promise<Prepared[]> {
  const calendar = new NseCalendar();
  const out: Prepared[] = [];
  // Source days until there are `count` such bar closes to stand before (several a day; bounded).
  for (let day = 0; out.length < count && day < 4 * count + 8; day++) {
    const date = SOURCE_DATES[day % SOURCE_DATES.length] ?? '';
    const tape = simulatedTape(calendar, date, 7_000 + day);
    const at: number[] = [];
    const probe = new ScratchSession(profile, tape.session, tape, 'off');
    await probe.feed(tape, 0, tape.n, (i, ok) => {
      if (ok === approved) at.push(i);
    });
    await probe.rt.engine.endSession();
    for (const i of at) {
      if (out.length >= count) break;
      const scratch = new ScratchSession(profile, tape.session, tape, 'off');
      await scratch.feed(tape, 0, i);
      out.push({ scratch, tape, i });
    }
    // Preparing takes tens of milliseconds: let timers (lease renewal, heartbeat) run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Simulated days the primes are taken from (regular sessions). */
const SOURCE_DATES = ['2025-04-07', '2025-04-08', '2025-04-09', '2025-04-11', '2025-04-15', '2025-04-16', '2025-04-17', '2025-04-21'];

/** Primes a day needs: one per bar boundary of the session at the profile's timeframe, plus the square-off. */
export function primesPerDay(profile: Pick<Profile, 'tfl'>, sessionMinutes = 375): number {
  return Math.ceil(sessionMinutes / profile.tfl.timeframeMinutes) + 1;
}
