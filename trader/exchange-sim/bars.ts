import { NseCalendar } from '../domain/calendar';
import { MINUTE_MS, istMidnightMs, istMidnightOfDateKey, DAY_MS, istDateKey } from '../domain/time';
import { MarketSimulator } from '../market-data/simulator/generator';
import type { SimSymbolSpec } from '../market-data/simulator/symbols';
import type { HistoryInterval } from './wire';

/** One OHLCV bar in paise; `timeMs` is the bar's open. */
export interface Bar {
  readonly timeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

interface MutableBar {
  timeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Per-symbol one-minute bars of the running day, built tick by tick (O(1) per tick). */
export class MinuteBars {
  private readonly bars: MutableBar[][];
  private readonly openMs: number;

  constructor(symbols: number, sessionOpenMs: number) {
    this.bars = Array.from({ length: symbols }, () => []);
    this.openMs = sessionOpenMs;
  }

  /** The last `add`, undoable once: lockstep history leaves out the tick not yet acknowledged. */
  private lastAdd: { readonly symbol: number; readonly created: boolean; readonly before: Bar | null } | null = null;

  add(symbolIndex: number, timeMs: number, pricePaise: number, qty: number): void {
    const list = this.bars[symbolIndex];
    if (list === undefined) return;
    const start = this.openMs + Math.floor((timeMs - this.openMs) / MINUTE_MS) * MINUTE_MS;
    const last = list[list.length - 1];
    this.lastAdd = { symbol: symbolIndex, created: !(last !== undefined && last.timeMs === start), before: last !== undefined && last.timeMs === start ? { ...last } : null };
    if (last !== undefined && last.timeMs === start) {
      if (pricePaise > last.high) last.high = pricePaise;
      if (pricePaise < last.low) last.low = pricePaise;
      last.close = pricePaise;
      last.volume += qty;
      return;
    }
    list.push({ timeMs: start, open: pricePaise, high: pricePaise, low: pricePaise, close: pricePaise, volume: qty });
  }

  /** The bars of a symbol so far (the last one may still be forming). */
  of(symbolIndex: number): readonly Bar[] {
    return this.bars[symbolIndex] ?? [];
  }

  /** The bars as they were before the last `add`, when that add was for this symbol. */
  ofWithoutLastTick(symbolIndex: number): readonly Bar[] {
    const list = this.bars[symbolIndex] ?? [];
    const a = this.lastAdd;
    if (a === null || a.symbol !== symbolIndex || list.length === 0) return list;
    if (a.created) return list.slice(0, -1);
    return a.before === null ? list : [...list.slice(0, -1), a.before];
  }
}

const INTERVAL_MS: Record<Exclude<HistoryInterval, 'D'>, number> = {
  '1m': MINUTE_MS,
  '2m': 2 * MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '10m': 10 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '20m': 20 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
};

/**
 * Roll one day's minute bars up to `interval`. Intraday buckets are aligned to the session open
 * (09:15); a daily bar is stamped at IST midnight. Bars still forming at `nowMs` are kept only
 * with `includeForming` (the running day's history, as brokers serve the current candle).
 */
export function rollUp(minutes: readonly Bar[], interval: HistoryInterval, sessionOpenMs: number, sessionCloseMs: number, nowMs: number, includeForming = false): Bar[] {
  const out: Bar[] = [];
  if (interval === 'D') {
    if (nowMs < sessionCloseMs || minutes.length === 0) return out;
    const first = minutes[0];
    if (first === undefined) return out;
    let high = first.high;
    let low = first.low;
    let volume = 0;
    for (const b of minutes) {
      if (b.high > high) high = b.high;
      if (b.low < low) low = b.low;
      volume += b.volume;
    }
    const lastBar = minutes[minutes.length - 1] ?? first;
    out.push({ timeMs: istMidnightMs(sessionOpenMs), open: first.open, high, low, close: lastBar.close, volume });
    return out;
  }
  const size = INTERVAL_MS[interval];
  let cur: MutableBar | undefined;
  for (const b of minutes) {
    const start = sessionOpenMs + Math.floor((b.timeMs - sessionOpenMs) / size) * size;
    if (cur !== undefined && cur.timeMs === start) {
      if (b.high > cur.high) cur.high = b.high;
      if (b.low < cur.low) cur.low = b.low;
      cur.close = b.close;
      cur.volume += b.volume;
      continue;
    }
    cur = { timeMs: start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
    out.push(cur);
  }
  // A bucket is complete when its end (capped at the close) has passed.
  return includeForming ? out : out.filter((b) => Math.min(b.timeMs + size, sessionCloseMs) <= nowMs);
}

/** Minute bars of earlier simulated days, generated on demand (one symbol at a time) and memoised. */
export class PastDays {
  private readonly cache = new Map<string, { bars: Bar[]; openMs: number; closeMs: number }>();
  private readonly calendar = new NseCalendar();

  constructor(
    private readonly seed: number,
    private readonly tickRateScale: number,
  ) {}

  /** Regular session dates in [from, to] (inclusive), oldest first, capped at `max` (the newest). */
  sessionDates(from: string, to: string, max: number): string[] {
    const dates: string[] = [];
    let t = istMidnightOfDateKey(from);
    const end = istMidnightOfDateKey(to);
    for (; t <= end; t += DAY_MS) {
      const d = istDateKey(t);
      const s = this.calendar.sessionOn(d);
      if (s !== null && s.kind === 'REGULAR') dates.push(d);
    }
    return dates.slice(Math.max(0, dates.length - max));
  }

  day(spec: SimSymbolSpec, date: string): { bars: Bar[]; openMs: number; closeMs: number } {
    const key = `${spec.exchange}:${spec.symbol}|${date}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    // Streams are keyed by (seed, day, symbol): a one-symbol simulator yields the same ticks.
    const sim = new MarketSimulator({ seed: this.seed, date, symbols: [spec], tickRateScale: this.tickRateScale });
    const mb = new MinuteBars(1, sim.session.openMs);
    const c = sim.cursor();
    while (c.next()) mb.add(0, c.timeMs, c.pricePaise, c.quantity);
    const value = { bars: [...mb.of(0)], openMs: sim.session.openMs, closeMs: sim.session.closeMs };
    if (this.cache.size >= 256) {
      const first = this.cache.keys().next();
      if (first.done !== true) this.cache.delete(first.value);
    }
    this.cache.set(key, value);
    return value;
  }
}
