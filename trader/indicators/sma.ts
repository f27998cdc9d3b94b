import { z } from 'zod';
import type { Indicator } from './indicator';
import {
  assertPeriod,
  expectParam,
  parseSnapshot,
  ringFromJson,
  ringToJson,
  zCount,
  zNumberOrNaN,
  zPeriod,
} from './indicator';

const schema = z
  .object({
    kind: z.literal('sma'),
    v: z.literal(1),
    period: zPeriod,
    count: zCount,
    pos: zCount,
    sum: z.number(),
    fresh: z.number(),
    ring: z.array(zNumberOrNaN),
  })
  .strict();
export type SmaSnapshot = z.infer<typeof schema>;

/**
 * Simple moving average over the last `period` inputs; stable after `period` inputs.
 *
 * A running sum makes each update O(1). A running sum also collects rounding error forever, so a
 * second sum (`fresh`) is accumulated over the current pass of the ring buffer; when the ring wraps,
 * `fresh` holds exactly the window's sum and replaces the running one. Error is therefore bounded
 * by one window of additions, however long the trader runs, still at O(1) per update.
 */
export class Sma implements Indicator<[x: number], SmaSnapshot> {
  readonly period: number;
  private readonly ring: Float64Array;
  private count = 0;
  /** Where the next input is written. */
  private pos = 0;
  private sum = 0;
  private fresh = 0;
  private out = Number.NaN;

  constructor(period: number) {
    assertPeriod('Sma', 'period', period);
    this.period = period;
    this.ring = new Float64Array(period);
  }

  get value(): number {
    return this.out;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  update(x: number): void {
    const n = this.period;
    if (this.count >= n) {
      this.sum += x - (this.ring[this.pos] ?? 0);
    } else {
      this.sum += x;
    }
    this.ring[this.pos] = x;
    this.fresh += x;
    this.count++;
    if (++this.pos === n) {
      this.pos = 0;
      this.sum = this.fresh;
      this.fresh = 0;
    }
    this.out = this.count >= n ? this.sum / n : Number.NaN;
  }

  replace(x: number): void {
    if (this.count === 0) {
      this.update(x);
      return;
    }
    const last = this.pos === 0 ? this.period - 1 : this.pos - 1;
    const delta = x - (this.ring[last] ?? 0);
    this.sum += delta;
    // When pos is 0 the replaced input closed the previous pass and `fresh` was just reset.
    if (this.pos !== 0) this.fresh += delta;
    this.ring[last] = x;
    if (this.count >= this.period) this.out = this.sum / this.period;
  }

  reset(): void {
    this.ring.fill(0);
    this.count = 0;
    this.pos = 0;
    this.sum = 0;
    this.fresh = 0;
    this.out = Number.NaN;
  }

  snapshot(): SmaSnapshot {
    return {
      kind: 'sma',
      v: 1,
      period: this.period,
      count: this.count,
      pos: this.pos,
      sum: this.sum,
      fresh: this.fresh,
      ring: ringToJson(this.ring),
    };
  }

  restore(snapshot: unknown): void {
    const s = parseSnapshot(schema, snapshot, 'Sma');
    expectParam('Sma', 'period', this.period, s.period);
    if (s.pos >= this.period) throw new Error(`invalid Sma snapshot: pos ${s.pos} outside the ring`);
    ringFromJson(this.ring, s.ring, 'Sma');
    this.count = s.count;
    this.pos = s.pos;
    this.sum = s.sum;
    this.fresh = s.fresh;
    this.out = s.count >= this.period ? s.sum / this.period : Number.NaN;
  }
}
