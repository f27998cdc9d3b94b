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
 * `prime()`, which runs one real entry decision in a scratch runtime (scratch.ts): the same code,
 * on throw-away state, nothing of it reaching the trading runtime, a store or a broker.
 *
 * Each scratch session is set up in `prepare` one tick before a bar close on which it enters, so
 * a prime costs one decision (tens of microseconds, cold) and no setup. A session is used once;
 * `prepare` makes enough for a day's boundaries. The `trade` command prepares them before the
 * open and passes the primer to the engine; backtests and paper sessions do not prime.
 */
export class DecisionPrimer implements PrimerPort {
  private readonly ready: { scratch: ScratchSession; tape: Tape; i: number }[];
  private used = 0;
  private entries = 0;

  private constructor(
    readonly leadMs: number,
    ready: { scratch: ScratchSession; tape: Tape; i: number }[],
  ) {
    this.ready = ready;
  }

  /**
   * Scratch sessions positioned before `count` entry decisions, from simulated days under the
   * profile's own parameters (so the prime takes the same branches as the day's entries will).
   */
  static async prepare(profile: Profile, count: number, leadMs: number): Promise<DecisionPrimer> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`primer: count must be a non-negative integer, got ${count}`);
    const calendar = new NseCalendar();
    const ready: { scratch: ScratchSession; tape: Tape; i: number }[] = [];
    // Source days until there are `count` bar-close entries to stand before (about 5 a day; bounded).
    for (let day = 0; ready.length < count && day < 4 * count + 8; day++) {
      const date = SOURCE_DATES[day % SOURCE_DATES.length] ?? '';
      const tape = simulatedTape(calendar, date, 7_000 + day);
      const entries: number[] = [];
      const probe = new ScratchSession(profile, tape.session, tape, 'off');
      await probe.feed(tape, 0, tape.n, (i) => entries.push(i));
      await probe.rt.engine.endSession();
      for (const i of entries) {
        if (ready.length >= count) break;
        const scratch = new ScratchSession(profile, tape.session, tape, 'off');
        await scratch.feed(tape, 0, i);
        ready.push({ scratch, tape, i });
      }
    }
    return new DecisionPrimer(leadMs, ready);
  }

  /** Primes left. */
  get remaining(): number {
    return this.ready.length;
  }

  /** Primes run so far. */
  get primed(): number {
    return this.used;
  }

  /** Primes whose scratch session did decide its entry (all of them, unless something is off). */
  get entriesDecided(): number {
    return this.entries;
  }

  /** Runs one prepared entry decision; false when none is left. Its order work settles on its own. */
  prime(): boolean {
    const next = this.ready.pop();
    if (next === undefined) return false;
    this.used += 1;
    const engine = next.scratch.rt.engine;
    const before = engine.entrySignals;
    next.scratch.apply(next.tape, next.i);
    if (engine.entrySignals > before) this.entries += 1;
    return true;
  }
}

/** Simulated days the primes are taken from (regular sessions). */
const SOURCE_DATES = ['2025-04-07', '2025-04-08', '2025-04-09', '2025-04-11', '2025-04-15', '2025-04-16', '2025-04-17', '2025-04-21'];

/** Primes a day needs: one per bar boundary of the session at the profile's timeframe, plus the square-off. */
export function primesPerDay(profile: Pick<Profile, 'tfl'>, sessionMinutes = 375): number {
  return Math.ceil(sessionMinutes / profile.tfl.timeframeMinutes) + 1;
}
