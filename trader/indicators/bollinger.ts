import { z } from 'zod';
import type { Indicator } from './indicator';
import {
  assertPeriod,
  expectParam,
  fromJson,
  parseSnapshot,
  ringFromJson,
  ringToJson,
  toJson,
  zCount,
  zNumberOrNaN,
  zPeriod,
} from './indicator';

const schema = z
  .object({
    kind: z.literal('bollinger'),
    v: z.literal(1),
    period: zPeriod,
    multiplier: z.number().nonnegative(),
    count: zCount,
    pos: zCount,
    anchor: zNumberOrNaN,
    nextAnchor: zNumberOrNaN,
    s1: z.number(),
    s2: z.number(),
    f1: z.number(),
    f2: z.number(),
    ring: z.array(zNumberOrNaN),
  })
  .strict();
export type BollingerSnapshot = z.infer<typeof schema>;

/**
 * Bollinger Bands: middle = SMA(period), upper/lower = middle ± multiplier × σ, where σ is the
 * population standard deviation (divide by N) of the same window, as John Bollinger specifies and
 * as trading-signals, technicalindicators, TradingView and most vendors compute it.
 *
 * O(1) per update from running sums of (x − anchor) and (x − anchor)², where the anchor is a
 * recent price so the sums stay small and var = (Σd² − (Σd)²/N)/N does not cancel
 * catastrophically. As in `Sma`, a second pair of sums accumulates over each pass of the ring
 * buffer (around the next anchor) and replaces the running pair when the ring wraps, so rounding
 * error never accumulates beyond one window. The variance is then exact to a few ulps of D², D the
 * spread of the last two windows (≈ 1e-10 points² at NIFTY levels): negligible for any real σ,
 * though a window that is flat right after a large jump reports σ ≈ 1e-8·D rather than exactly 0.
 */
export class Bollinger implements Indicator<[close: number], BollingerSnapshot> {
  readonly period: number;
  readonly multiplier: number;
  private readonly ring: Float64Array;
  private count = 0;
  private pos = 0;
  private anchor = Number.NaN;
  private nextAnchor = Number.NaN;
  private s1 = 0;
  private s2 = 0;
  private f1 = 0;
  private f2 = 0;
  private mid = Number.NaN;
  private sd = Number.NaN;

  constructor(period = 20, multiplier = 2) {
    assertPeriod('Bollinger', 'period', period);
    if (!(multiplier >= 0 && Number.isFinite(multiplier))) {
      throw new RangeError(`Bollinger: multiplier must be a finite number >= 0, got ${multiplier}`);
    }
    this.period = period;
    this.multiplier = multiplier;
    this.ring = new Float64Array(period);
  }

  get value(): number {
    return this.mid;
  }

  get middle(): number {
    return this.mid;
  }

  get upper(): number {
    return this.mid + this.multiplier * this.sd;
  }

  get lower(): number {
    return this.mid - this.multiplier * this.sd;
  }

  /** Population standard deviation of the window. */
  get stdDev(): number {
    return this.sd;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  update(close: number): void {
    const n = this.period;
    if (this.count === 0) {
      this.anchor = close;
      this.nextAnchor = close;
    }
    const d = close - this.anchor;
    if (this.count >= n) {
      const o = (this.ring[this.pos] ?? 0) - this.anchor;
      this.s1 += d - o;
      this.s2 += d * d - o * o;
    } else {
      this.s1 += d;
      this.s2 += d * d;
    }
    const e = close - this.nextAnchor;
    this.f1 += e;
    this.f2 += e * e;
    this.ring[this.pos] = close;
    this.count++;
    if (++this.pos === n) {
      // The ring holds exactly the inputs summed into f1/f2 (around nextAnchor): adopt them.
      this.pos = 0;
      this.s1 = this.f1;
      this.s2 = this.f2;
      this.anchor = this.nextAnchor;
      this.nextAnchor = close;
      this.f1 = 0;
      this.f2 = 0;
    }
    this.publish();
  }

  replace(close: number): void {
    if (this.count === 0) {
      this.update(close);
      return;
    }
    const last = this.pos === 0 ? this.period - 1 : this.pos - 1;
    const old = this.ring[last] ?? 0;
    const d = close - this.anchor;
    const o = old - this.anchor;
    this.s1 += d - o;
    this.s2 += d * d - o * o;
    // When pos is 0 the replaced input closed the previous pass, whose sums are now s1/s2.
    if (this.pos !== 0) {
      const e = close - this.nextAnchor;
      const eo = old - this.nextAnchor;
      this.f1 += e - eo;
      this.f2 += e * e - eo * eo;
    }
    this.ring[last] = close;
    this.publish();
  }

  private publish(): void {
    const n = this.period;
    if (this.count < n) return;
    const m = this.s1 / n;
    const variance = this.s2 / n - m * m;
    this.mid = this.anchor + m;
    this.sd = variance > 0 ? Math.sqrt(variance) : 0;
  }

  reset(): void {
    this.ring.fill(0);
    this.count = 0;
    this.pos = 0;
    this.anchor = Number.NaN;
    this.nextAnchor = Number.NaN;
    this.s1 = 0;
    this.s2 = 0;
    this.f1 = 0;
    this.f2 = 0;
    this.mid = Number.NaN;
    this.sd = Number.NaN;
  }

  snapshot(): BollingerSnapshot {
    return {
      kind: 'bollinger',
      v: 1,
      period: this.period,
      multiplier: this.multiplier,
      count: this.count,
      pos: this.pos,
      anchor: toJson(this.anchor),
      nextAnchor: toJson(this.nextAnchor),
      s1: this.s1,
      s2: this.s2,
      f1: this.f1,
      f2: this.f2,
      ring: ringToJson(this.ring),
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Bollinger');
    expectParam('Bollinger', 'period', this.period, s.period);
    expectParam('Bollinger', 'multiplier', this.multiplier, s.multiplier);
    if (s.pos >= this.period) throw new Error(`invalid Bollinger snapshot: pos ${s.pos} outside the ring`);
    ringFromJson(this.ring, s.ring, 'Bollinger');
    this.count = s.count;
    this.pos = s.pos;
    this.anchor = fromJson(s.anchor);
    this.nextAnchor = fromJson(s.nextAnchor);
    this.s1 = s.s1;
    this.s2 = s.s2;
    this.f1 = s.f1;
    this.f2 = s.f2;
    this.mid = Number.NaN;
    this.sd = Number.NaN;
    this.publish();
  }
}
