import { z } from 'zod';
import type { Indicator } from './indicator';
import { assertPeriod, expectParam, fromJson, parseSnapshot, toJson, zCount, zNumberOrNaN, zPeriod } from './indicator';

const state = { prevClose: zNumberOrNaN, sum: z.number(), atr: zNumberOrNaN };
const schema = z
  .object({
    kind: z.literal('atr'),
    v: z.literal(1),
    period: zPeriod,
    count: zCount,
    tr: zNumberOrNaN,
    ...state,
    before: z.object(state).strict(),
  })
  .strict();
export type AtrSnapshot = z.infer<typeof schema>;

/**
 * Average true range with Wilder's smoothing.
 *
 * True range = max(high − low, |high − previous close|, |low − previous close|); the first bar
 * has no previous close, so its true range is high − low. The first ATR (after `period` bars) is
 * the mean of the first `period` true ranges, then `atr += (tr − atr) / period`. This is
 * TradingView's `ta.atr` and trading-signals' ATR, which it matches.
 * technicalindicators (like TA-Lib) drops the first bar's true range and so starts one bar later
 * from a different seed; the difference decays as ((period − 1) / period)^n (see the tests).
 */
export class Atr implements Indicator<[high: number, low: number, close: number], AtrSnapshot> {
  readonly period: number;
  private readonly inv: number;
  private count = 0;
  private prevClose = Number.NaN;
  private sum = 0;
  private atr = Number.NaN;
  private tr = Number.NaN;
  // State before the newest bar, for replace().
  private bPrevClose = Number.NaN;
  private bSum = 0;
  private bAtr = Number.NaN;

  constructor(period = 14) {
    assertPeriod('Atr', 'period', period);
    this.period = period;
    this.inv = 1 / period;
  }

  get value(): number {
    return this.atr;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  /** The newest bar's true range (NaN before the first bar). */
  get trueRange(): number {
    return this.tr;
  }

  update(high: number, low: number, close: number): void {
    this.bPrevClose = this.prevClose;
    this.bSum = this.sum;
    this.bAtr = this.atr;
    this.count++;
    this.apply(high, low, close);
  }

  replace(high: number, low: number, close: number): void {
    if (this.count === 0) {
      this.update(high, low, close);
      return;
    }
    this.prevClose = this.bPrevClose;
    this.sum = this.bSum;
    this.atr = this.bAtr;
    this.apply(high, low, close);
  }

  private apply(high: number, low: number, close: number): void {
    let tr = high - low;
    if (this.count > 1) {
      const pc = this.prevClose;
      const up = high > pc ? high - pc : pc - high;
      const down = low > pc ? low - pc : pc - low;
      if (up > tr) tr = up;
      if (down > tr) tr = down;
    }
    this.tr = tr;
    this.prevClose = close;
    if (this.count > this.period) {
      this.atr = (tr - this.atr) * this.inv + this.atr;
    } else {
      this.sum += tr;
      if (this.count === this.period) this.atr = this.sum / this.period;
    }
  }

  reset(): void {
    this.count = 0;
    this.prevClose = Number.NaN;
    this.sum = 0;
    this.atr = Number.NaN;
    this.tr = Number.NaN;
    this.bPrevClose = Number.NaN;
    this.bSum = 0;
    this.bAtr = Number.NaN;
  }

  snapshot(): AtrSnapshot {
    return {
      kind: 'atr',
      v: 1,
      period: this.period,
      count: this.count,
      tr: toJson(this.tr),
      prevClose: toJson(this.prevClose),
      sum: this.sum,
      atr: toJson(this.atr),
      before: { prevClose: toJson(this.bPrevClose), sum: this.bSum, atr: toJson(this.bAtr) },
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Atr');
    expectParam('Atr', 'period', this.period, s.period);
    if (s.count >= s.period && s.atr === null) throw new Error('invalid Atr snapshot: stable but atr is null');
    this.count = s.count;
    this.prevClose = fromJson(s.prevClose);
    this.sum = s.sum;
    this.atr = fromJson(s.atr);
    this.bPrevClose = fromJson(s.before.prevClose);
    this.bSum = s.before.sum;
    this.bAtr = fromJson(s.before.atr);
    this.tr = fromJson(s.tr);
  }
}
