import { z } from 'zod';
import { Ema, emaSnapshotSchema } from './ema';
import type { Indicator } from './indicator';
import { assertPeriod, parseSnapshot } from './indicator';
import { assertMacdPeriods } from './macd';

export const zlemaSnapshotSchema = z
  .object({ kind: z.literal('zlema'), v: z.literal(1), ema: emaSnapshotSchema, emaOfEma: emaSnapshotSchema })
  .strict();
export type ZlemaSnapshot = z.infer<typeof zlemaSnapshotSchema>;

/**
 * Zero-lag EMA = 2·EMA(x) − EMA(EMA(x)), i.e. Patrick Mulloy's double EMA ("Smoothing Data with
 * Faster Moving Averages", Technical Analysis of Stocks & Commodities, Jan 1994): subtracting the
 * EMA of the EMA cancels the EMA's lag for a linear trend. Both EMAs are SMA-seeded (see `Ema`);
 * the outer one is fed from the first stable inner value, so the ZLEMA is stable after
 * `2·period − 1` inputs. trading-signals' `DEMA` is the same formula with first-input seeding.
 * (trading-signals' `ZLEMA` is a different indicator, Ehlers' EMA of a de-lagged price.)
 */
export class Zlema implements Indicator<[x: number], ZlemaSnapshot> {
  readonly period: number;
  private readonly ema: Ema;
  private readonly emaOfEma: Ema;
  private out = Number.NaN;

  constructor(period: number) {
    assertPeriod('Zlema', 'period', period);
    this.period = period;
    this.ema = new Ema(period);
    this.emaOfEma = new Ema(period);
  }

  get value(): number {
    return this.out;
  }

  get isStable(): boolean {
    return this.emaOfEma.isStable;
  }

  update(x: number): number {
    const e = this.ema.update(x);
    if (this.ema.isStable) {
      const ee = this.emaOfEma.update(e);
      if (this.emaOfEma.isStable) this.out = 2 * e - ee;
    }
    return this.out;
  }

  replace(x: number): number {
    const e = this.ema.replace(x);
    // replace() keeps the input count, so the outer EMA was fed on this bar iff the inner is stable.
    if (this.ema.isStable) {
      const ee = this.emaOfEma.replace(e);
      if (this.emaOfEma.isStable) this.out = 2 * e - ee;
    }
    return this.out;
  }

  reset(): void {
    this.ema.reset();
    this.emaOfEma.reset();
    this.out = Number.NaN;
  }

  snapshot(): ZlemaSnapshot {
    return { kind: 'zlema', v: 1, ema: this.ema.snapshot(), emaOfEma: this.emaOfEma.snapshot() };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(zlemaSnapshotSchema, snapshot, 'Zlema');
    this.restoreParsed(s);
  }

  /** @internal restore from an already-parsed snapshot, all or nothing. */
  restoreParsed(s: ZlemaSnapshot): void {
    const probe = new Ema(this.period);
    probe.restore(s.ema);
    probe.restore(s.emaOfEma);
    this.ema.restore(s.ema);
    this.emaOfEma.restore(s.emaOfEma);
    this.out = this.emaOfEma.isStable ? 2 * this.ema.value - this.emaOfEma.value : Number.NaN;
  }
}

const schema = z
  .object({
    kind: z.literal('zeroLagMacd'),
    v: z.literal(1),
    fast: zlemaSnapshotSchema,
    slow: zlemaSnapshotSchema,
    signal: zlemaSnapshotSchema,
  })
  .strict();
export type ZeroLagMacdSnapshot = z.infer<typeof schema>;

/**
 * Zero-lag MACD: the MACD with every EMA replaced by the zero-lag EMA above.
 *   line = ZLEMA(fast) − ZLEMA(slow); signal = ZLEMA(signal) of the line; histogram = line − signal.
 * This is the formula of the popular "Zero Lag MACD" charting scripts (e.g. TradingView's
 * "Zero Lag MACD Enhanced", whose signal line also uses 2·EMA − EMA(EMA)), as specified in issue 2.
 * The signal ZLEMA is fed from the first bar on which the slow ZLEMA is stable, so with 12/26/9
 * everything appears after (2·26 − 1) + (2·9 − 1) − 1 = 67 inputs. `value` is the line; all
 * outputs are NaN until `isStable`. Cross-checked against trading-signals' MACD built from its
 * DEMA (same formula, first-input seeding, converges) and against a composition of
 * technicalindicators' EMA (same seeding, agrees exactly).
 */
export class ZeroLagMacd implements Indicator<[close: number], ZeroLagMacdSnapshot> {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly fast: Zlema;
  private readonly slow: Zlema;
  private readonly sig: Zlema;
  private line = Number.NaN;
  private sigLine = Number.NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    assertMacdPeriods('ZeroLagMacd', fast, slow, signal);
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.signalPeriod = signal;
    this.fast = new Zlema(fast);
    this.slow = new Zlema(slow);
    this.sig = new Zlema(signal);
  }

  get value(): number {
    return this.line;
  }

  get macd(): number {
    return this.line;
  }

  get signal(): number {
    return this.sigLine;
  }

  get histogram(): number {
    return this.line - this.sigLine;
  }

  get isStable(): boolean {
    return this.sig.isStable;
  }

  update(close: number): number {
    const f = this.fast.update(close);
    const s = this.slow.update(close);
    if (this.slow.isStable) this.publish(f - s, this.sig.update(f - s));
    return this.line;
  }

  replace(close: number): number {
    const f = this.fast.replace(close);
    const s = this.slow.replace(close);
    if (this.slow.isStable) this.publish(f - s, this.sig.replace(f - s));
    return this.line;
  }

  private publish(line: number, signal: number): void {
    if (this.sig.isStable) {
      this.line = line;
      this.sigLine = signal;
    }
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.sig.reset();
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
  }

  snapshot(): ZeroLagMacdSnapshot {
    return {
      kind: 'zeroLagMacd',
      v: 1,
      fast: this.fast.snapshot(),
      slow: this.slow.snapshot(),
      signal: this.sig.snapshot(),
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'ZeroLagMacd');
    new Zlema(this.fastPeriod).restoreParsed(s.fast);
    new Zlema(this.slowPeriod).restoreParsed(s.slow);
    new Zlema(this.signalPeriod).restoreParsed(s.signal);
    this.fast.restoreParsed(s.fast);
    this.slow.restoreParsed(s.slow);
    this.sig.restoreParsed(s.signal);
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
    if (this.sig.isStable) {
      this.line = this.fast.value - this.slow.value;
      this.sigLine = this.sig.value;
    }
  }
}
