import { readFileSync } from 'node:fs';

/**
 * Test and benchmark support only (never imported by production code): a tiny reader for the
 * real NSE CSV exports in ../shared/data (`time,open,high,low,close[,volume]`, ISO-8601 times)
 * and a seeded synthetic OHLCV generator. The production loader is trader/market-data/csv-bars.ts.
 */
export interface Series {
  readonly length: number;
  readonly timeMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** IST trading date of each bar, `YYYY-MM-DD` (from the ISO time's local part). */
  readonly session: readonly string[];
}

export function readCsvSeries(path: string): Series {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  const [iTime, iOpen, iHigh, iLow, iClose, iVolume] = [col('time'), col('open'), col('high'), col('low'), col('close'), col('volume')];
  if (iTime < 0 || iOpen < 0 || iHigh < 0 || iLow < 0 || iClose < 0) throw new Error(`${path}: unexpected header ${lines[0]}`);
  const n = lines.length - 1;
  const s = {
    length: n,
    timeMs: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    session: new Array<string>(n),
  };
  for (let i = 0; i < n; i++) {
    const cells = (lines[i + 1] ?? '').split(',');
    const num = (k: number, field: string): number => {
      const x = Number(cells[k]);
      if (!Number.isFinite(x)) throw new Error(`${path}:${i + 2}: ${field} is not a number: ${cells[k]}`);
      return x;
    };
    const time = cells[iTime] ?? '';
    const t = Date.parse(time);
    if (!Number.isFinite(t)) throw new Error(`${path}:${i + 2}: bad time ${time}`);
    s.timeMs[i] = t;
    s.session[i] = time.slice(0, 10);
    s.open[i] = num(iOpen, 'open');
    s.high[i] = num(iHigh, 'high');
    s.low[i] = num(iLow, 'low');
    s.close[i] = num(iClose, 'close');
    s.volume[i] = iVolume < 0 ? 0 : num(iVolume, 'volume');
  }
  return s;
}

/** mulberry32: a small seeded PRNG, so synthetic series are identical run to run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random-walk OHLCV series around `start`, 5-minute bars, every volume > 0. */
export function syntheticSeries(length: number, seed = 1, start = 22_000): Series {
  const next = rng(seed);
  const s = {
    length,
    timeMs: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    session: new Array<string>(length),
  };
  let price = start;
  const t0 = Date.parse('2024-05-21T09:15:00+05:30');
  for (let i = 0; i < length; i++) {
    const open = price;
    const close = Math.max(1, open + (next() - 0.5) * 40);
    const high = Math.max(open, close) + next() * 15;
    const low = Math.min(open, close) - next() * 15;
    s.timeMs[i] = t0 + i * 300_000;
    s.session[i] = `day-${Math.floor(i / 75)}`;
    s.open[i] = open;
    s.high[i] = high;
    s.low[i] = low;
    s.close[i] = close;
    s.volume[i] = 1 + Math.floor(next() * 100_000);
    price = close;
  }
  return s;
}
