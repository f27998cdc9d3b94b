import { Atr } from '../atr';
import { Bollinger } from '../bollinger';
import { Ema } from '../ema';
import { EmaStage } from '../ema-stage';
import type { Indicator } from '../indicator';
import { Macd } from '../macd';
import { Rsi } from '../rsi';
import { Sma } from '../sma';
import { Swing } from '../swing';
import { SessionVwap } from '../vwap';
import { ZeroLagMacd, Zlema } from '../zero-lag-macd';
import type { Series } from './series';

/** One indicator, type-erased so one contract suite can drive them all on OHLCV bars. */
export interface Runner {
  update(s: Series, i: number): void;
  /** Replace the newest bar with bar i of s. */
  replace(s: Series, i: number): void;
  readonly value: number;
  readonly isStable: boolean;
  /** Every numeric output (value and the extra getters), for exact comparisons. */
  outputs(): number[];
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  reset(): void;
}

export interface Case {
  readonly name: string;
  /** Number of bars after which the indicator must be stable, or null when data-dependent. */
  readonly warmup: number | null;
  create(): Runner;
  /** The same indicator with a different parameter: its snapshot must not restore into `create()`. */
  createOther(): Runner;
}

function runner<T extends Indicator<readonly unknown[], unknown>>(
  ind: T,
  update: (ind: T, s: Series, i: number) => void,
  replace: (ind: T, s: Series, i: number) => void,
  outputs: (ind: T) => number[],
): Runner {
  return {
    update: (s, i) => update(ind, s, i),
    replace: (s, i) => replace(ind, s, i),
    get value() {
      return ind.value;
    },
    get isStable() {
      return ind.isStable;
    },
    outputs: () => outputs(ind),
    snapshot: () => ind.snapshot(),
    restore: (snap) => ind.restore(snap),
    reset: () => ind.reset(),
  };
}

const c = (s: Series, i: number): number => s.close[i] ?? Number.NaN;
const h = (s: Series, i: number): number => s.high[i] ?? Number.NaN;
const l = (s: Series, i: number): number => s.low[i] ?? Number.NaN;
const v = (s: Series, i: number): number => s.volume[i] ?? Number.NaN;
const t = (s: Series, i: number): number => s.timeMs[i] ?? Number.NaN;

function closeOnly<T extends Indicator<[number], unknown>>(make: () => T, outputs: (ind: T) => number[]): () => Runner {
  return () =>
    runner(
      make(),
      (ind, s, i) => ind.update(c(s, i)),
      (ind, s, i) => ind.replace(c(s, i)),
      outputs,
    );
}

function hlc(make: () => Atr): () => Runner {
  return () =>
    runner(
      make(),
      (ind, s, i) => ind.update(h(s, i), l(s, i), c(s, i)),
      (ind, s, i) => ind.replace(h(s, i), l(s, i), c(s, i)),
      (ind) => [ind.value, ind.trueRange],
    );
}

const vwap = (): Runner =>
  runner(
    new SessionVwap(),
    (ind, s, i) => ind.update(h(s, i), l(s, i), c(s, i), v(s, i)),
    (ind, s, i) => ind.replace(h(s, i), l(s, i), c(s, i), v(s, i)),
    (ind) => [ind.value, ind.volume],
  );

const swing = (left: number, right: number) => (): Runner =>
  runner(
    new Swing(left, right),
    (ind, s, i) => ind.update(h(s, i), l(s, i), t(s, i)),
    (ind, s, i) => ind.replace(h(s, i), l(s, i), t(s, i)),
    (ind) => [ind.value, ind.lastEvent, ind.highPrice, ind.highIndex, ind.highTimeMs, ind.lowPrice, ind.lowIndex, ind.lowTimeMs, ind.barCount],
  );

const macdOut = (m: Macd | ZeroLagMacd): number[] => [m.value, m.macd, m.signal, m.histogram];
const bbOut = (b: Bollinger): number[] => [b.value, b.middle, b.upper, b.lower, b.stdDev];

export const CASES: readonly Case[] = [
  { name: 'Ema(20)', warmup: 20, create: closeOnly(() => new Ema(20), (e) => [e.value]), createOther: closeOnly(() => new Ema(21), (e) => [e.value]) },
  { name: 'Ema(1)', warmup: 1, create: closeOnly(() => new Ema(1), (e) => [e.value]), createOther: closeOnly(() => new Ema(2), (e) => [e.value]) },
  { name: 'EmaStage(20)', warmup: 20, create: closeOnly(() => new EmaStage(20), (e) => [e.value]), createOther: closeOnly(() => new EmaStage(21), (e) => [e.value]) },
  { name: 'EmaStage(1)', warmup: 1, create: closeOnly(() => new EmaStage(1), (e) => [e.value]), createOther: closeOnly(() => new EmaStage(2), (e) => [e.value]) },
  { name: 'Sma(20)', warmup: 20, create: closeOnly(() => new Sma(20), (e) => [e.value]), createOther: closeOnly(() => new Sma(5), (e) => [e.value]) },
  { name: 'Sma(3)', warmup: 3, create: closeOnly(() => new Sma(3), (e) => [e.value]), createOther: closeOnly(() => new Sma(4), (e) => [e.value]) },
  {
    name: 'Rsi(14)',
    warmup: 15,
    create: closeOnly(() => new Rsi(14), (r) => [r.value, r.averageGain, r.averageLoss]),
    createOther: closeOnly(() => new Rsi(7), (r) => [r.value]),
  },
  { name: 'Atr(14)', warmup: 14, create: hlc(() => new Atr(14)), createOther: hlc(() => new Atr(10)) },
  { name: 'SessionVwap', warmup: 1, create: vwap, createOther: () => swing(2, 2)() },
  { name: 'Macd(12,26,9)', warmup: 34, create: closeOnly(() => new Macd(), macdOut), createOther: closeOnly(() => new Macd(12, 26, 10), macdOut) },
  { name: 'Macd(3,5,2)', warmup: 6, create: closeOnly(() => new Macd(3, 5, 2), macdOut), createOther: closeOnly(() => new Macd(3, 6, 2), macdOut) },
  { name: 'Zlema(10)', warmup: 19, create: closeOnly(() => new Zlema(10), (z) => [z.value]), createOther: closeOnly(() => new Zlema(11), (z) => [z.value]) },
  {
    name: 'ZeroLagMacd(12,26,9)',
    warmup: 67,
    create: closeOnly(() => new ZeroLagMacd(), macdOut),
    createOther: closeOnly(() => new ZeroLagMacd(11, 26, 9), macdOut),
  },
  { name: 'Bollinger(20,2)', warmup: 20, create: closeOnly(() => new Bollinger(20, 2), bbOut), createOther: closeOnly(() => new Bollinger(20, 2.5), bbOut) },
  { name: 'Bollinger(5,1)', warmup: 5, create: closeOnly(() => new Bollinger(5, 1), bbOut), createOther: closeOnly(() => new Bollinger(6, 1), bbOut) },
  { name: 'Swing(2,2)', warmup: null, create: swing(2, 2), createOther: swing(2, 3) },
  { name: 'Swing(3,1)', warmup: null, create: swing(3, 1), createOther: swing(1, 3) },
];
