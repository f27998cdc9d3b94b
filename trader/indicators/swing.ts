import { z } from 'zod';
import type { Indicator } from './indicator';
import {
  expectParam,
  fromJson,
  parseSnapshot,
  ringFromJson,
  ringToJson,
  toJson,
  zCount,
  zNumberOrNaN,
} from './indicator';

/** Bits of `Swing.lastEvent`. */
export const SWING_HIGH = 1;
export const SWING_LOW = 2;

const pivot = { price: zNumberOrNaN, index: z.number().int().min(-1), timeMs: zNumberOrNaN };
const pivots = { high: z.object(pivot).strict(), low: z.object(pivot).strict(), value: zNumberOrNaN };
const schema = z
  .object({
    kind: z.literal('swing'),
    v: z.literal(1),
    left: zCount,
    right: zCount,
    count: zCount,
    pos: zCount,
    highs: z.array(zNumberOrNaN),
    lows: z.array(zNumberOrNaN),
    times: z.array(zNumberOrNaN),
    ...pivots,
    event: zCount,
    before: z.object(pivots).strict(),
  })
  .strict();
export type SwingSnapshot = z.infer<typeof schema>;

/**
 * Confirmed swing highs and lows (fractals).
 *
 * Bar i is a swing low once low[i] is strictly below the lows of the `left` bars before it and
 * the `right` bars after it, so it is confirmed on bar i + right; swing highs alike with highs
 * strictly above. Ties are not swings. With left = right this is trading-signals'
 * SwingLow/SwingHigh (`lookback`), which the tests match bar for bar.
 *
 * Bars are indexed 0, 1, 2… from construction or `reset()` (`replace` keeps the index). The newest
 * confirmed swing of each side replaces the older one: `lowPrice`/`lowIndex`/`lowTimeMs` and
 * `highPrice`/`highIndex`/`highTimeMs` (NaN / −1 / NaN until one is found).
 * `value` is the price of the newest confirmed swing of either side (a bar confirming both, an
 * outside bar, reports the low); `isStable` once any swing is confirmed;
 * `lastEvent` says what the newest bar confirmed (`SWING_HIGH | SWING_LOW` bits, 0 for none).
 * Each update compares left + right bars: O(1) for a fixed window, no allocation.
 */
export class Swing implements Indicator<[high: number, low: number, timeMs?: number], SwingSnapshot> {
  readonly left: number;
  readonly right: number;
  private readonly size: number;
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private readonly times: Float64Array;
  private count = 0;
  private pos = 0;
  private hPrice = Number.NaN;
  private hIndex = -1;
  private hTime = Number.NaN;
  private lPrice = Number.NaN;
  private lIndex = -1;
  private lTime = Number.NaN;
  private out = Number.NaN;
  private event = 0;
  // What the newest confirmation overwrote, for replace().
  private bhPrice = Number.NaN;
  private bhIndex = -1;
  private bhTime = Number.NaN;
  private blPrice = Number.NaN;
  private blIndex = -1;
  private blTime = Number.NaN;
  private bOut = Number.NaN;

  constructor(left = 2, right = 2) {
    if (!Number.isInteger(left) || left < 0 || !Number.isInteger(right) || right < 0 || left + right === 0) {
      throw new RangeError(`Swing: left and right must be integers >= 0, not both 0; got ${left}, ${right}`);
    }
    this.left = left;
    this.right = right;
    this.size = left + right + 1;
    this.highs = new Float64Array(this.size);
    this.lows = new Float64Array(this.size);
    this.times = new Float64Array(this.size);
  }

  get value(): number {
    return this.out;
  }

  get isStable(): boolean {
    return this.out === this.out;
  }

  get lastEvent(): number {
    return this.event;
  }

  get highPrice(): number {
    return this.hPrice;
  }

  get highIndex(): number {
    return this.hIndex;
  }

  get highTimeMs(): number {
    return this.hTime;
  }

  get lowPrice(): number {
    return this.lPrice;
  }

  get lowIndex(): number {
    return this.lIndex;
  }

  get lowTimeMs(): number {
    return this.lTime;
  }

  /** Index the next `update` will get (number of bars seen). */
  get barCount(): number {
    return this.count;
  }

  update(high: number, low: number, timeMs = Number.NaN): void {
    const slot = this.pos;
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.times[slot] = timeMs;
    this.count++;
    this.pos = slot + 1 === this.size ? 0 : slot + 1;
    this.detect(slot);
  }

  replace(high: number, low: number, timeMs = Number.NaN): void {
    if (this.count === 0) {
      this.update(high, low, timeMs);
      return;
    }
    // Undo what the newest bar confirmed (only a confirmation changes the swing state, and it
    // saved the state it overwrote).
    if (this.event !== 0) this.out = this.bOut;
    if ((this.event & SWING_HIGH) !== 0) {
      this.hPrice = this.bhPrice;
      this.hIndex = this.bhIndex;
      this.hTime = this.bhTime;
    }
    if ((this.event & SWING_LOW) !== 0) {
      this.lPrice = this.blPrice;
      this.lIndex = this.blIndex;
      this.lTime = this.blTime;
    }
    const slot = this.pos === 0 ? this.size - 1 : this.pos - 1;
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.times[slot] = timeMs;
    this.detect(slot);
  }

  /** `newest` is the ring slot just written; the candidate is `right` slots before it. */
  private detect(newest: number): void {
    this.event = 0;
    const size = this.size;
    if (this.count < size) return;
    let c = newest - this.right;
    if (c < 0) c += size;
    const highs = this.highs;
    const lows = this.lows;
    const ch = highs[c] ?? Number.NaN;
    const cl = lows[c] ?? Number.NaN;
    // Walk the other bars from the candidate's right neighbour round the ring, stopping at the
    // first bar that disqualifies it: most candidates fail on the first comparison.
    let isHigh = true;
    for (let k = 1, j = c; k < size; k++) {
      if (++j === size) j = 0;
      if (!((highs[j] ?? Number.NaN) < ch)) {
        isHigh = false;
        break;
      }
    }
    let isLow = true;
    for (let k = 1, j = c; k < size; k++) {
      if (++j === size) j = 0;
      if (!((lows[j] ?? Number.NaN) > cl)) {
        isLow = false;
        break;
      }
    }
    if (!isHigh && !isLow) return;
    const index = this.count - 1 - this.right;
    this.bOut = this.out;
    if (isHigh) {
      this.bhPrice = this.hPrice;
      this.bhIndex = this.hIndex;
      this.bhTime = this.hTime;
      this.hPrice = ch;
      this.hIndex = index;
      this.hTime = this.times[c] ?? Number.NaN;
      this.out = ch;
      this.event = SWING_HIGH;
    }
    if (isLow) {
      this.blPrice = this.lPrice;
      this.blIndex = this.lIndex;
      this.blTime = this.lTime;
      this.lPrice = cl;
      this.lIndex = index;
      this.lTime = this.times[c] ?? Number.NaN;
      this.out = cl;
      this.event |= SWING_LOW;
    }
  }

  reset(): void {
    this.highs.fill(0);
    this.lows.fill(0);
    this.times.fill(0);
    this.count = 0;
    this.pos = 0;
    this.hPrice = this.bhPrice = Number.NaN;
    this.hIndex = this.bhIndex = -1;
    this.hTime = this.bhTime = Number.NaN;
    this.lPrice = this.blPrice = Number.NaN;
    this.lIndex = this.blIndex = -1;
    this.lTime = this.blTime = Number.NaN;
    this.out = this.bOut = Number.NaN;
    this.event = 0;
  }

  snapshot(): SwingSnapshot {
    return {
      kind: 'swing',
      v: 1,
      left: this.left,
      right: this.right,
      count: this.count,
      pos: this.pos,
      highs: ringToJson(this.highs),
      lows: ringToJson(this.lows),
      times: ringToJson(this.times),
      high: { price: toJson(this.hPrice), index: this.hIndex, timeMs: toJson(this.hTime) },
      low: { price: toJson(this.lPrice), index: this.lIndex, timeMs: toJson(this.lTime) },
      value: toJson(this.out),
      event: this.event,
      before: {
        high: { price: toJson(this.bhPrice), index: this.bhIndex, timeMs: toJson(this.bhTime) },
        low: { price: toJson(this.blPrice), index: this.blIndex, timeMs: toJson(this.blTime) },
        value: toJson(this.bOut),
      },
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Swing');
    expectParam('Swing', 'left', this.left, s.left);
    expectParam('Swing', 'right', this.right, s.right);
    if (s.pos >= this.size) throw new Error(`invalid Swing snapshot: pos ${s.pos} outside the ring`);
    if (s.highs.length !== this.size || s.lows.length !== this.size || s.times.length !== this.size) {
      throw new Error(`invalid Swing snapshot: buffers must hold ${this.size} bars`);
    }
    ringFromJson(this.highs, s.highs, 'Swing');
    ringFromJson(this.lows, s.lows, 'Swing');
    ringFromJson(this.times, s.times, 'Swing');
    this.count = s.count;
    this.pos = s.pos;
    this.hPrice = fromJson(s.high.price);
    this.hIndex = s.high.index;
    this.hTime = fromJson(s.high.timeMs);
    this.lPrice = fromJson(s.low.price);
    this.lIndex = s.low.index;
    this.lTime = fromJson(s.low.timeMs);
    this.out = fromJson(s.value);
    this.event = s.event;
    this.bhPrice = fromJson(s.before.high.price);
    this.bhIndex = s.before.high.index;
    this.bhTime = fromJson(s.before.high.timeMs);
    this.blPrice = fromJson(s.before.low.price);
    this.blIndex = s.before.low.index;
    this.blTime = fromJson(s.before.low.timeMs);
    this.bOut = fromJson(s.before.value);
  }
}
