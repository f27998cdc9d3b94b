import { z } from 'zod';
import { EmaStage, emaStageSnapshotSchema } from './ema-stage';
import type { Indicator } from './indicator';
import { assertPeriod, parseSnapshot } from './indicator';
import { assertMacdPeriods } from './macd';

export const zlemaSnapshotSchema = z
  .object({ kind: z.literal('zlema'), v: z.literal(1), ema: emaStageSnapshotSchema, emaOfEma: emaStageSnapshotSchema })
  .strict();
export type ZlemaSnapshot = z.infer<typeof zlemaSnapshotSchema>;

/**
 * Zero-lag EMA = 2·EMA(x) − EMA(EMA(x)), i.e. Patrick Mulloy's double EMA ("Smoothing Data with
 * Faster Moving Averages", Technical Analysis of Stocks & Commodities, Jan 1994): subtracting the
 * EMA of the EMA cancels the EMA's lag for a linear trend. Both EMAs are SMA-seeded (see `EmaStage`);
 * the outer one is fed from the first stable inner value, so the ZLEMA is stable after
 * `2·period − 1` inputs. trading-signals' `DEMA` is the same formula with first-input seeding.
 * (trading-signals' `ZLEMA` is a different indicator, Ehlers' EMA of a de-lagged price.)
 */
export class Zlema implements Indicator<[x: number], ZlemaSnapshot> {
  readonly period: number;
  private readonly ema: EmaStage;
  private readonly emaOfEma: EmaStage;
  private out = Number.NaN;

  constructor(period: number) {
    assertPeriod('Zlema', 'period', period);
    this.period = period;
    this.ema = new EmaStage(period);
    this.emaOfEma = new EmaStage(period);
  }

  get value(): number {
    return this.out;
  }

  get isStable(): boolean {
    return this.emaOfEma.isStable;
  }

  update(x: number): void {
    this.ema.update(x);
    if (!this.ema.isStable) return;
    const e = this.ema.value;
    this.emaOfEma.update(e);
    if (this.emaOfEma.isStable) this.out = 2 * e - this.emaOfEma.value;
  }

  replace(x: number): void {
    this.ema.replace(x);
    // replace() keeps the input count, so the outer EMA was fed on this bar iff the inner is stable.
    if (!this.ema.isStable) return;
    const e = this.ema.value;
    this.emaOfEma.replace(e);
    if (this.emaOfEma.isStable) this.out = 2 * e - this.emaOfEma.value;
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
    const probe = new EmaStage(this.period);
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
 * technicalindicators' EMA (same seeding, agrees).
 *
 * The six EMAs are held directly rather than as three `Zlema`s, so V8 can inline more of the
 * update. Six EMA steps still exceed V8's inlining budget in some call contexts, and a double
 * passed to an EMA call that stays a call is boxed: in a standalone loop this measured about one
 * 16-byte heap number per update (all other indicators: none). Removing it needs the EMA state in a
 * Float64Array stepped by index, passing no doubles across calls (follow-up work).
 */
export class ZeroLagMacd implements Indicator<[close: number], ZeroLagMacdSnapshot> {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  // EMA and EMA-of-EMA of the close (fast, slow) and of the MACD line (signal).
  private readonly f1: EmaStage;
  private readonly f2: EmaStage;
  private readonly s1: EmaStage;
  private readonly s2: EmaStage;
  private readonly g1: EmaStage;
  private readonly g2: EmaStage;
  private line = Number.NaN;
  private sigLine = Number.NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    assertMacdPeriods('ZeroLagMacd', fast, slow, signal);
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.signalPeriod = signal;
    this.f1 = new EmaStage(fast);
    this.f2 = new EmaStage(fast);
    this.s1 = new EmaStage(slow);
    this.s2 = new EmaStage(slow);
    this.g1 = new EmaStage(signal);
    this.g2 = new EmaStage(signal);
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
    return this.g2.isStable;
  }

  update(close: number): void {
    const f1 = this.f1;
    const f2 = this.f2;
    const s1 = this.s1;
    const s2 = this.s2;
    f1.update(close);
    s1.update(close);
    // Each outer EMA is fed from its inner EMA's first stable value; the fast side is stable
    // before the slow side (fast < slow).
    if (f1.isStable) f2.update(f1.value);
    if (!s1.isStable) return;
    s2.update(s1.value);
    if (!s2.isStable) return;
    const line = 2 * f1.value - f2.value - (2 * s1.value - s2.value);
    this.g1.update(line);
    if (!this.g1.isStable) return;
    this.g2.update(this.g1.value);
    if (this.g2.isStable) {
      this.line = line;
      this.sigLine = 2 * this.g1.value - this.g2.value;
    }
  }

  replace(close: number): void {
    // replace() never changes how many inputs each EMA has seen, so the same EMAs are fed as on
    // the update being replaced.
    const f1 = this.f1;
    const f2 = this.f2;
    const s1 = this.s1;
    const s2 = this.s2;
    f1.replace(close);
    s1.replace(close);
    if (f1.isStable) f2.replace(f1.value);
    if (!s1.isStable) return;
    s2.replace(s1.value);
    if (!s2.isStable) return;
    const line = 2 * f1.value - f2.value - (2 * s1.value - s2.value);
    this.g1.replace(line);
    if (!this.g1.isStable) return;
    this.g2.replace(this.g1.value);
    if (this.g2.isStable) {
      this.line = line;
      this.sigLine = 2 * this.g1.value - this.g2.value;
    }
  }

  reset(): void {
    for (const e of [this.f1, this.f2, this.s1, this.s2, this.g1, this.g2]) e.reset();
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
  }

  snapshot(): ZeroLagMacdSnapshot {
    const zl = (ema: EmaStage, emaOfEma: EmaStage): ZlemaSnapshot => ({ kind: 'zlema', v: 1, ema: ema.snapshot(), emaOfEma: emaOfEma.snapshot() });
    return { kind: 'zeroLagMacd', v: 1, fast: zl(this.f1, this.f2), slow: zl(this.s1, this.s2), signal: zl(this.g1, this.g2) };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'ZeroLagMacd');
    const pairs: [EmaStage, EmaStage, ZlemaSnapshot, number][] = [
      [this.f1, this.f2, s.fast, this.fastPeriod],
      [this.s1, this.s2, s.slow, this.slowPeriod],
      [this.g1, this.g2, s.signal, this.signalPeriod],
    ];
    // Validate every part on scratch EMAs first, so a bad snapshot changes nothing.
    for (const [, , part, period] of pairs) {
      new EmaStage(period).restore(part.ema);
      new EmaStage(period).restore(part.emaOfEma);
    }
    for (const [a, b, part] of pairs) {
      a.restore(part.ema);
      b.restore(part.emaOfEma);
    }
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
    if (this.g2.isStable) {
      this.line = 2 * this.f1.value - this.f2.value - (2 * this.s1.value - this.s2.value);
      this.sigLine = 2 * this.g1.value - this.g2.value;
    }
  }
}
