import type { Bar } from '../domain/bar';

/**
 * Bars stored by column (one Float64Array per field), for replaying millions of bars without
 * millions of objects. Index i of every column is the same bar; `startMs` strictly increases.
 */
export interface ColumnarBars {
  readonly length: number;
  readonly startMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** 0 for every bar when the source has no volume. */
  readonly volume: Float64Array;
}

/** A growable column builder (capacity doubles), trimmed by `finish`. */
export class ColumnarBarsBuilder {
  private cap: number;
  private n = 0;
  private t: Float64Array;
  private o: Float64Array;
  private h: Float64Array;
  private l: Float64Array;
  private c: Float64Array;
  private v: Float64Array;

  constructor(initialCapacity = 1024) {
    this.cap = Math.max(16, initialCapacity);
    this.t = new Float64Array(this.cap);
    this.o = new Float64Array(this.cap);
    this.h = new Float64Array(this.cap);
    this.l = new Float64Array(this.cap);
    this.c = new Float64Array(this.cap);
    this.v = new Float64Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  push(startMs: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.t[i] = startMs;
    this.o[i] = open;
    this.h[i] = high;
    this.l[i] = low;
    this.c[i] = close;
    this.v[i] = volume;
  }

  finish(): ColumnarBars {
    const n = this.n;
    return {
      length: n,
      startMs: this.t.slice(0, n),
      open: this.o.slice(0, n),
      high: this.h.slice(0, n),
      low: this.l.slice(0, n),
      close: this.c.slice(0, n),
      volume: this.v.slice(0, n),
    };
  }

  private grow(): void {
    this.cap *= 2;
    const g = (a: Float64Array): Float64Array => {
      const b = new Float64Array(this.cap);
      b.set(a);
      return b;
    };
    this.t = g(this.t);
    this.o = g(this.o);
    this.h = g(this.h);
    this.l = g(this.l);
    this.c = g(this.c);
    this.v = g(this.v);
  }
}

export function columnarFromBars(bars: readonly Bar[]): ColumnarBars {
  const b = new ColumnarBarsBuilder(bars.length);
  for (const bar of bars) b.push(bar.startMs, bar.open, bar.high, bar.low, bar.close, bar.volume);
  return b.finish();
}

export function barAt(bars: ColumnarBars, i: number): Bar {
  if (!Number.isInteger(i) || i < 0 || i >= bars.length) throw new RangeError(`bar index ${i} outside 0..${bars.length - 1}`);
  return {
    startMs: bars.startMs[i] ?? Number.NaN,
    open: bars.open[i] ?? Number.NaN,
    high: bars.high[i] ?? Number.NaN,
    low: bars.low[i] ?? Number.NaN,
    close: bars.close[i] ?? Number.NaN,
    volume: bars.volume[i] ?? 0,
  };
}

export function barsFromColumnar(bars: ColumnarBars): Bar[] {
  const out: Bar[] = new Array<Bar>(bars.length);
  for (let i = 0; i < bars.length; i++) out[i] = barAt(bars, i);
  return out;
}
