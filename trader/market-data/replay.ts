import type { Bar } from '../domain/bar';
import type { NseCalendar } from '../domain/calendar';
import { formatIst } from '../domain/time';
import { SessionBuckets } from '../bars/buckets';
import type { ColumnarBars } from '../bars/columnar';

/**
 * Replay of bar data as ticks.
 *
 * Intrabar path (deterministic): every bar becomes four ticks,
 *   open → nearer extreme → farther extreme → close,
 * where the nearer extreme is the one closer in price to the open. Tie rule (|high − open| ===
 * |open − low|): the path first visits the extreme on the opposite side of the close, so that it
 * ends moving towards the close: a green or doji bar (close ≥ open) goes to the low first, a red
 * bar (close < open) to the high first.
 *
 * Tick times, for a bar starting at S with duration d (the timeframe, clipped at the segment's
 * close like the bar grid: a 60-minute bar at 15:15 lasts 15 minutes):
 *   open at S, first extreme at S + ⌊d/3⌋, second at S + ⌊2d/3⌋, close at S + d − 1 ms.
 * Every tick is strictly inside its bar, so a bar aggregator of the same (or a larger, aligned)
 * timeframe rebuilds the bar exactly; the close tick precedes the next bar's open by 1 ms.
 *
 * Volume: each tick carries ⌊v/4⌋ and the close tick also the remainder, so the four integers
 * sum to the bar's volume.
 */
export type TickSink = (symbol: number, timeMs: number, price: number, volume: number) => void;

/** True when the path visits the high before the low (see the tie rule above). */
export function highFirst(open: number, high: number, low: number, close: number): boolean {
  const up = high - open;
  const down = open - low;
  return up < down || (up === down && close < open);
}

/** Offsets of the four ticks inside a bar of `durationMs` (durationMs >= 4 keeps them distinct). */
export function tickOffsets(durationMs: number): readonly [number, number, number, number] {
  return [0, Math.floor(durationMs / 3), Math.floor((2 * durationMs) / 3), durationMs - 1];
}

export interface PathTick {
  readonly timeMs: number;
  readonly price: number;
  readonly volume: number;
}

/** The four ticks of one bar (allocates; for tests, tools and single-bar use). */
export function barPath(bar: Bar, durationMs: number): PathTick[] {
  const [a, b, c, d] = tickOffsets(durationMs);
  const hf = highFirst(bar.open, bar.high, bar.low, bar.close);
  const q = Math.floor(bar.volume / 4);
  return [
    { timeMs: bar.startMs + a, price: bar.open, volume: q },
    { timeMs: bar.startMs + b, price: hf ? bar.high : bar.low, volume: q },
    { timeMs: bar.startMs + c, price: hf ? bar.low : bar.high, volume: q },
    { timeMs: bar.startMs + d, price: bar.close, volume: bar.volume - 3 * q },
  ];
}

export interface BarReplayOptions {
  /** Timeframe of every input series; bars must sit on this grid of the calendar's sessions. */
  readonly barMinutes: number;
  readonly calendar: NseCalendar;
}

/** Doubles per merged row: open, first extreme, second extreme, close, volume per tick, close-tick volume. */
const ROW = 6;

/**
 * Merges several symbols' bar series (symbol index = position in `series`) into one
 * time-ordered tick stream, delivered to a callback without allocating per tick.
 *
 * Ordering: all input series share one bar grid, so two bars either start together or do not
 * overlap. The replay walks bar start times in order; for each start it emits the open ticks of
 * every symbol that has a bar there (in symbol-index order), then their first extremes, then the
 * second extremes, then the closes. That is exactly tick-time order with ties broken by symbol
 * index.
 *
 * Layout: the constructor merges the series once into a single time-ordered, row-major table
 * (symbol, and open / path prices / volumes per row) with the intrabar path already resolved, so
 * the replay itself reads memory strictly sequentially. (Walking 50 symbols × 6 columns in
 * lockstep touches 300 streams per step and is several times slower.) Memory: 52 bytes per bar.
 *
 * Checks at construction: each series strictly increasing; each bar start in a session of the
 * calendar and on the `barMinutes` grid. Violations throw a RangeError naming the series and time.
 */
export class BarReplay {
  readonly symbolCount: number;
  readonly totalBars: number;
  /** Per group (bar start time shared by one or more symbols): start, duration, end row (exclusive). */
  private readonly groupStart: Float64Array;
  private readonly groupDur: Float64Array;
  private readonly groupEnd: Int32Array;
  private readonly groupCount: number;
  private readonly sym: Int32Array;
  private readonly rows: Float64Array;
  private nextGroup = 0;

  constructor(series: readonly ColumnarBars[], options: BarReplayOptions) {
    if (series.length === 0) throw new RangeError('BarReplay needs at least one series');
    const k = series.length;
    this.symbolCount = k;
    const grid = new SessionBuckets(options.calendar, options.barMinutes);
    let total = 0;
    series.forEach((s, idx) => {
      const ts = s.startMs;
      for (let i = 1; i < s.length; i++) {
        if (!((ts[i] ?? 0) > (ts[i - 1] ?? 0))) {
          throw new RangeError(`series ${idx}: bar ${i} (${formatIst(ts[i] ?? 0)}) is not after the previous bar`);
        }
      }
      total += s.length;
    });
    this.totalBars = total;
    const sym = new Int32Array(total);
    const rows = new Float64Array(total * ROW);
    const gStart = new Float64Array(total);
    const gDur = new Float64Array(total);
    const gEnd = new Int32Array(total);
    const cursor = new Int32Array(k);
    let r = 0;
    let g = 0;
    // Grid validation is cached per bucket span: a start inside the last located segment only
    // needs the alignment arithmetic.
    let segOpen = Number.NaN;
    let segClose = Number.NaN;
    let sessOpen = Number.NaN;
    const tf = grid.timeframeMs;
    while (true) {
      let start = Number.POSITIVE_INFINITY;
      for (let s = 0; s < k; s++) {
        const src = series[s];
        const i = cursor[s] ?? 0;
        if (src !== undefined && i < src.length) {
          const t = src.startMs[i] ?? Number.POSITIVE_INFINITY;
          if (t < start) start = t;
        }
      }
      if (start === Number.POSITIVE_INFINITY) break;
      if (!(start >= segOpen && start < segClose)) {
        if (!grid.locate(start)) throw new RangeError(`bar at ${formatIst(start)} is outside the session calendar`);
        const session = options.calendar.sessionAt(start);
        sessOpen = session === null ? Number.NaN : session.openMs;
        segOpen = Number.NaN;
        segClose = Number.NaN;
        for (const seg of session?.segments ?? []) {
          if (start >= seg.openMs && start < seg.closeMs) {
            segOpen = seg.openMs;
            segClose = seg.closeMs;
          }
        }
      }
      const aligned = sessOpen + Math.floor((start - sessOpen) / tf) * tf;
      const bucketStart = aligned > segOpen ? aligned : segOpen;
      if (bucketStart !== start) {
        throw new RangeError(`bar at ${formatIst(start)} is not on the ${tf / 60_000}-minute session grid`);
      }
      const end = aligned + tf < segClose ? aligned + tf : segClose;
      for (let s = 0; s < k; s++) {
        const src = series[s];
        const i = cursor[s] ?? 0;
        if (src === undefined || i >= src.length || src.startMs[i] !== start) continue;
        const open = src.open[i] ?? 0;
        const high = src.high[i] ?? 0;
        const low = src.low[i] ?? 0;
        const close = src.close[i] ?? 0;
        const vol = src.volume[i] ?? 0;
        const q = Math.floor(vol / 4);
        const hf = highFirst(open, high, low, close);
        const o = r * ROW;
        sym[r] = s;
        rows[o] = open;
        rows[o + 1] = hf ? high : low;
        rows[o + 2] = hf ? low : high;
        rows[o + 3] = close;
        rows[o + 4] = q;
        rows[o + 5] = vol - 3 * q;
        r++;
        cursor[s] = i + 1;
      }
      gStart[g] = start;
      gDur[g] = end - start;
      gEnd[g] = r;
      g++;
    }
    this.sym = sym;
    this.rows = rows;
    this.groupStart = gStart.slice(0, g);
    this.groupDur = gDur.slice(0, g);
    this.groupEnd = gEnd.slice(0, g);
    this.groupCount = g;
  }

  /** Bars replayed so far (for progress). */
  get barsEmitted(): number {
    return this.nextGroup === 0 ? 0 : (this.groupEnd[this.nextGroup - 1] ?? 0);
  }

  /** Start of the next bar time to be replayed, or +Infinity at the end. */
  get nextBarStartMs(): number {
    return this.nextGroup < this.groupCount ? (this.groupStart[this.nextGroup] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  }

  /** Emits all ticks of the next bar start time (every symbol with a bar there). False at the end. */
  step(sink: TickSink): boolean {
    const g = this.nextGroup;
    if (g >= this.groupCount) return false;
    this.nextGroup = g + 1;
    this.emitGroup(g, sink);
    return true;
  }

  /**
   * Replays everything that is left, or up to (excluding) the first bar starting at or after
   * `untilMs`. `onStep` (optional) runs after each bar time, e.g. for progress or clock checks.
   */
  run(sink: TickSink, onStep?: (barsEmitted: number, totalBars: number) => void, untilMs = Number.POSITIVE_INFINITY): void {
    const n = this.groupCount;
    const starts = this.groupStart;
    const ends = this.groupEnd;
    let g = this.nextGroup;
    while (g < n && (starts[g] ?? 0) < untilMs) {
      this.nextGroup = g + 1;
      this.emitGroup(g, sink);
      onStep?.(ends[g] ?? 0, this.totalBars);
      g++;
    }
  }

  private emitGroup(g: number, sink: TickSink): void {
    const sym = this.sym;
    const rows = this.rows;
    const first = g === 0 ? 0 : (this.groupEnd[g - 1] ?? 0);
    const end = this.groupEnd[g] ?? 0;
    const start = this.groupStart[g] ?? 0;
    const d = this.groupDur[g] ?? 0;
    const t1 = start + Math.floor(d / 3);
    const t2 = start + Math.floor((2 * d) / 3);
    const t3 = start + d - 1;
    for (let r = first; r < end; r++) sink(sym[r] ?? 0, start, rows[r * ROW] ?? 0, rows[r * ROW + 4] ?? 0);
    for (let r = first; r < end; r++) sink(sym[r] ?? 0, t1, rows[r * ROW + 1] ?? 0, rows[r * ROW + 4] ?? 0);
    for (let r = first; r < end; r++) sink(sym[r] ?? 0, t2, rows[r * ROW + 2] ?? 0, rows[r * ROW + 4] ?? 0);
    for (let r = first; r < end; r++) sink(sym[r] ?? 0, t3, rows[r * ROW + 3] ?? 0, rows[r * ROW + 5] ?? 0);
  }
}
