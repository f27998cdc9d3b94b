import { describe, expect, it } from 'vitest';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { hasSharedData, sharedDataPath } from '../../test/support/shared-data';
import { Atr } from './atr';
import { Bollinger } from './bollinger';
import { Ema } from './ema';
import { Macd } from './macd';
import { Rsi } from './rsi';
import { Sma } from './sma';
import { SWING_HIGH, SWING_LOW, Swing } from './swing';
import { readCsvSeries } from './testing/series';
import type { Series } from './testing/series';
import { SessionVwap } from './vwap';
import { ZeroLagMacd, Zlema } from './zero-lag-macd';

// Cross-checks against two independent libraries on real NSE data. "exact" below means equal to
// 1e-9 relative (|a − b| ≤ 1e-9·max(1, |a|, |b|)); where a library uses another convention the
// test proves the documented difference and the convergence instead.
const REL = 1e-9;

function closeTo(a: number, b: number, rel = REL): boolean {
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Compare two aligned output streams from index `from`; NaN/undefined must coincide before. */
function expectSeriesAgree(name: string, ours: number[], theirs: (number | null | undefined)[], from: number, rel = REL): void {
  expect(ours.length).toBe(theirs.length);
  let compared = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i] ?? Number.NaN;
    const b = theirs[i];
    if (i < from) continue;
    if (b === null || b === undefined || !closeTo(a, b, rel)) {
      expect.fail(`${name}: bar ${i}: ours ${a}, reference ${b}`);
    }
    compared++;
  }
  expect(compared).toBeGreaterThan(1000);
}

/** Index of the first element that is a number (not NaN/null/undefined). */
function firstDefined(xs: readonly (number | null | undefined)[]): number {
  return xs.findIndex((x) => x !== null && x !== undefined && !Number.isNaN(x));
}

const nifty5m = (): Series => readCsvSeries(sharedDataPath('nifty50-5m-2024-05-21_2025-06-18.csv'));

describe.skipIf(!hasSharedData)('indicators vs trading-signals 8 and technicalindicators 3 on real NSE data', () => {
  const s = hasSharedData ? nifty5m() : undefined;
  const bars = (): Series => {
    if (s === undefined) throw new Error('no data');
    return s;
  };
  const closes = (): number[] => Array.from(bars().close);

  describe('EMA', () => {
    for (const period of [9, 20, 50, 200]) {
      it(`EMA(${period}) equals technicalindicators (SMA seed) from the first value`, () => {
        const ours = new Ema(period);
        const ref = new ti.EMA({ period, values: [] });
        const a: number[] = [];
        const b: (number | undefined)[] = [];
        for (const x of closes()) {
          ours.update(x);
          a.push(ours.value);
          b.push(ref.nextValue(x));
        }
        expect(firstDefined(a)).toBe(period - 1);
        expect(firstDefined(b)).toBe(period - 1);
        expectSeriesAgree('ema', a, b, period - 1);
      });

      it(`EMA(${period}) differs from trading-signals' first-input seed, then converges as (1 − α)^n`, () => {
        const ours = new Ema(period);
        const ref = new ts.EMA(period);
        const a: number[] = [];
        const b: (number | null)[] = [];
        for (const x of closes()) {
          ours.update(x);
          a.push(ours.value);
          ref.add(x);
          b.push(ref.isStable ? ref.getResultOrThrow() : null);
        }
        expect(firstDefined(b)).toBe(period - 1);
        const seedGap = Math.abs((a[period - 1] ?? 0) - (b[period - 1] ?? 0));
        expect(seedGap).toBeGreaterThan(0.01);
        // After k more bars the seed difference has shrunk by (1 − α)^k.
        const alpha = 2 / (period + 1);
        const k = Math.ceil(Math.log(1e-12) / Math.log(1 - alpha));
        expectSeriesAgree('ema vs trading-signals', a, b, period - 1 + k);
      });
    }
  });

  it('SMA(20) and SMA(50) equal both references', () => {
    for (const period of [20, 50]) {
      const ours = new Sma(period);
      const r1 = new ts.SMA(period);
      const r2 = new ti.SMA({ period, values: [] });
      const a: number[] = [];
      const b: (number | null)[] = [];
      const c: (number | undefined)[] = [];
      for (const x of closes()) {
        ours.update(x);
        a.push(ours.value);
        b.push(r1.add(x));
        c.push(r2.nextValue(x));
      }
      expect(firstDefined(a)).toBe(period - 1);
      expect(firstDefined(b)).toBe(period - 1);
      expectSeriesAgree('sma vs trading-signals', a, b, period - 1, 1e-12);
      expectSeriesAgree('sma vs technicalindicators', a, c, period - 1, 1e-12);
    }
  });

  it('RSI(14) equals trading-signals, and technicalindicators to its 2-decimal rounding', () => {
    const ours = new Rsi(14);
    const r1 = new ts.RSI(14);
    const r2 = new ti.RSI({ period: 14, values: [] });
    const a: number[] = [];
    const b: (number | null)[] = [];
    const c: (number | undefined)[] = [];
    for (const x of closes()) {
      ours.update(x);
      a.push(ours.value);
      b.push(r1.add(x));
      c.push(r2.nextValue(x));
    }
    expect(firstDefined(a)).toBe(14);
    expect(firstDefined(b)).toBe(14);
    expect(firstDefined(c)).toBe(14);
    expectSeriesAgree('rsi vs trading-signals', a, b, 14);
    // technicalindicators returns parseFloat(rsi.toFixed(2)).
    expectSeriesAgree('rsi vs technicalindicators', a.map((x) => Math.round(x * 100) / 100), c, 14, 1e-12);
    expect(a.slice(14).some((x, i) => Math.abs(x - (c[i + 14] ?? 0)) > 1e-4)).toBe(true);
  });

  it('ATR(14) equals trading-signals (first TR = high − low); technicalindicators starts a bar later and converges', () => {
    const ours = new Atr(14);
    const r1 = new ts.ATR(14);
    const r2 = new ti.ATR({ period: 14, high: [], low: [], close: [] });
    const { high, low, close, length } = bars();
    const a: number[] = [];
    const b: (number | null)[] = [];
    const c: (number | undefined)[] = [];
    for (let i = 0; i < length; i++) {
      const bar = { high: high[i] ?? 0, low: low[i] ?? 0, close: close[i] ?? 0 };
      ours.update(bar.high, bar.low, bar.close);
      a.push(ours.value);
      b.push(r1.add(bar));
      c.push(r2.nextValue(bar));
    }
    expect(firstDefined(a)).toBe(13);
    expect(firstDefined(b)).toBe(13);
    expectSeriesAgree('atr vs trading-signals', a, b, 13);
    // technicalindicators (TA-Lib style) skips the first bar's true range: first ATR at bar 14,
    // from another seed, so the two differ there and agree once ((n − 1)/n)^k has decayed.
    expect(firstDefined(c)).toBe(14);
    expect(Math.abs((a[14] ?? 0) - (c[14] ?? 0))).toBeGreaterThan(1e-3);
    const k = Math.ceil(Math.log(1e-12) / Math.log(13 / 14));
    expectSeriesAgree('atr vs technicalindicators', a, c, 14 + k);
  });

  it('MACD(12,26,9) equals technicalindicators (EMA/EMA) and converges to trading-signals', () => {
    const ours = new Macd(12, 26, 9);
    const r1 = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9));
    const r2 = new ti.MACD({ values: [], fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
    const out = { ours: [[], [], []] as number[][], ts: [[], [], []] as (number | null)[][], ti: [[], [], []] as (number | undefined)[][] };
    for (const x of closes()) {
      ours.update(x);
      out.ours[0]?.push(ours.macd);
      out.ours[1]?.push(ours.signal);
      out.ours[2]?.push(ours.histogram);
      const p = r1.add(x);
      out.ts[0]?.push(p?.macd ?? null);
      out.ts[1]?.push(p?.signal ?? null);
      out.ts[2]?.push(p?.histogram ?? null);
      const q = r2.nextValue(x);
      out.ti[0]?.push(q?.signal === undefined ? undefined : q.MACD);
      out.ti[1]?.push(q?.signal);
      out.ti[2]?.push(q?.histogram);
    }
    ['macd', 'signal', 'histogram'].forEach((name, k) => {
      const a = out.ours[k] ?? [];
      expect(firstDefined(a)).toBe(33);
      expect(firstDefined(out.ti[k] ?? [])).toBe(33);
      expectSeriesAgree(`${name} vs technicalindicators`, a, out.ti[k] ?? [], 33);
      expectSeriesAgree(`${name} vs trading-signals`, a, out.ts[k] ?? [], 1000);
    });
  });

  it('zero-lag MACD equals a composition of technicalindicators EMAs and converges to trading-signals MACD(DEMA)', () => {
    // Reference ZLEMA from technicalindicators' SMA-seeded EMA: 2·EMA − EMA(EMA).
    const tiZlema = (period: number) => {
      const e1 = new ti.EMA({ period, values: [] });
      const e2 = new ti.EMA({ period, values: [] });
      return (x: number): number | undefined => {
        const v1 = e1.nextValue(x);
        if (v1 === undefined) return undefined;
        const v2 = e2.nextValue(v1);
        return v2 === undefined ? undefined : 2 * v1 - v2;
      };
    };
    const [f, sl, sg] = [tiZlema(12), tiZlema(26), tiZlema(9)];
    const ours = new ZeroLagMacd(12, 26, 9);
    const r1 = new ts.MACD(new ts.DEMA(12), new ts.DEMA(26), new ts.DEMA(9));
    const a: number[][] = [[], [], []];
    const b: (number | undefined)[][] = [[], [], []];
    const c: (number | null)[][] = [[], [], []];
    for (const x of closes()) {
      ours.update(x);
      a[0]?.push(ours.macd);
      a[1]?.push(ours.signal);
      a[2]?.push(ours.histogram);
      const fv = f(x);
      const sv = sl(x);
      const line = fv === undefined || sv === undefined ? undefined : fv - sv;
      const sig = line === undefined ? undefined : sg(line);
      b[0]?.push(sig === undefined ? undefined : line);
      b[1]?.push(sig);
      b[2]?.push(sig === undefined || line === undefined ? undefined : line - sig);
      const p = r1.add(x);
      c[0]?.push(p?.macd ?? null);
      c[1]?.push(p?.signal ?? null);
      c[2]?.push(p?.histogram ?? null);
    }
    for (let k = 0; k < 3; k++) {
      expect(firstDefined(a[k] ?? [])).toBe(66);
      expect(firstDefined(b[k] ?? [])).toBe(66);
      expectSeriesAgree(`zero-lag ${k} vs technicalindicators EMAs`, a[k] ?? [], b[k] ?? [], 66);
      expectSeriesAgree(`zero-lag ${k} vs trading-signals DEMA`, a[k] ?? [], c[k] ?? [], 2000);
    }
  });

  it('ZLEMA(20) equals trading-signals DEMA(20) after convergence', () => {
    const ours = new Zlema(20);
    const ref = new ts.DEMA(20);
    const a: number[] = [];
    const b: (number | null)[] = [];
    for (const x of closes()) {
      ours.update(x);
      a.push(ours.value);
      ref.add(x);
      b.push(ref.isStable ? ref.getResultOrThrow() : null);
    }
    expect(firstDefined(a)).toBe(38);
    expectSeriesAgree('zlema vs DEMA', a, b, 1000);
  });

  it('Bollinger(20, 2) equals both references (population standard deviation)', () => {
    const ours = new Bollinger(20, 2);
    const r1 = new ts.BollingerBands(20, 2);
    const r2 = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
    const a: number[][] = [[], [], [], []];
    const b: (number | null)[][] = [[], [], [], []];
    const c: (number | undefined)[][] = [[], [], [], []];
    const stdOf = (upper: number, middle: number): number => (upper - middle) / 2;
    for (const x of closes()) {
      ours.update(x);
      a[0]?.push(ours.middle);
      a[1]?.push(ours.upper);
      a[2]?.push(ours.lower);
      a[3]?.push(ours.stdDev);
      const p = r1.add(x);
      b[0]?.push(p?.middle ?? null);
      b[1]?.push(p?.upper ?? null);
      b[2]?.push(p?.lower ?? null);
      b[3]?.push(p ? stdOf(p.upper, p.middle) : null);
      const q = r2.nextValue(x);
      c[0]?.push(q?.middle);
      c[1]?.push(q?.upper);
      c[2]?.push(q?.lower);
      c[3]?.push(q ? stdOf(q.upper, q.middle) : undefined);
    }
    for (let k = 0; k < 3; k++) {
      expectSeriesAgree(`bollinger ${k} vs trading-signals`, a[k] ?? [], b[k] ?? [], 19);
      expectSeriesAgree(`bollinger ${k} vs technicalindicators`, a[k] ?? [], c[k] ?? [], 19);
    }
    // σ itself (points, not a price level): agree to 1e-6 points; a sample (N − 1) σ would be
    // off by a factor √(20/19) ≈ 1.026, far outside this.
    const sigma = a[3] ?? [];
    for (let i = 19; i < sigma.length; i++) {
      const want = ((b[1]?.[i] ?? 0) - (b[0]?.[i] ?? 0)) / 2;
      if (Math.abs((sigma[i] ?? 0) - want) > 1e-6) expect.fail(`σ at bar ${i}: ${sigma[i]} vs ${want}`);
    }
  });

  it('Swing(2,2) and Swing(5,5) confirm the same swing highs and lows, bar for bar, as trading-signals', () => {
    const { high, low, timeMs, length } = bars();
    for (const lookback of [2, 5]) {
      const ours = new Swing(lookback, lookback);
      const sh = new ts.SwingHigh({ lookback });
      const sl = new ts.SwingLow({ lookback });
      let highs = 0;
      let lows = 0;
      for (let i = 0; i < length; i++) {
        const bar = { high: high[i] ?? 0, low: low[i] ?? 0 };
        ours.update(bar.high, bar.low, timeMs[i]);
        const h = sh.add(bar);
        const l = sl.add(bar);
        expect((ours.lastEvent & SWING_HIGH) !== 0).toBe(h !== null);
        expect((ours.lastEvent & SWING_LOW) !== 0).toBe(l !== null);
        if (h !== null) {
          highs++;
          expect(ours.highPrice).toBe(h);
          expect(ours.highIndex).toBe(i - lookback);
          expect(ours.highTimeMs).toBe(timeMs[i - lookback]);
        }
        if (l !== null) {
          lows++;
          expect(ours.lowPrice).toBe(l);
          expect(ours.lowIndex).toBe(i - lookback);
          expect(ours.lowTimeMs).toBe(timeMs[i - lookback]);
        }
      }
      expect(highs).toBeGreaterThan(500);
      expect(lows).toBeGreaterThan(500);
    }
  });

  it('finds the known 2024-06-04 low of 21,281.45 as a confirmed swing low', () => {
    const { high, low, timeMs, session, length } = bars();
    const ours = new Swing(2, 2);
    const found: number[] = [];
    for (let i = 0; i < length; i++) {
      ours.update(high[i] ?? 0, low[i] ?? 0, timeMs[i]);
      if ((ours.lastEvent & SWING_LOW) !== 0) {
        if (session[ours.lowIndex] === '2024-06-04') found.push(ours.lowPrice);
      }
    }
    expect(found).toContain(21281.45);
  });
});

describe.skipIf(!hasSharedData)('session VWAP on real 1-minute data', () => {
  it('equals both references on RELIANCE 1-minute bars, reset each session', () => {
    const s = readCsvSeries(sharedDataPath('reliance-1m-2021-04-01_08.csv'));
    const ours = new SessionVwap();
    let r1 = new ts.VWAP();
    let r2 = new ti.VWAP({ high: [], low: [], close: [], volume: [] });
    const a: number[] = [];
    const b: (number | null)[] = [];
    const c: (number | undefined)[] = [];
    let zeroVolumeBars = 0;
    for (let i = 0; i < s.length; i++) {
      if (i > 0 && s.session[i] !== s.session[i - 1]) {
        ours.resetSession();
        r1 = new ts.VWAP();
        r2 = new ti.VWAP({ high: [], low: [], close: [], volume: [] });
      }
      const bar = { high: s.high[i] ?? 0, low: s.low[i] ?? 0, close: s.close[i] ?? 0, volume: s.volume[i] ?? 0 };
      if (bar.volume === 0) zeroVolumeBars++;
      ours.update(bar.high, bar.low, bar.close, bar.volume);
      a.push(ours.value);
      // trading-signals returns null (and keeps its result) for a zero-volume bar.
      b.push(r1.add(bar) ?? r1.getResult());
      c.push(r2.nextValue(bar));
    }
    expect(zeroVolumeBars).toBeGreaterThan(0);
    expectSeriesAgree('vwap vs trading-signals', a, b, 0);
    expectSeriesAgree('vwap vs technicalindicators', a, c, 0);
  });

  it('is NaN and not stable, never Infinity, while a session has no volume (NIFTY index, volume 0)', () => {
    const s = readCsvSeries(sharedDataPath('nifty-1m-2021-04-01_08.csv'));
    expect(s.volume.every((v) => v === 0)).toBe(true);
    const ours = new SessionVwap();
    const ref = new ti.VWAP({ high: [], low: [], close: [], volume: [] });
    for (let i = 0; i < s.length; i++) {
      ours.update(s.high[i] ?? 0, s.low[i] ?? 0, s.close[i] ?? 0, 0);
      expect(Number.isNaN(ours.value)).toBe(true);
      expect(ours.isStable).toBe(false);
      // technicalindicators silently yields 0/0; the documented difference.
      if (i === 0) expect(ref.nextValue({ high: s.high[i] ?? 0, low: s.low[i] ?? 0, close: s.close[i] ?? 0, volume: 0 })).toBeNaN();
    }
  });
});
