import { z } from 'zod';
import type { Indicator } from './indicator';
import { parseSnapshot } from './indicator';

const schema = z
  .object({
    kind: z.literal('vwap'),
    v: z.literal(1),
    sumPv: z.number(),
    sumVolume: z.number().nonnegative(),
    before: z.object({ sumPv: z.number(), sumVolume: z.number().nonnegative() }).strict(),
  })
  .strict();
export type SessionVwapSnapshot = z.infer<typeof schema>;

// Typical price (h + l + c)/3 is taken as (h + l + c)·(1/3): one division fewer per update, at
// most an ulp from the references' /3.
const THIRD = 1 / 3;

function badVolume(volume: number): RangeError {
  return new RangeError(`SessionVwap: volume must be a finite number >= 0, got ${volume}`);
}

/**
 * Session VWAP = Σ(typical price × volume) / Σ volume since `resetSession()`, typical price =
 * (high + low + close) / 3 (trading-signals and technicalindicators use the same).
 *
 * Zero volume: a VWAP of nothing traded is undefined, so while the session's total volume is 0
 * (session start, an index such as NIFTY whose feed has no volume, zero-volume prints) `value`
 * is NaN and `isStable` is false, never 0/0 passed off as a price; callers must check
 * `isStable`. A zero-volume bar after some volume leaves VWAP unchanged (as trading-signals,
 * which skips such bars). A negative or non-finite volume is a caller bug and throws RangeError,
 * because it would corrupt the rest of the session.
 */
export class SessionVwap implements Indicator<[high: number, low: number, close: number, volume: number], SessionVwapSnapshot> {
  private sumPv = 0;
  private sumVolume = 0;
  // Sums before the newest bar, for replace(). Before any bar they equal the (zero) sums, so
  // replace() then simply adds the bar, as update() would.
  private bSumPv = 0;
  private bSumVolume = 0;

  get value(): number {
    return this.sumVolume > 0 ? this.sumPv / this.sumVolume : Number.NaN;
  }

  get isStable(): boolean {
    return this.sumVolume > 0;
  }

  /** Volume traded so far this session. */
  get volume(): number {
    return this.sumVolume;
  }

  update(high: number, low: number, close: number, volume: number): void {
    // Checked before any state changes, so a rejected bar leaves the indicator untouched.
    if (!(volume >= 0 && volume < Number.POSITIVE_INFINITY)) throw badVolume(volume);
    this.bSumPv = this.sumPv;
    this.bSumVolume = this.sumVolume;
    this.add(high, low, close, volume);
  }

  replace(high: number, low: number, close: number, volume: number): void {
    if (!(volume >= 0 && volume < Number.POSITIVE_INFINITY)) throw badVolume(volume);
    this.sumPv = this.bSumPv;
    this.sumVolume = this.bSumVolume;
    this.add(high, low, close, volume);
  }

  private add(high: number, low: number, close: number, volume: number): void {
    this.sumPv += (high + low + close) * THIRD * volume;
    this.sumVolume += volume;
  }

  /** Start a new session: forget everything accumulated so far. */
  resetSession(): void {
    this.sumPv = 0;
    this.sumVolume = 0;
    this.bSumPv = 0;
    this.bSumVolume = 0;
  }

  reset(): void {
    this.resetSession();
  }

  snapshot(): SessionVwapSnapshot {
    return {
      kind: 'vwap',
      v: 1,
      sumPv: this.sumPv,
      sumVolume: this.sumVolume,
      before: { sumPv: this.bSumPv, sumVolume: this.bSumVolume },
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'SessionVwap');
    this.sumPv = s.sumPv;
    this.sumVolume = s.sumVolume;
    this.bSumPv = s.before.sumPv;
    this.bSumVolume = s.before.sumVolume;
  }
}
