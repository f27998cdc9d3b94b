import { z } from 'zod';
import type { Indicator } from './indicator';
import { assertPeriod, expectParam, fromJson, parseSnapshot, toJson, zCount, zNumberOrNaN, zPeriod } from './indicator';

const state = {
  prevClose: zNumberOrNaN,
  sumGain: z.number(),
  sumLoss: z.number(),
  avgGain: zNumberOrNaN,
  avgLoss: zNumberOrNaN,
};
const schema = z
  .object({
    kind: z.literal('rsi'),
    v: z.literal(1),
    period: zPeriod,
    count: zCount,
    ...state,
    before: z.object(state).strict(),
  })
  .strict();
export type RsiSnapshot = z.infer<typeof schema>;

/**
 * Relative strength index with Wilder's smoothing (J. Welles Wilder, 1978).
 *
 * The first average gain/loss is the simple mean of the first `period` close-to-close changes
 * (so the first value needs `period + 1` closes); then `avg += (x − avg) / period`.
 * RSI = 100 − 100 / (1 + avgGain / avgLoss), and 100 when avgLoss is 0 (also for a perfectly flat
 * series), as in trading-signals, technicalindicators and TradingView's `ta.rsi`.
 * Matches trading-signals' RSI; technicalindicators rounds its RSI to 2 decimals.
 */
export class Rsi implements Indicator<[close: number], RsiSnapshot> {
  readonly period: number;
  private readonly inv: number;
  private count = 0;
  private prevClose = Number.NaN;
  private sumGain = 0;
  private sumLoss = 0;
  private avgGain = Number.NaN;
  private avgLoss = Number.NaN;
  private out = Number.NaN;
  // State before the newest input, for replace().
  private bPrevClose = Number.NaN;
  private bSumGain = 0;
  private bSumLoss = 0;
  private bAvgGain = Number.NaN;
  private bAvgLoss = Number.NaN;

  constructor(period = 14) {
    assertPeriod('Rsi', 'period', period);
    this.period = period;
    this.inv = 1 / period;
  }

  get value(): number {
    return this.out;
  }

  get isStable(): boolean {
    return this.count > this.period;
  }

  update(close: number): void {
    this.bPrevClose = this.prevClose;
    this.bSumGain = this.sumGain;
    this.bSumLoss = this.sumLoss;
    this.bAvgGain = this.avgGain;
    this.bAvgLoss = this.avgLoss;
    this.count++;
    this.apply(close);
  }

  replace(close: number): void {
    if (this.count === 0) {
      this.update(close);
      return;
    }
    this.prevClose = this.bPrevClose;
    this.sumGain = this.bSumGain;
    this.sumLoss = this.bSumLoss;
    this.avgGain = this.bAvgGain;
    this.avgLoss = this.bAvgLoss;
    this.apply(close);
  }

  private apply(close: number): void {
    const changes = this.count - 1;
    if (changes === 0) {
      this.prevClose = close;
      this.out = Number.NaN;
      return;
    }
    const diff = close - this.prevClose;
    this.prevClose = close;
    const gain = diff > 0 ? diff : 0;
    const loss = diff > 0 ? 0 : -diff;
    if (changes > this.period) {
      this.avgGain = (gain - this.avgGain) * this.inv + this.avgGain;
      this.avgLoss = (loss - this.avgLoss) * this.inv + this.avgLoss;
    } else {
      this.sumGain += gain;
      this.sumLoss += loss;
      if (changes < this.period) {
        this.out = Number.NaN;
        return;
      }
      this.avgGain = this.sumGain / this.period;
      this.avgLoss = this.sumLoss / this.period;
    }
    this.out = this.rsiOf(this.avgGain, this.avgLoss);
  }

  /** Wilder's average gain per bar (NaN until stable). */
  get averageGain(): number {
    return this.avgGain;
  }

  /** Wilder's average loss per bar, positive (NaN until stable). */
  get averageLoss(): number {
    return this.avgLoss;
  }

  reset(): void {
    this.count = 0;
    this.prevClose = Number.NaN;
    this.sumGain = 0;
    this.sumLoss = 0;
    this.avgGain = Number.NaN;
    this.avgLoss = Number.NaN;
    this.out = Number.NaN;
    this.bPrevClose = Number.NaN;
    this.bSumGain = 0;
    this.bSumLoss = 0;
    this.bAvgGain = Number.NaN;
    this.bAvgLoss = Number.NaN;
  }

  snapshot(): RsiSnapshot {
    return {
      kind: 'rsi',
      v: 1,
      period: this.period,
      count: this.count,
      prevClose: toJson(this.prevClose),
      sumGain: this.sumGain,
      sumLoss: this.sumLoss,
      avgGain: toJson(this.avgGain),
      avgLoss: toJson(this.avgLoss),
      before: {
        prevClose: toJson(this.bPrevClose),
        sumGain: this.bSumGain,
        sumLoss: this.bSumLoss,
        avgGain: toJson(this.bAvgGain),
        avgLoss: toJson(this.bAvgLoss),
      },
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Rsi');
    expectParam('Rsi', 'period', this.period, s.period);
    if (s.count > s.period && (s.avgGain === null || s.avgLoss === null)) {
      throw new Error('invalid Rsi snapshot: stable but the averages are null');
    }
    this.count = s.count;
    this.prevClose = fromJson(s.prevClose);
    this.sumGain = s.sumGain;
    this.sumLoss = s.sumLoss;
    this.avgGain = fromJson(s.avgGain);
    this.avgLoss = fromJson(s.avgLoss);
    this.bPrevClose = fromJson(s.before.prevClose);
    this.bSumGain = s.before.sumGain;
    this.bSumLoss = s.before.sumLoss;
    this.bAvgGain = fromJson(s.before.avgGain);
    this.bAvgLoss = fromJson(s.before.avgLoss);
    this.out = this.count > this.period ? this.rsiOf(this.avgGain, this.avgLoss) : Number.NaN;
  }

  private rsiOf(avgGain: number, avgLoss: number): number {
    return avgLoss === 0 ? 100 : 100 - 100 / (1 + avgGain / avgLoss);
  }
}
