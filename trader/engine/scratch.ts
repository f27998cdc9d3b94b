import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar, type TradingSession } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import { MarketSimulator } from '../market-data/simulator/generator';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { nullLogger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import { buildRuntime, type Runtime } from './runtime';
import { TickPump } from './tick-pump';

/**
 * Throw-away runtimes over simulated ticks, for the warm-up before the open and the decision
 * primer during the day (warm-up.ts, primer.ts). A scratch runtime has its own clock, paper
 * broker and in-memory journal and logs nowhere: nothing it does reaches a store, a broker, a
 * file or the trading runtime. It runs the same engine code as the trading runtime, which is
 * the point.
 */

/** A simulated session's ticks in columns (the simulator's symbols, at a fraction of their tick rate). */
export interface Tape {
  readonly session: TradingSession;
  readonly n: number;
  readonly sym: Int32Array;
  readonly t: Float64Array;
  readonly px: Float64Array;
  readonly vol: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
}

/** A twentieth of the simulator's tick rate: bars and decisions still form, at far less cost. */
const TICK_RATE_SCALE = 0.05;

const INSTRUMENTS = DEFAULT_SIM_SYMBOLS.map((s) => instrumentFor(s.symbol));
const NAMES = INSTRUMENTS.map((i) => i.symbol);
const EXCHANGES = INSTRUMENTS.map((i) => i.exchange);

/** The simulator's session for `date` and `seed` (a twentieth of its tick rate unless told; the benchmarks use all of it). */
export function simulatedTape(calendar: NseCalendar, date: string, seed: number, tickRateScale = TICK_RATE_SCALE): Tape {
  const simulator = new MarketSimulator({ seed, date, symbols: DEFAULT_SIM_SYMBOLS, calendar, tickRateScale });
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

/** A scratch runtime with its session started, fed by `feed` (optionally with the tape's times shifted onto another session). */
export class ScratchSession {
  readonly rt: Runtime;
  readonly pump: TickPump;
  /** Added to the tape's times: the tape replayed on `session`'s date. */
  private readonly shiftMs: number;

  constructor(profile: Profile, session: TradingSession, tape: Tape, bias: 'off' | Bias) {
    this.rt = buildRuntime({ profile, instruments: INSTRUMENTS, calendar: new NseCalendar(), journalStore: new MemoryJournalStore(), clock: new SimulatedClock(session.openMs), mode: 'paper', bias, log: nullLogger });
    this.pump = new TickPump(this.rt.target, this.rt.orders);
    this.rt.engine.startSession(session, this.rt.bias);
    this.shiftMs = session.openMs - tape.session.openMs;
  }

  /**
   * Applies the tape's tick `i` as the feed would (tick gate, then the pump) and returns whether
   * it left order work to settle. The decision it causes runs before this returns.
   */
  apply(tape: Tape, i: number): boolean {
    const s = tape.sym[i] ?? 0;
    const time = (tape.t[i] ?? 0) + this.shiftMs;
    const k = this.rt.gate.accept(NAMES[s] ?? '', EXCHANGES[s] ?? '', time, tape.px[i] ?? 0, tape.vol[i], tape.bid[i], tape.ask[i]);
    if (k >= 0) this.pump.push(k, time, tape.px[i] ?? 0, tape.vol[i] ?? 0, tape.bid[i] ?? 0, tape.ask[i] ?? 0);
    return this.pump.queued > 0 || this.rt.orders.inFlight > 0;
  }

  /**
   * Applies ticks [from, to), letting order work settle after each tick that started some.
   * `onEntry(i, approved)`: tick i closed a bar with entry signals, and the risk gate approved
   * one (order work follows) or denied them all.
   */
  async feed(tape: Tape, from: number, to: number, onEntry?: (i: number, approved: boolean) => void): Promise<void> {
    for (let i = from; i < to; i++) {
      const signals = this.rt.engine.entrySignals;
      const busy = this.apply(tape, i);
      if (onEntry !== undefined && this.rt.engine.entrySignals > signals) onEntry(i, this.pump.queued > 0);
      if (busy) await this.pump.idle();
    }
    await this.pump.idle();
  }
}

/** Regular sessions (09:15–15:30, no special sessions) from `from` on, `n` of them. */
export function regularSessionsFrom(calendar: NseCalendar, from: string, n: number): TradingSession[] {
  const out: TradingSession[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); out.length < n; ms += 86_400_000) {
    const s = calendar.sessionOn(new Date(ms).toISOString().slice(0, 10));
    if (s !== null) out.push(s);
  }
  return out;
}
