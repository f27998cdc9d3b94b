import { z } from 'zod';
import { EmaStage, emaStageSnapshotSchema } from './ema-stage';
import type { Indicator } from './indicator';
import { assertPeriod, parseSnapshot } from './indicator';

const schema = z
  .object({
    kind: z.literal('macd'),
    v: z.literal(1),
    fast: emaStageSnapshotSchema,
    slow: emaStageSnapshotSchema,
    signal: emaStageSnapshotSchema,
  })
  .strict();
export type MacdSnapshot = z.infer<typeof schema>;

export function assertMacdPeriods(what: string, fast: number, slow: number, signal: number): void {
  assertPeriod(what, 'fast', fast);
  assertPeriod(what, 'slow', slow);
  assertPeriod(what, 'signal', signal);
  if (fast >= slow) throw new RangeError(`${what}: fast (${fast}) must be shorter than slow (${slow})`);
}

/**
 * MACD (Gerald Appel): line = EMA(fast) − EMA(slow), signal = EMA(signal) of the line,
 * histogram = line − signal. Every EMA is SMA-seeded (see `EmaStage`), the signal EMA is fed from the
 * first bar on which the slow EMA is stable, so all three outputs appear together after
 * `slow + signal − 1` inputs (34 for 12/26/9). Matches technicalindicators' MACD with
 * `SimpleMAOscillator: false, SimpleMASignal: false` exactly; trading-signals' MACD (first-input
 * seeded EMAs) converges to it.
 * `value` is the MACD line; all outputs are NaN until `isStable`.
 */
export class Macd implements Indicator<[close: number], MacdSnapshot> {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly fast: EmaStage;
  private readonly slow: EmaStage;
  private readonly sig: EmaStage;
  private line = Number.NaN;
  private sigLine = Number.NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    assertMacdPeriods('Macd', fast, slow, signal);
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.signalPeriod = signal;
    this.fast = new EmaStage(fast);
    this.slow = new EmaStage(slow);
    this.sig = new EmaStage(signal);
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

  update(close: number): void {
    this.fast.update(close);
    this.slow.update(close);
    if (!this.slow.isStable) return;
    const line = this.fast.value - this.slow.value;
    this.sig.update(line);
    if (this.sig.isStable) {
      this.line = line;
      this.sigLine = this.sig.value;
    }
  }

  replace(close: number): void {
    this.fast.replace(close);
    this.slow.replace(close);
    // replace() never changes how many inputs were seen, so the signal EMA was fed on the bar
    // being replaced exactly when the slow EMA is stable now.
    if (!this.slow.isStable) return;
    const line = this.fast.value - this.slow.value;
    this.sig.replace(line);
    if (this.sig.isStable) {
      this.line = line;
      this.sigLine = this.sig.value;
    }
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.sig.reset();
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
  }

  snapshot(): MacdSnapshot {
    return { kind: 'macd', v: 1, fast: this.fast.snapshot(), slow: this.slow.snapshot(), signal: this.sig.snapshot() };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Macd');
    const fast = new EmaStage(this.fastPeriod);
    const slow = new EmaStage(this.slowPeriod);
    const sig = new EmaStage(this.signalPeriod);
    // Validate all parts before touching this instance, so a bad snapshot changes nothing.
    fast.restore(s.fast);
    slow.restore(s.slow);
    sig.restore(s.signal);
    this.fast.restore(s.fast);
    this.slow.restore(s.slow);
    this.sig.restore(s.signal);
    this.line = Number.NaN;
    this.sigLine = Number.NaN;
    if (this.sig.isStable) {
      this.line = this.fast.value - this.slow.value;
      this.sigLine = this.sig.value;
    }
  }
}
