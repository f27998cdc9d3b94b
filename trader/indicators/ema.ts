import { z } from 'zod';
import type { Indicator } from './indicator';
import { assertPeriod, expectParam, fromJson, parseSnapshot, toJson, zCount, zNumberOrNaN, zPeriod } from './indicator';

export const emaSnapshotSchema = z
  .object({
    kind: z.literal('ema'),
    v: z.literal(1),
    period: zPeriod,
    count: zCount,
    sum: z.number(),
    ema: zNumberOrNaN,
    prevSum: z.number(),
    prevEma: zNumberOrNaN,
  })
  .strict();
export type EmaSnapshot = z.infer<typeof emaSnapshotSchema>;

/**
 * Exponential moving average, α = 2 / (period + 1).
 *
 * Seeding: the first value is the simple mean of the first `period` inputs (stable after
 * `period` inputs), then `ema = α·x + (1 − α)·ema`. This is the convention of TA-Lib,
 * TradingView's `ta.ema` and technicalindicators, whose EMA this matches to 1e-9 relative on real
 * data (reference.test.ts). trading-signals 8.x instead seeds with the first input (reporting
 * after `period` inputs); the two differ by a term that decays as (1 − α)^n, which the tests show.
 *
 * The update is written α·x + β·ema rather than ema + α·(x − ema): the loop-carried dependency is
 * then one multiply and one add instead of subtract, multiply, add, which is what bounds an EMA's
 * speed. Rounding stays bounded because the recursion is contractive (|β| < 1).
 */
export class Ema implements Indicator<[x: number], EmaSnapshot> {
  readonly period: number;
  private readonly alpha: number;
  private readonly beta: number;
  /** Inputs seen, saturating at period + 1. */
  private count = 0;
  private sum = 0;
  private ema = Number.NaN;
  // State before the newest input, for replace().
  private prevSum = 0;
  private prevEma = Number.NaN;

  constructor(period: number) {
    assertPeriod('Ema', 'period', period);
    this.period = period;
    this.alpha = 2 / (period + 1);
    this.beta = 1 - this.alpha;
  }

  get value(): number {
    return this.ema;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  update(x: number): void {
    // Hot path once seeded: `count` saturates at period + 1, so only warm-up pays for bookkeeping.
    if (this.count > this.period) {
      const e = this.ema;
      this.prevEma = e;
      this.ema = x * this.alpha + e * this.beta;
      return;
    }
    this.warmUpdate(x);
  }

  private warmUpdate(x: number): void {
    this.prevSum = this.sum;
    this.prevEma = this.ema;
    this.count++;
    this.apply(x);
  }

  replace(x: number): void {
    if (this.count === 0) {
      this.update(x);
      return;
    }
    this.sum = this.prevSum;
    this.ema = this.prevEma;
    this.apply(x);
  }

  private apply(x: number): void {
    if (this.count > this.period) {
      this.ema = x * this.alpha + this.ema * this.beta;
    } else {
      this.sum += x;
      if (this.count === this.period) this.ema = this.sum / this.period;
    }
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.ema = Number.NaN;
    this.prevSum = 0;
    this.prevEma = Number.NaN;
  }

  snapshot(): EmaSnapshot {
    return {
      kind: 'ema',
      v: 1,
      period: this.period,
      count: this.count,
      sum: this.sum,
      ema: toJson(this.ema),
      prevSum: this.prevSum,
      prevEma: toJson(this.prevEma),
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(emaSnapshotSchema, snapshot, 'Ema');
    expectParam('Ema', 'period', this.period, s.period);
    if (s.count >= s.period && s.ema === null) throw new Error('invalid Ema snapshot: stable but ema is null');
    this.count = s.count;
    this.sum = s.sum;
    this.ema = fromJson(s.ema);
    this.prevSum = s.prevSum;
    this.prevEma = fromJson(s.prevEma);
  }
}
