import { z } from 'zod';
import type { Bar } from '../../domain/bar';
import { Atr } from '../../indicators/atr';
import type { Bias, Direction, Intent } from '../../domain/intent';
import { snapDown, snapUp, toPaise, toRupees } from '../../domain/money';
import type { Paise } from '../../domain/money';
import { MINUTE_MS, formatHhmm, istMinuteOfDay, istMsOfDay, parseHhmm } from '../../domain/time';
import type { OpenedPosition, Strategy, StrategyOutput } from '../port';
import type { TflParams } from './params';

/**
 * TFL ("traffic light") breakout, equity/index mode (strategies.md §1).
 *
 * A pair is two consecutive completed bars of opposite colour. It is armed at the close of its
 * second bar; a later completed bar that CLOSES strictly beyond the pair's high (long) or low
 * (short) triggers an entry at that close, with the initial stop on the pair's far side. While a
 * pair is armed, an entry is pending or a position is open, new pairs are ignored ("lock first").
 *
 * Per symbol the strategy is a small state machine:
 *
 *   IDLE ──pair passes filters──▶ ARMED ──trigger close──▶ PENDING ──fill──▶ OPEN ──EXIT emitted──▶ EXITING
 *    ▲                                                        │                 │                      │
 *    └──────────────── abandoned (denied/rejected) ───────────┘                 └──── flat ────────────┘
 *
 * Stops hit by price are executed by the broker-side stop order: the strategy never emits an
 * EXIT for them, it only moves the stop (breakeven, trailing) and asks for target, partial and
 * stop-at-entry exits. Square-off, kill switch and the daily loss limit belong to the engine.
 */

const IDLE = 0;
const ARMED = 1;
const PENDING = 2;
const OPEN = 3;
const EXITING = 4;
type Phase = typeof IDLE | typeof ARMED | typeof PENDING | typeof OPEN | typeof EXITING;

const GREEN = 1;
const RED = -1;
const DOJI = 0;
type Colour = typeof GREEN | typeof RED | typeof DOJI;

/** Mutable per-symbol state; one instance per dense symbol index, fields written in place. */
class SymbolState {
  phase: Phase = IDLE;

  // The previous completed bar of this session (first half of a potential pair).
  hasPrev = false;
  prevStartMs = 0;
  prevColour: Colour = DOJI;
  prevHighPaise = 0;
  prevLowPaise = 0;

  // The armed pair.
  pairFirstMs = 0;
  pairSecondMs = 0;
  pairHighPaise = 0;
  pairLowPaise = 0;
  pairLong = false;
  pairShort = false;
  pairRangePct = 0;

  /** Start of the trigger bar of the entry awaiting its fill (phase PENDING). */
  pendingSignalBarMs = 0;
  /** The first bar of the next pair must start strictly after this instant (null: no constraint). */
  nextPairAfterMs: number | null = null;
  tradesToday = 0;

  // The open position (phases OPEN and EXITING).
  dir: 1 | -1 = 1;
  entryTimeMs = 0;
  entryPaise = 0;
  stopPaise = 0;
  riskPaise = 0;
  targetPaise = 0;
  breakevenPaise = 0;
  partialPaise = 0;
  breakevenDone = false;
  partialDone = false;
  /** Most favourable tick price since entry (for ATR trailing). */
  extremePaise = 0;

  // Ring of the most recent bar volumes (oldest overwritten first).
  readonly volumes: Float64Array;
  volCount = 0;
  volHead = 0;

  constructor(
    readonly symbol: string,
    readonly tickPaise: number,
    lookback: number,
    /** Only in trailing mode 'atr'. */
    readonly atr: Atr | null,
  ) {
    this.volumes = new Float64Array(lookback);
  }

  clearDay(): void {
    this.phase = IDLE;
    this.hasPrev = false;
    this.pairLong = false;
    this.pairShort = false;
    this.nextPairAfterMs = null;
    this.tradesToday = 0;
  }
}

export class TflStrategy implements Strategy<TflSnapshot> {
  readonly id: string;
  readonly timeframes: readonly number[];

  private readonly params: TflParams;
  private readonly tfMs: number;
  private readonly scanStartMsOfDay: number;
  private readonly deadlineMsOfDay: number;
  private readonly states: SymbolState[] = [];
  private bias: Bias | null = null;
  private dateKey: string | null = null;

  /**
   * @param params parsed TFL parameters (`parseTflParams`; `DEFAULT_TFL_PARAMS` for §1's defaults).
   * @param id strategy id used in intents (and so in client order ids).
   */
  constructor(params: TflParams, id = 'tfl') {
    this.params = params;
    this.id = id;
    this.timeframes = [params.timeframeMinutes];
    this.tfMs = params.timeframeMinutes * MINUTE_MS;
    this.scanStartMsOfDay = parseHhmm(params.scanStart) * MINUTE_MS;
    this.deadlineMsOfDay = parseHhmm(params.entryDeadline) * MINUTE_MS;
  }

  addSymbol(index: number, symbol: string, tickPaise: number): void {
    if (index !== this.states.length) {
      throw new Error(`TFL: symbols must be added densely in order; got index ${index} for '${symbol}', expected ${this.states.length}`);
    }
    if (!Number.isInteger(tickPaise) || tickPaise <= 0) throw new Error(`TFL: tick size of '${symbol}' must be a positive integer of paise`);
    const atr = this.params.trailing.mode === 'atr' ? new Atr(this.params.trailing.atrPeriod) : null;
    this.states.push(new SymbolState(symbol, tickPaise, this.params.relVolumeLookback, atr));
  }

  setBias(bias: Bias | null): void {
    this.bias = bias;
  }

  /**
   * Resets the daily state (pairs, locks, trade counts). Volumes and ATR carry over: they are
   * rolling series. A repeated call for the day already running is a no-op, so a restore
   * followed by the engine's usual session start does not wipe the restored state.
   */
  onSessionStart(dateKey: string, _openMs: number): void {
    if (dateKey === this.dateKey) return;
    this.dateKey = dateKey;
    for (const s of this.states) s.clearDay();
  }

  onBar(symbol: number, timeframeMinutes: number, bar: Bar, out: StrategyOutput): void {
    if (timeframeMinutes !== this.params.timeframeMinutes) return;
    const s = this.state(symbol);
    const highPaise = toPaise(bar.high);
    const lowPaise = toPaise(bar.low);
    const closePaise = toPaise(bar.close);
    const closeMs = bar.startMs + this.tfMs;
    const colour: Colour = bar.close > bar.open ? GREEN : bar.close < bar.open ? RED : DOJI;

    if (s.atr) s.atr.update(bar.high, bar.low, bar.close);

    switch (s.phase) {
      case OPEN:
        // Only bars that complete while the position is open count for trailing.
        if (closeMs > s.entryTimeMs) this.trail(s, highPaise, lowPaise, closeMs, out);
        break;
      case ARMED:
        this.checkTrigger(s, bar, closePaise, closeMs, out);
        break;
      case IDLE:
        this.checkPair(s, bar, colour, highPaise, lowPaise, closePaise);
        break;
      case PENDING:
      case EXITING:
        break;
    }

    s.hasPrev = true;
    s.prevStartMs = bar.startMs;
    s.prevColour = colour;
    s.prevHighPaise = highPaise;
    s.prevLowPaise = lowPaise;
    this.pushVolume(s, bar.volume);
  }

  onTick(symbol: number, timeMs: number, pricePaise: Paise, out: StrategyOutput): void {
    const s = this.states[symbol];
    if (s === undefined || s.phase !== OPEN) return;
    const long = s.dir === 1;
    if (long ? pricePaise > s.extremePaise : pricePaise < s.extremePaise) s.extremePaise = pricePaise;

    if (long ? pricePaise >= s.targetPaise : pricePaise <= s.targetPaise) {
      s.phase = EXITING;
      out.emit({ kind: 'EXIT', strategy: this.id, symbol: s.symbol, decidedAtMs: timeMs, fraction: 1, reason: 'TARGET' });
      return;
    }
    if (!s.breakevenDone && (long ? pricePaise >= s.breakevenPaise : pricePaise <= s.breakevenPaise)) {
      s.breakevenDone = true;
      // Breakeven is the fill price, snapped away from the market if the fill was off the grid.
      const be = long ? snapDown(s.entryPaise, s.tickPaise) : snapUp(s.entryPaise, s.tickPaise);
      if (long ? be > s.stopPaise : be < s.stopPaise) {
        s.stopPaise = be;
        out.emit({ kind: 'MOVE_STOP', strategy: this.id, symbol: s.symbol, stopPaise: be, decidedAtMs: timeMs, reason: 'BREAKEVEN' });
      }
    }
    if (this.params.partialProfit.enabled && !s.partialDone && (long ? pricePaise >= s.partialPaise : pricePaise <= s.partialPaise)) {
      s.partialDone = true;
      out.emit({
        kind: 'EXIT',
        strategy: this.id,
        symbol: s.symbol,
        decidedAtMs: timeMs,
        fraction: this.params.partialProfit.fraction,
        reason: 'PARTIAL_TARGET',
      });
    }
  }

  onPositionOpened(symbol: number, position: OpenedPosition, out: StrategyOutput): void {
    const s = this.state(symbol);
    const long = position.direction === 'LONG';
    s.phase = OPEN;
    s.dir = long ? 1 : -1;
    s.entryTimeMs = position.entryTimeMs;
    s.entryPaise = position.entryPricePaise;
    s.stopPaise = position.stopPaise;
    s.riskPaise = position.riskPerUnitPaise;
    s.targetPaise = position.targetPaise;
    s.breakevenPaise = s.entryPaise + s.dir * this.params.breakevenAtR * s.riskPaise;
    s.partialPaise = s.entryPaise + s.dir * this.params.partialProfit.atR * s.riskPaise;
    s.breakevenDone = false;
    s.partialDone = false;
    s.extremePaise = s.entryPaise;
    s.tradesToday += 1;

    // §1: a fill at or beyond the stop leaves no risk to manage; get out at once.
    const atOrBeyondStop = long ? s.entryPaise <= s.stopPaise : s.entryPaise >= s.stopPaise;
    if (atOrBeyondStop || s.riskPaise <= 0) {
      s.phase = EXITING;
      out.emit({
        kind: 'EXIT',
        strategy: this.id,
        symbol: s.symbol,
        decidedAtMs: position.entryTimeMs,
        fraction: 1,
        reason: 'STOP_AT_ENTRY',
      });
    }
  }

  onPositionClosed(symbol: number, exitTimeMs: number): void {
    const s = this.state(symbol);
    s.phase = IDLE;
    s.pairLong = false;
    s.pairShort = false;
    s.nextPairAfterMs = exitTimeMs;
  }

  /**
   * The entry will not happen (risk denial or broker rejection). The pair that triggered it is
   * consumed, not re-armed, and the next pair must start after the trigger bar: the bars that
   * produced the abandoned signal are not reused. Anchoring on the trigger bar (not the time the
   * news arrives) keeps replays identical whatever the broker's latency.
   */
  onEntryAbandoned(symbol: number, _timeMs: number, _reason: string): void {
    const s = this.state(symbol);
    if (s.phase !== PENDING) return;
    s.phase = IDLE;
    s.pairLong = false;
    s.pairShort = false;
    s.nextPairAfterMs = s.nextPairAfterMs === null ? s.pendingSignalBarMs : Math.max(s.nextPairAfterMs, s.pendingSignalBarMs);
  }

  snapshot(): TflSnapshot {
    return {
      version: 1,
      dateKey: this.dateKey,
      bias: this.bias,
      symbols: this.states.map((s) => snapshotSymbol(s)),
    };
  }

  /** Restores a snapshot taken by `snapshot()`; symbols must already be added, the same set. */
  restore(snapshot: TflSnapshot): void {
    const snap = TflSnapshotSchema.parse(snapshot);
    if (snap.symbols.length !== this.states.length) {
      throw new Error(`TFL restore: snapshot has ${snap.symbols.length} symbols, strategy has ${this.states.length}`);
    }
    const byName = new Map<string, SymbolState>();
    for (const s of this.states) byName.set(s.symbol, s);
    for (const ss of snap.symbols) {
      const s = byName.get(ss.symbol);
      if (s === undefined) throw new Error(`TFL restore: symbol '${ss.symbol}' is not registered`);
      this.restoreSymbol(s, ss);
    }
    this.dateKey = snap.dateKey;
    this.bias = snap.bias;
  }

  private restoreSymbol(s: SymbolState, ss: SymbolSnapshot): void {
    const st = ss.state;
    s.phase = IDLE;
    s.pairLong = false;
    s.pairShort = false;
    switch (st.phase) {
      case 'IDLE':
        break;
      case 'ARMED':
        s.phase = ARMED;
        s.pairFirstMs = st.pair.firstStartMs;
        s.pairSecondMs = st.pair.secondStartMs;
        s.pairHighPaise = st.pair.highPaise;
        s.pairLowPaise = st.pair.lowPaise;
        s.pairLong = st.pair.long;
        s.pairShort = st.pair.short;
        s.pairRangePct = st.pair.rangePct;
        break;
      case 'PENDING':
        s.phase = PENDING;
        s.pendingSignalBarMs = st.signalBarMs;
        break;
      case 'OPEN':
      case 'EXITING':
        s.phase = st.phase === 'OPEN' ? OPEN : EXITING;
        restorePosition(s, st.position, this.params.breakevenAtR, this.params.partialProfit.atR);
        break;
    }
    const prev = ss.prevBar;
    s.hasPrev = prev !== null;
    if (prev !== null) {
      s.prevStartMs = prev.startMs;
      s.prevColour = prev.colour === 'GREEN' ? GREEN : prev.colour === 'RED' ? RED : DOJI;
      s.prevHighPaise = prev.highPaise;
      s.prevLowPaise = prev.lowPaise;
    }
    s.nextPairAfterMs = ss.nextPairAfterMs;
    s.tradesToday = ss.tradesToday;
    // Keep the newest `lookback` volumes (a smaller lookback than when saved just drops the oldest).
    s.volumes.fill(0);
    s.volCount = 0;
    s.volHead = 0;
    const cap = s.volumes.length;
    for (let i = Math.max(0, ss.volumes.length - cap); i < ss.volumes.length; i++) this.pushVolume(s, ss.volumes[i] ?? 0);
    if (s.atr) {
      if (ss.atr === null || ss.atr === undefined) throw new Error(`TFL restore: '${ss.symbol}' has no ATR state for trailing mode 'atr'`);
      s.atr.restore(ss.atr);
    }
  }

  // ── rules ──────────────────────────────────────────────────────────────────────────────

  private checkPair(s: SymbolState, bar: Bar, colour: Colour, highPaise: number, lowPaise: number, closePaise: number): void {
    if (!s.hasPrev || colour === DOJI || s.prevColour === DOJI || colour === s.prevColour) return;
    // Consecutive: the second bar starts where the first ended (a missing bar breaks the pair).
    if (bar.startMs !== s.prevStartMs + this.tfMs) return;
    if (s.nextPairAfterMs !== null && s.prevStartMs <= s.nextPairAfterMs) return;
    if (istMsOfDay(s.prevStartMs) < this.scanStartMsOfDay) return;
    // A pair that no later bar could trigger before the deadline is not armed.
    if (istMsOfDay(bar.startMs) + 2 * this.tfMs > this.deadlineMsOfDay) return;
    if (s.tradesToday >= this.params.maxTradesPerSymbolPerDay) return;
    const long = this.allows('LONG');
    const short = this.allows('SHORT');
    if (!long && !short) return;

    const pairHigh = highPaise > s.prevHighPaise ? highPaise : s.prevHighPaise;
    const pairLow = lowPaise < s.prevLowPaise ? lowPaise : s.prevLowPaise;
    // One correctly rounded division of integers: a range exactly on a bound compares equal to it.
    const rangePct = ((pairHigh - pairLow) * 100) / closePaise;
    if (rangePct > this.params.maxRangePct || rangePct < this.params.minRangePct) return;

    s.phase = ARMED;
    s.pairFirstMs = s.prevStartMs;
    s.pairSecondMs = bar.startMs;
    s.pairHighPaise = pairHigh;
    s.pairLowPaise = pairLow;
    s.pairLong = long;
    s.pairShort = short;
    s.pairRangePct = rangePct;
  }

  private checkTrigger(s: SymbolState, bar: Bar, closePaise: number, closeMs: number, out: StrategyOutput): void {
    if (bar.startMs <= s.pairSecondMs) return;
    if (istMsOfDay(bar.startMs) + this.tfMs > this.deadlineMsOfDay) {
      // Past the entry deadline the pair can never trigger today.
      s.phase = IDLE;
      s.pairLong = false;
      s.pairShort = false;
      return;
    }
    if (s.tradesToday >= this.params.maxTradesPerSymbolPerDay) return;
    let direction: Direction;
    if (s.pairLong && closePaise > s.pairHighPaise && this.allows('LONG')) direction = 'LONG';
    else if (s.pairShort && closePaise < s.pairLowPaise && this.allows('SHORT')) direction = 'SHORT';
    else return;

    const long = direction === 'LONG';
    const buffer = this.params.stopBufferPaise;
    const stopPaise = long ? snapDown(s.pairLowPaise - buffer, s.tickPaise) : snapUp(s.pairHighPaise + buffer, s.tickPaise);
    const relVolume = this.relVolume(s, bar.volume);
    s.phase = PENDING;
    s.pendingSignalBarMs = bar.startMs;
    s.pairLong = false;
    s.pairShort = false;
    const pair = { firstMs: s.pairFirstMs, secondMs: s.pairSecondMs, levelPaise: long ? s.pairHighPaise : s.pairLowPaise };
    out.emit(new TflEntryIntent(this.id, s.symbol, direction, bar.startMs, closeMs, stopPaise, closePaise, this.params.targetR, s.pairRangePct, relVolume, pair));
  }

  private trail(s: SymbolState, highPaise: number, lowPaise: number, closeMs: number, out: StrategyOutput): void {
    const t = this.params.trailing;
    if (t.startAfter === 'breakeven' && !s.breakevenDone) return;
    const long = s.dir === 1;
    let candidate: number;
    let reason: 'TRAIL' | 'TRAIL_ATR';
    if (t.mode === 'bar') {
      candidate = long ? snapDown(lowPaise, s.tickPaise) : snapUp(highPaise, s.tickPaise);
      reason = 'TRAIL';
    } else {
      const atr = s.atr;
      if (atr === null || !atr.isStable) return;
      const distancePaise = t.atrMultiple * atr.value * 100;
      candidate = long ? snapDown(s.extremePaise - distancePaise, s.tickPaise) : snapUp(s.extremePaise + distancePaise, s.tickPaise);
      reason = 'TRAIL_ATR';
    }
    // Never loosened: only a strictly tighter stop moves.
    if (long ? candidate <= s.stopPaise : candidate >= s.stopPaise) return;
    s.stopPaise = candidate;
    out.emit({ kind: 'MOVE_STOP', strategy: this.id, symbol: s.symbol, stopPaise: candidate, decidedAtMs: closeMs, reason });
  }

  private allows(direction: Direction): boolean {
    const bias = this.bias;
    if (bias === null) return !this.params.requireBias;
    switch (bias) {
      case 'LONGS_ONLY':
        return direction === 'LONG';
      case 'SHORTS_ONLY':
        return direction === 'SHORT';
      case 'NO_TRADES':
        return false;
    }
  }

  /**
   * Trigger bar volume / mean volume of the bars before it (up to `relVolumeLookback`, across
   * sessions). 1 (neutral) when either is zero or unknown: the ranking then treats it as equal.
   */
  private relVolume(s: SymbolState, volume: number): number {
    if (!(volume > 0) || s.volCount === 0) return 1;
    let sum = 0;
    for (let i = 0; i < s.volCount; i++) sum += s.volumes[i] ?? 0;
    if (!(sum > 0)) return 1;
    return volume / (sum / s.volCount);
  }

  private pushVolume(s: SymbolState, volume: number): void {
    const v = volume > 0 ? volume : 0;
    s.volumes[s.volHead] = v;
    s.volHead = (s.volHead + 1) % s.volumes.length;
    if (s.volCount < s.volumes.length) s.volCount += 1;
  }

  private state(symbol: number): SymbolState {
    const s = this.states[symbol];
    if (s === undefined) throw new Error(`TFL: unknown symbol index ${symbol}`);
    return s;
  }
}

/**
 * TFL's ENTER intent. Its audit text (`reason`) is formatted when it is read, by the journal
 * writer after the tick or by a report, not on the decision path, where number formatting was the
 * costliest step of a cold entry decision. A class rather than a getter in an object literal: V8
 * builds literals with accessors through the runtime (~5 µs cold, measured). `toJSON` writes
 * `reason` like any other field; the pair it describes is kept in a private field, so the
 * intent's own fields are exactly the `Intent` ENTER shape.
 */
class TflEntryIntent {
  readonly kind = 'ENTER';
  readonly #pair: { readonly firstMs: number; readonly secondMs: number; readonly levelPaise: number };

  constructor(
    readonly strategy: string,
    readonly symbol: string,
    readonly direction: Direction,
    readonly signalBarMs: number,
    readonly decidedAtMs: number,
    readonly stopPaise: number,
    readonly refPricePaise: number,
    readonly targetR: number,
    readonly rangePct: number,
    readonly relVolume: number,
    pair: { readonly firstMs: number; readonly secondMs: number; readonly levelPaise: number },
  ) {
    this.#pair = pair;
  }

  get reason(): string {
    const long = this.direction === 'LONG';
    const p = this.#pair;
    return (
      `TFL ${long ? 'long' : 'short'}: ${hhmmOf(this.signalBarMs)} bar closed ${rupees(this.refPricePaise)} ` +
      `${long ? '>' : '<'} pair ${long ? 'high' : 'low'} ${rupees(p.levelPaise)} ` +
      `(pair ${hhmmOf(p.firstMs)}+${hhmmOf(p.secondMs)}, range ${this.rangePct.toFixed(3)} %, ` +
      `stop ${rupees(this.stopPaise)}, rel. volume ${this.relVolume.toFixed(2)})`
    );
  }

  toJSON(): Extract<Intent, { kind: 'ENTER' }> {
    const { kind, strategy, symbol, direction, signalBarMs, decidedAtMs, stopPaise, refPricePaise, targetR, rangePct, relVolume } = this;
    return { kind, strategy, symbol, direction, signalBarMs, decidedAtMs, stopPaise, refPricePaise, targetR, rangePct, relVolume, reason: this.reason };
  }
}

function hhmmOf(ms: number): string {
  return formatHhmm(istMinuteOfDay(ms));
}

function rupees(paise: number): string {
  return toRupees(paise).toFixed(2);
}

// ── snapshot ───────────────────────────────────────────────────────────────────────────────

const int = z.number().int();
const paise = z.number().int();

const PairSchema = z.strictObject({
  firstStartMs: int,
  secondStartMs: int,
  highPaise: paise,
  lowPaise: paise,
  long: z.boolean(),
  short: z.boolean(),
  rangePct: z.number().min(0),
});

const PositionSchema = z.strictObject({
  direction: z.enum(['LONG', 'SHORT']),
  entryTimeMs: int,
  entryPaise: paise,
  stopPaise: paise,
  riskPerUnitPaise: z.number(),
  targetPaise: z.number(),
  breakevenDone: z.boolean(),
  partialDone: z.boolean(),
  extremePaise: paise,
});

const PhaseSchema = z.discriminatedUnion('phase', [
  z.strictObject({ phase: z.literal('IDLE') }),
  z.strictObject({ phase: z.literal('ARMED'), pair: PairSchema }),
  z.strictObject({ phase: z.literal('PENDING'), signalBarMs: int }),
  z.strictObject({ phase: z.literal('OPEN'), position: PositionSchema }),
  z.strictObject({ phase: z.literal('EXITING'), position: PositionSchema }),
]);

const SymbolSnapshotSchema = z.strictObject({
  symbol: z.string().min(1),
  state: PhaseSchema,
  prevBar: z
    .strictObject({ startMs: int, colour: z.enum(['GREEN', 'RED', 'DOJI']), highPaise: paise, lowPaise: paise })
    .nullable(),
  nextPairAfterMs: int.nullable(),
  tradesToday: int.min(0),
  /** Recent bar volumes, oldest first. */
  volumes: z.array(z.number().min(0)),
  /** The ATR's own snapshot (trailing mode 'atr'), null otherwise. */
  atr: z.unknown(),
});

export const TflSnapshotSchema = z.strictObject({
  version: z.literal(1),
  dateKey: z.string().nullable(),
  bias: z.enum(['LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']).nullable(),
  symbols: z.array(SymbolSnapshotSchema),
});

export type TflSnapshot = z.infer<typeof TflSnapshotSchema>;
type SymbolSnapshot = z.infer<typeof SymbolSnapshotSchema>;
type PositionSnapshot = z.infer<typeof PositionSchema>;

const COLOUR_NAMES = { [GREEN]: 'GREEN', [RED]: 'RED', [DOJI]: 'DOJI' } as const;

function positionOf(s: SymbolState): PositionSnapshot {
  return {
    direction: s.dir === 1 ? 'LONG' : 'SHORT',
    entryTimeMs: s.entryTimeMs,
    entryPaise: s.entryPaise,
    stopPaise: s.stopPaise,
    riskPerUnitPaise: s.riskPaise,
    targetPaise: s.targetPaise,
    breakevenDone: s.breakevenDone,
    partialDone: s.partialDone,
    extremePaise: s.extremePaise,
  };
}

function snapshotSymbol(s: SymbolState): SymbolSnapshot {
  let state: SymbolSnapshot['state'];
  switch (s.phase) {
    case IDLE:
      state = { phase: 'IDLE' };
      break;
    case ARMED:
      state = {
        phase: 'ARMED',
        pair: {
          firstStartMs: s.pairFirstMs,
          secondStartMs: s.pairSecondMs,
          highPaise: s.pairHighPaise,
          lowPaise: s.pairLowPaise,
          long: s.pairLong,
          short: s.pairShort,
          rangePct: s.pairRangePct,
        },
      };
      break;
    case PENDING:
      state = { phase: 'PENDING', signalBarMs: s.pendingSignalBarMs };
      break;
    case OPEN:
      state = { phase: 'OPEN', position: positionOf(s) };
      break;
    case EXITING:
      state = { phase: 'EXITING', position: positionOf(s) };
      break;
  }
  const volumes: number[] = [];
  const cap = s.volumes.length;
  const oldest = (s.volHead - s.volCount + cap) % cap;
  for (let i = 0; i < s.volCount; i++) volumes.push(s.volumes[(oldest + i) % cap] ?? 0);
  return {
    symbol: s.symbol,
    state,
    prevBar: s.hasPrev
      ? { startMs: s.prevStartMs, colour: COLOUR_NAMES[s.prevColour], highPaise: s.prevHighPaise, lowPaise: s.prevLowPaise }
      : null,
    nextPairAfterMs: s.nextPairAfterMs,
    tradesToday: s.tradesToday,
    volumes,
    atr: s.atr ? s.atr.snapshot() : null,
  };
}

function restorePosition(s: SymbolState, p: PositionSnapshot, breakevenAtR: number, partialAtR: number): void {
  s.dir = p.direction === 'LONG' ? 1 : -1;
  s.entryTimeMs = p.entryTimeMs;
  s.entryPaise = p.entryPaise;
  s.stopPaise = p.stopPaise;
  s.riskPaise = p.riskPerUnitPaise;
  s.targetPaise = p.targetPaise;
  s.breakevenPaise = p.entryPaise + s.dir * breakevenAtR * p.riskPerUnitPaise;
  s.partialPaise = p.entryPaise + s.dir * partialAtR * p.riskPerUnitPaise;
  s.breakevenDone = p.breakevenDone;
  s.partialDone = p.partialDone;
  s.extremePaise = p.extremePaise;
}
