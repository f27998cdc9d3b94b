import { describe, expect, it } from 'vitest';
import { Atr } from './atr';
import { Ema } from './ema';
import { Rsi } from './rsi';
import { CASES } from './testing/cases';
import type { Runner } from './testing/cases';
import { rng, syntheticSeries } from './testing/series';
import type { Series } from './testing/series';

// The contract from indicator.ts, checked for every indicator on the same synthetic OHLCV series.
const N = 600;
const series = syntheticSeries(N, 7);
// A second series with other prices, used as the "wrong" bar that replace() must undo.
const other = syntheticSeries(N, 99, 21_500);

function feed(r: Runner, s: Series, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let i = from; i < to; i++) {
    r.update(s, i);
    out.push(r.outputs());
  }
  return out;
}

/** Relative closeness that treats NaN == NaN (for paths that differ only in rounding). */
function near(a: number, b: number, rel = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

describe.each(CASES)('indicator contract: $name', (tc) => {
  it('is NaN and not stable until warmed up, then stable with a finite value', () => {
    const r = tc.create();
    let firstStable = -1;
    for (let i = 0; i < N; i++) {
      r.update(series, i);
      expect(r.isStable).toBe(!Number.isNaN(r.value));
      if (r.isStable) {
        expect(Number.isFinite(r.value)).toBe(true);
        if (firstStable < 0) firstStable = i;
      } else {
        // Once stable, an indicator never becomes unstable again on more data.
        expect(firstStable).toBe(-1);
      }
    }
    if (tc.warmup !== null) expect(firstStable).toBe(tc.warmup - 1);
    else expect(firstStable).toBeGreaterThanOrEqual(0);
  });

  it('returns the same outputs on repeated reads (getters do not change state)', () => {
    const r = tc.create();
    for (let i = 0; i < N; i++) {
      r.update(series, i);
      const a = r.outputs();
      const b = r.outputs();
      expect(b).toEqual(a);
      expect(r.snapshot()).toEqual(r.snapshot());
    }
  });

  it('resumes exactly after snapshot → JSON → restore into a fresh instance', () => {
    const original = tc.create();
    const expected = feed(original, series, 0, N);
    for (const cut of [0, 1, 3, 10, (tc.warmup ?? 5) - 1, tc.warmup ?? 50, 137, N - 1]) {
      const a = tc.create();
      feed(a, series, 0, cut);
      const snap: unknown = JSON.parse(JSON.stringify(a.snapshot()));
      const b = tc.create();
      b.restore(snap);
      expect(b.snapshot()).toEqual(a.snapshot());
      expect(b.outputs()).toEqual(a.outputs());
      expect(b.isStable).toBe(a.isStable);
      // Bit-for-bit identical continuation, including the replace() undo state.
      expect(feed(b, series, cut, N)).toEqual(expected.slice(cut));
      if (cut > 0) {
        const c = tc.create();
        c.restore(snap);
        c.replace(other, cut - 1);
        a.replace(other, cut - 1);
        expect(c.outputs()).toEqual(a.outputs());
      }
    }
  });

  it('rejects a malformed or foreign snapshot and keeps its state', () => {
    const r = tc.create();
    feed(r, series, 0, 100);
    const before = r.outputs();
    const snap = r.snapshot();
    expect(() => r.restore({})).toThrow(/snapshot/);
    expect(() => r.restore(null)).toThrow(/snapshot/);
    expect(() => r.restore({ ...(snap as object), kind: 'nope' })).toThrow(/snapshot/);
    const foreign = tc.createOther();
    feed(foreign, series, 0, 100);
    expect(() => r.restore(foreign.snapshot())).toThrow(/snapshot/);
    expect(r.outputs()).toEqual(before);
    r.update(series, 100);
    const control = tc.create();
    feed(control, series, 0, 101);
    expect(r.outputs()).toEqual(control.outputs());
  });

  it('reset() behaves like a fresh instance', () => {
    const r = tc.create();
    feed(r, other, 0, 250);
    r.reset();
    expect(Number.isNaN(r.value)).toBe(true);
    expect(r.isStable).toBe(false);
    expect(feed(r, series, 0, N)).toEqual(feed(tc.create(), series, 0, N));
  });

  it('replace() rewrites the still-open bar: update(a); replace(b) ≡ update(b)', () => {
    const expected = feed(tc.create(), series, 0, N);
    const r = tc.create();
    const coin = rng(3);
    for (let i = 0; i < N; i++) {
      // The open bar is revised 0–3 times with wrong prices before its final value.
      r.update(other, i);
      const revisions = Math.floor(coin() * 4);
      for (let k = 0; k < revisions; k++) r.replace(other, (i + k + 1) % N);
      r.replace(series, i);
      const got = r.outputs();
      const want = expected[i] ?? [];
      expect(got.length).toBe(want.length);
      got.forEach((x, k) => {
        if (!near(x, want[k] ?? Number.NaN)) expect.fail(`bar ${i} output ${k}: ${x} vs ${want[k]}`);
      });
    }
  });

  it('replace() before any update acts as update()', () => {
    const a = tc.create();
    const b = tc.create();
    a.replace(series, 0);
    b.update(series, 0);
    expect(a.outputs()).toEqual(b.outputs());
    a.update(series, 1);
    b.update(series, 1);
    expect(a.outputs()).toEqual(b.outputs());
  });
});

describe('restore refuses an inconsistent snapshot', () => {
  it('a stable EMA/RSI/ATR snapshot whose value is missing', () => {
    const ema = new Ema(3);
    [1, 2, 3, 4].forEach((x) => ema.update(x));
    expect(() => new Ema(3).restore({ ...ema.snapshot(), ema: null })).toThrow(/stable/);
    const rsi = new Rsi(2);
    [1, 2, 1, 2].forEach((x) => rsi.update(x));
    expect(() => new Rsi(2).restore({ ...rsi.snapshot(), avgLoss: null })).toThrow(/stable/);
    const atr = new Atr(2);
    [1, 2, 3].forEach((x) => atr.update(x + 1, x - 1, x));
    expect(() => new Atr(2).restore({ ...atr.snapshot(), atr: null })).toThrow(/stable/);
  });

  it('an EMA snapshot missing the held input or the state a replace() would undo, naming the field', () => {
    const held = new Ema(3);
    [1, 2, 3, 4].forEach((x) => held.update(x)); // seeded, then one input held
    expect(held.snapshot().hasPending).toBe(true);
    expect(() => new Ema(3).restore({ ...held.snapshot(), pending: null })).toThrow(/pending: null/);
    const paired = new Ema(3);
    [1, 2, 3, 4, 5].forEach((x) => paired.update(x)); // the held input folded in
    expect(paired.snapshot().hasPending).toBe(false);
    expect(() => new Ema(3).restore({ ...paired.snapshot(), prevBase: null })).toThrow(/prevBase: null/);
    expect(() => new Ema(3).restore({ ...paired.snapshot(), pending: null })).toThrow(/pending: null/);
    const target = new Ema(3);
    [7, 8, 9, 10, 11, 12].forEach((x) => target.update(x));
    const before = target.snapshot();
    expect(() => target.restore({ ...paired.snapshot(), prevBase: null })).toThrow();
    expect(target.snapshot()).toEqual(before); // a refused snapshot changes nothing
  });
});
