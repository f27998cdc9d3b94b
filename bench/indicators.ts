import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { hasSharedData, sharedDataPath } from '../test/support/shared-data';
import { Atr, Bollinger, Ema, Macd, Rsi, SessionVwap, Sma, Swing, ZeroLagMacd } from '../trader/indicators';
import { readCsvSeries, syntheticSeries } from '../trader/indicators/testing/series';
import type { Series } from '../trader/indicators/testing/series';

/** Nanoseconds per update; null where the library has no such indicator. */
export interface IndicatorTiming {
  ours: number;
  tradingSignals: number | null;
  technicalIndicators: number | null;
}

export interface IndicatorBenchOptions {
  /** Updates per timed run (default 200 000; the input series is repeated to reach it). */
  readonly updates?: number;
  /** Timed rounds after one warm-up run; the best round is reported (default 7). */
  readonly runs?: number;
}

interface Inputs {
  readonly n: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly timeMs: Float64Array;
  /** The same bars as objects, built once, for the libraries whose API takes candles. */
  readonly candles: readonly { high: number; low: number; close: number; volume: number }[];
}

/**
 * Real NIFTY 5-minute OHLC (and RELIANCE 1-minute volumes, cycled) when ../shared/data exists,
 * otherwise a seeded synthetic series; repeated until `n` bars.
 */
function inputs(n: number): Inputs {
  const base: Series = hasSharedData ? readCsvSeries(sharedDataPath('nifty50-5m-2024-05-21_2025-06-18.csv')) : syntheticSeries(20_000, 11);
  const vols: Float64Array = hasSharedData ? readCsvSeries(sharedDataPath('reliance-1m-2021-04-01_08.csv')).volume : base.volume;
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const timeMs = new Float64Array(n);
  const candles: { high: number; low: number; close: number; volume: number }[] = [];
  for (let i = 0; i < n; i++) {
    const j = i % base.length;
    high[i] = base.high[j] ?? 0;
    low[i] = base.low[j] ?? 0;
    close[i] = base.close[j] ?? 0;
    volume[i] = vols[i % vols.length] ?? 0;
    timeMs[i] = (base.timeMs[j] ?? 0) + Math.floor(i / base.length) * 31_536_000_000;
    candles.push({ high: high[i] ?? 0, low: low[i] ?? 0, close: close[i] ?? 0, volume: volume[i] ?? 0 });
  }
  return { n, high, low, close, volume, timeMs, candles };
}

// Results are folded into a global so the optimiser cannot drop the work.
let sink = 0;

/** One timed pass: performs all `n` updates on a fresh instance and returns a result to sink. */
type Run = (d: Inputs) => number;

interface Contenders {
  readonly ours: Run;
  readonly tradingSignals: Run | null;
  readonly technicalIndicators: Run | null;
}

function elapsedNs(run: Run, d: Inputs): number {
  const t0 = process.hrtime.bigint();
  sink += run(d);
  return Number(process.hrtime.bigint() - t0);
}

/**
 * Warm each contender up once, then time `runs` rounds, the contenders interleaved within each
 * round so that load from other processes hits all of them alike; report the best round.
 */
function measure(d: Inputs, runs: number, c: Contenders): IndicatorTiming {
  const n = d.n;
  const list = [c.ours, c.tradingSignals, c.technicalIndicators];
  const bestNs = list.map(() => Number.POSITIVE_INFINITY);
  list.forEach((run) => {
    if (run !== null) sink += run(d);
  });
  for (let r = 0; r < runs; r++) {
    list.forEach((run, k) => {
      if (run !== null) bestNs[k] = Math.min(bestNs[k] ?? Number.POSITIVE_INFINITY, elapsedNs(run, d));
    });
  }
  const perUpdate = (k: number): number | null => (list[k] === null ? null : (bestNs[k] ?? Number.NaN) / n);
  return { ours: perUpdate(0) ?? Number.NaN, tradingSignals: perUpdate(1), technicalIndicators: perUpdate(2) };
}

const num = (x: number | null | undefined): number => (typeof x === 'number' ? x : 0);
const NO_CANDLE = { high: 0, low: 0, close: 0, volume: 0 };

// Every loop below is written out (no shared higher-order loop), so each call site stays
// monomorphic for the engine and no contender pays for another's types; each reads its arrays
// from locals, so the loop itself costs as little as possible for every contender. Our `update` returns
// nothing, so each loop reads `value` after it, as the libraries return theirs.
export function benchIndicators(options: IndicatorBenchOptions = {}): Record<string, IndicatorTiming> {
  const n = Math.max(1, options.updates ?? 200_000);
  const runs = Math.max(1, options.runs ?? 7);
  const data = inputs(n);
  const m = (c: Contenders): IndicatorTiming => measure(data, runs, c);
  const out: Record<string, IndicatorTiming> = {};

  out.ema = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new Ema(20);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.EMA(20);
      let v: number | null = null;
      for (let i = 0; i < n; i++) v = x.add(close[i] ?? 0);
      return num(v);
    },
    technicalIndicators: (d) => {
      const { n, close } = d;
      const x = new ti.EMA({ period: 20, values: [] });
      let v: number | undefined;
      for (let i = 0; i < n; i++) v = x.nextValue(close[i] ?? 0);
      return num(v);
    },
  });

  out.sma = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new Sma(20);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.SMA(20);
      let v: number | null = null;
      for (let i = 0; i < n; i++) v = x.add(close[i] ?? 0);
      return num(v);
    },
    technicalIndicators: (d) => {
      const { n, close } = d;
      const x = new ti.SMA({ period: 20, values: [] });
      let v: number | undefined;
      for (let i = 0; i < n; i++) v = x.nextValue(close[i] ?? 0);
      return num(v);
    },
  });

  out.rsi = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new Rsi(14);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.RSI(14);
      let v: number | null = null;
      for (let i = 0; i < n; i++) v = x.add(close[i] ?? 0);
      return num(v);
    },
    technicalIndicators: (d) => {
      const { n, close } = d;
      const x = new ti.RSI({ period: 14, values: [] });
      let v: number | undefined;
      for (let i = 0; i < n; i++) v = x.nextValue(close[i] ?? 0);
      return num(v);
    },
  });

  out.atr = m({
    ours: (d) => {
      const { n, high, low, close } = d;
      const x = new Atr(14);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(high[i] ?? 0, low[i] ?? 0, close[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    tradingSignals: (d) => {
      const { n, candles } = d;
      const x = new ts.ATR(14);
      let v: number | null = null;
      for (let i = 0; i < n; i++) v = x.add(candles[i] ?? NO_CANDLE);
      return num(v);
    },
    technicalIndicators: (d) => {
      const { n, candles } = d;
      const x = new ti.ATR({ period: 14, high: [], low: [], close: [] });
      let v: number | undefined;
      for (let i = 0; i < n; i++) v = x.nextValue(candles[i] ?? NO_CANDLE);
      return num(v);
    },
  });

  out.vwap = m({
    ours: (d) => {
      const { n, high, low, close, volume } = d;
      const x = new SessionVwap();
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(high[i] ?? 0, low[i] ?? 0, close[i] ?? 0, volume[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    tradingSignals: (d) => {
      const { n, candles } = d;
      const x = new ts.VWAP();
      let v: number | null = null;
      for (let i = 0; i < n; i++) v = x.add(candles[i] ?? NO_CANDLE);
      return num(v);
    },
    technicalIndicators: (d) => {
      const { n, candles } = d;
      const x = new ti.VWAP({ high: [], low: [], close: [], volume: [] });
      let v: number | undefined;
      for (let i = 0; i < n; i++) v = x.nextValue(candles[i] ?? NO_CANDLE);
      return num(v);
    },
  });

  out.macd = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new Macd(12, 26, 9);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v + x.histogram;
    },
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9));
      let v = 0;
      for (let i = 0; i < n; i++) v = num(x.add(close[i] ?? 0)?.histogram);
      return v;
    },
    technicalIndicators: (d) => {
      const { n, close } = d;
      const x = new ti.MACD({ values: [], fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
      let v = 0;
      for (let i = 0; i < n; i++) v = num(x.nextValue(close[i] ?? 0)?.histogram);
      return v;
    },
  });

  out.zeroLagMacd = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new ZeroLagMacd(12, 26, 9);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v + x.histogram;
    },
    // trading-signals' MACD over its DEMA (= 2·EMA − EMA(EMA)) is the same formula.
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.MACD(new ts.DEMA(12), new ts.DEMA(26), new ts.DEMA(9));
      let v = 0;
      for (let i = 0; i < n; i++) v = num(x.add(close[i] ?? 0)?.histogram);
      return v;
    },
    technicalIndicators: null,
  });

  out.bollinger = m({
    ours: (d) => {
      const { n, close } = d;
      const x = new Bollinger(20, 2);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(close[i] ?? 0);
        v = x.value;
      }
      return v + x.upper;
    },
    tradingSignals: (d) => {
      const { n, close } = d;
      const x = new ts.BollingerBands(20, 2);
      let v = 0;
      for (let i = 0; i < n; i++) v = num(x.add(close[i] ?? 0)?.upper);
      return v;
    },
    technicalIndicators: (d) => {
      const { n, close } = d;
      const x = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
      let v = 0;
      for (let i = 0; i < n; i++) v = num(x.nextValue(close[i] ?? 0)?.upper);
      return v;
    },
  });

  out.swing = m({
    ours: (d) => {
      const { n, high, low, timeMs } = d;
      const x = new Swing(2, 2);
      let v = 0;
      for (let i = 0; i < n; i++) {
        x.update(high[i] ?? 0, low[i] ?? 0, timeMs[i] ?? 0);
        v = x.value;
      }
      return v;
    },
    // trading-signals has separate SwingHigh and SwingLow; ours finds both, so both are timed.
    tradingSignals: (d) => {
      const { n, candles } = d;
      const h = new ts.SwingHigh({ lookback: 2 });
      const l = new ts.SwingLow({ lookback: 2 });
      let v = 0;
      for (let i = 0; i < n; i++) {
        const c = candles[i] ?? NO_CANDLE;
        v += num(h.add(c)) + num(l.add(c));
      }
      return v;
    },
    technicalIndicators: null,
  });

  if (sink === 0.123456789) console.log(sink);
  return out;
}

export function printTable(results: Record<string, IndicatorTiming>): void {
  console.log(`indicator benchmark: ns per update, best of 7 interleaved runs of 200k updates (${hasSharedData ? 'real NIFTY 5m data' : 'synthetic data'})`);
  const f = (x: number | null): string => (x === null ? '—' : x.toFixed(1));
  const rows = Object.entries(results).map(([name, r]) => ({
    indicator: name,
    'ours ns': f(r.ours),
    'trading-signals ns': f(r.tradingSignals),
    'technicalindicators ns': f(r.technicalIndicators),
    'ts / ours': r.tradingSignals === null ? '—' : `${(r.tradingSignals / r.ours).toFixed(1)}×`,
    'ti / ours': r.technicalIndicators === null ? '—' : `${(r.technicalIndicators / r.ours).toFixed(1)}×`,
  }));
  console.table(rows);
}

// Run on its own (`npx tsx bench/indicators.ts`). Inside the `npm run bench` bundle every module
// shares the bundle's URL, so the file name is checked too; run.ts prints the table there.
const entry = process.argv[1];
if (entry !== undefined && entry.endsWith('indicators.ts') && import.meta.url === pathToFileURL(resolve(entry)).href) {
  printTable(benchIndicators());
}
