import type { NseCalendar } from '../domain/calendar';
import type { Bar } from '../domain/bar';
import { SessionBuckets } from './buckets';

export interface BarAggregatorOptions {
  /** Bar length in minutes (1..375); buckets are aligned to each session's first open. */
  readonly timeframeMinutes: number;
  /** Symbols are dense indices 0..symbolCount-1. */
  readonly symbolCount: number;
  readonly calendar: NseCalendar;
  /** How long past a bucket's end `onClock` waits for stragglers before closing it (default 1000 ms). */
  readonly graceMs?: number;
  /** Called once per symbol that has a bar in the closing bucket, in symbol-index order. */
  readonly onClose: (symbol: number, bar: Bar) => void;
  /** Called once after all of a bucket's bars were delivered (the engine ranks and gates entries here). */
  readonly onBucketClosed?: (bucketStartMs: number, bucketEndMs: number) => void;
}

export const DEFAULT_BAR_GRACE_MS = 1000;

/**
 * N-minute bars for many symbols over one common bucket grid (see `SessionBuckets`).
 *
 * A bucket closes, for every symbol that has a bar in it, when
 * - any tick (or merged bar) of any symbol arrives at or past the bucket's end (even one outside
 *   the session, such as a 15:30 closing print: it proves the bucket is over), or
 * - `onClock(nowMs)` sees `nowMs >= end + graceMs` (quiet markets), or
 * - `flush()` is called at the end of the data.
 * Closed bars go to `onClose` in symbol-index order, then `onBucketClosed` is called once. A
 * bucket in which no symbol traded produces no callbacks.
 *
 * `onTick` returns false, and changes nothing, for a tick the aggregator cannot use: outside
 * every session segment, or earlier than the open bucket / a bucket already closed (late). The
 * feed layer counts those; it is expected to have dropped most of them already.
 *
 * Hot path: a tick inside the open bucket is two comparisons and a few typed-array writes; no
 * allocation. One `Bar` object is allocated per closed bar. The callbacks must not feed this
 * aggregator re-entrantly.
 */
export class BarAggregator {
  readonly timeframeMinutes: number;
  readonly symbolCount: number;
  private readonly graceMs: number;
  private readonly buckets: SessionBuckets;
  private readonly onClose: (symbol: number, bar: Bar) => void;
  private readonly onBucketClosed: ((bucketStartMs: number, bucketEndMs: number) => void) | undefined;

  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;
  private readonly has: Uint8Array;
  /** Symbols with a bar in the open bucket, in arrival order (sorted at close). */
  private readonly touched: Int32Array;
  private touchedCount = 0;

  /** Open bucket bounds; start = +Inf and end = -Inf when no bucket is open, so the fast path misses. */
  private startMs = Number.POSITIVE_INFINITY;
  private endMs = Number.NEGATIVE_INFINITY;
  /** End of the last closed bucket; anything earlier is late. */
  private closedThroughMs = Number.NEGATIVE_INFINITY;

  constructor(options: BarAggregatorOptions) {
    if (!Number.isInteger(options.symbolCount) || options.symbolCount < 1) {
      throw new RangeError(`symbolCount must be a positive integer, got ${options.symbolCount}`);
    }
    const grace = options.graceMs ?? DEFAULT_BAR_GRACE_MS;
    if (!Number.isFinite(grace) || grace < 0) throw new RangeError(`graceMs must be >= 0, got ${grace}`);
    this.timeframeMinutes = options.timeframeMinutes;
    this.symbolCount = options.symbolCount;
    this.graceMs = grace;
    this.buckets = new SessionBuckets(options.calendar, options.timeframeMinutes);
    this.onClose = options.onClose;
    this.onBucketClosed = options.onBucketClosed;
    const n = options.symbolCount;
    this.o = new Float64Array(n);
    this.h = new Float64Array(n);
    this.l = new Float64Array(n);
    this.c = new Float64Array(n);
    this.v = new Float64Array(n);
    this.has = new Uint8Array(n);
    this.touched = new Int32Array(n);
  }

  /** Applies a trade print. `volume` is the quantity since this symbol's previous tick (0 if unknown). */
  onTick(symbol: number, timeMs: number, price: number, volume = 0): boolean {
    if (timeMs < this.endMs && timeMs >= this.startMs) {
      this.apply(symbol, price, price, price, price, volume);
      return true;
    }
    return this.slow(symbol, timeMs, price, price, price, price, volume);
  }

  /**
   * Merges a smaller bar starting at `startMs` (e.g. a 5-minute bar into 15-minute bars). The
   * caller guarantees the bar lies inside one bucket (`resampleBars` checks the grid); same
   * closing rules and return value as `onTick`.
   */
  mergeBarValues(symbol: number, startMs: number, open: number, high: number, low: number, close: number, volume: number): boolean {
    if (startMs < this.endMs && startMs >= this.startMs) {
      this.apply(symbol, open, high, low, close, volume);
      return true;
    }
    return this.slow(symbol, startMs, open, high, low, close, volume);
  }

  mergeBar(symbol: number, bar: Bar): boolean {
    return this.mergeBarValues(symbol, bar.startMs, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  /** Clock-driven close: closes the open bucket once `nowMs >= end + graceMs`. Returns whether it closed. */
  onClock(nowMs: number): boolean {
    if (this.touchedCount > 0 && nowMs >= this.endMs + this.graceMs) {
      this.closeBucket();
      return true;
    }
    return false;
  }

  /**
   * Closes the open bucket now if `timeMs` is at or past its end: a tick at that time proves the
   * bucket is over, so the engine can close bars (and decide) before it applies that tick.
   * Returns whether it closed.
   */
  closeThrough(timeMs: number): boolean {
    if (this.touchedCount > 0 && timeMs >= this.endMs) {
      this.closeBucket();
      return true;
    }
    return false;
  }

  /** End of data: closes the open bucket, if any. */
  flush(): void {
    if (this.touchedCount > 0) this.closeBucket();
  }

  /** Start of the open bucket, or NaN when none is open. */
  get bucketStartMs(): number {
    return this.touchedCount > 0 ? this.startMs : Number.NaN;
  }
  /** End (exclusive) of the open bucket, or NaN when none is open. */
  get bucketEndMs(): number {
    return this.touchedCount > 0 ? this.endMs : Number.NaN;
  }

  // The open bar, per symbol, without allocation. Values are NaN when the symbol has no open bar.
  hasOpenBar(symbol: number): boolean {
    return this.has[symbol] === 1;
  }
  openOf(symbol: number): number {
    return this.has[symbol] === 1 ? (this.o[symbol] ?? Number.NaN) : Number.NaN;
  }
  highOf(symbol: number): number {
    return this.has[symbol] === 1 ? (this.h[symbol] ?? Number.NaN) : Number.NaN;
  }
  lowOf(symbol: number): number {
    return this.has[symbol] === 1 ? (this.l[symbol] ?? Number.NaN) : Number.NaN;
  }
  closeOf(symbol: number): number {
    return this.has[symbol] === 1 ? (this.c[symbol] ?? Number.NaN) : Number.NaN;
  }
  volumeOf(symbol: number): number {
    return this.has[symbol] === 1 ? (this.v[symbol] ?? Number.NaN) : Number.NaN;
  }

  private apply(symbol: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (symbol >>> 0 !== symbol || symbol >= this.symbolCount) {
      throw new RangeError(`symbol index ${symbol} outside 0..${this.symbolCount - 1}`);
    }
    if (this.has[symbol] === 1) {
      // Typed-array reads are in range (checked above); `?? x` only satisfies noUncheckedIndexedAccess.
      if (high > (this.h[symbol] ?? high)) this.h[symbol] = high;
      if (low < (this.l[symbol] ?? low)) this.l[symbol] = low;
      this.c[symbol] = close;
      this.v[symbol] = (this.v[symbol] ?? 0) + volume;
    } else {
      this.has[symbol] = 1;
      this.o[symbol] = open;
      this.h[symbol] = high;
      this.l[symbol] = low;
      this.c[symbol] = close;
      this.v[symbol] = volume;
      this.touched[this.touchedCount++] = symbol;
    }
  }

  private slow(symbol: number, timeMs: number, open: number, high: number, low: number, close: number, volume: number): boolean {
    if (timeMs < this.closedThroughMs) return false; // late: its bucket has already been delivered
    if (this.touchedCount > 0) {
      if (timeMs < this.startMs) return false; // out of order against the open bucket
      this.closeBucket(); // timeMs >= endMs here
    }
    if (!this.buckets.locate(timeMs)) return false;
    this.startMs = this.buckets.startMs;
    this.endMs = this.buckets.endMs;
    this.apply(symbol, open, high, low, close, volume);
    return true;
  }

  private closeBucket(): void {
    const start = this.startMs;
    const end = this.endMs;
    const count = this.touchedCount;
    const touched = this.touched;
    // Symbol-index order, sorted in place: arrival order is nearly sorted and short, and a view
    // plus the typed-array sort builtin would allocate and run cold code on every bar close.
    for (let i = 1; i < count; i++) {
      const x = touched[i] ?? 0;
      let j = i - 1;
      while (j >= 0 && (touched[j] ?? 0) > x) {
        touched[j + 1] = touched[j] ?? 0;
        j--;
      }
      touched[j + 1] = x;
    }
    // Reset before the callbacks so that they see a consistent "no open bucket" state.
    this.touchedCount = 0;
    this.startMs = Number.POSITIVE_INFINITY;
    this.endMs = Number.NEGATIVE_INFINITY;
    this.closedThroughMs = end;
    for (let i = 0; i < count; i++) this.has[touched[i] ?? 0] = 0;
    for (let i = 0; i < count; i++) {
      const s = touched[i] ?? 0;
      this.onClose(s, {
        startMs: start,
        open: this.o[s] ?? Number.NaN,
        high: this.h[s] ?? Number.NaN,
        low: this.l[s] ?? Number.NaN,
        close: this.c[s] ?? Number.NaN,
        volume: this.v[s] ?? 0,
      });
    }
    this.onBucketClosed?.(start, end);
  }
}
