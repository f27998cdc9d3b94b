import type { Bar } from '../domain/bar';
import type { NseCalendar } from '../domain/calendar';
import { formatIst, MINUTE_MS } from '../domain/time';
import { BarAggregator } from './aggregator';
import { SessionBuckets } from './buckets';
import { assertTimeframeMinutes } from './timeframe';

/**
 * Rolls `fromMinutes` bars up to `toMinutes` bars on the session grid: open = first open,
 * high = max, low = min, close = last close, volume = sum. It runs the streaming
 * `BarAggregator` (`mergeBar`), so the CSV path and the live path cannot disagree.
 *
 * Throws RangeError when `toMinutes` is not a multiple of `fromMinutes`, or when a bar is out of
 * order, outside the calendar's sessions, or not on the `fromMinutes` grid (a bar that could
 * straddle two target buckets). Filter input through the calendar first (the CSV loader does).
 */
export function resampleBars(bars: readonly Bar[], fromMinutes: number, toMinutes: number, calendar: NseCalendar): Bar[] {
  assertTimeframeMinutes(fromMinutes);
  assertTimeframeMinutes(toMinutes);
  if (toMinutes % fromMinutes !== 0) {
    throw new RangeError(`cannot resample ${fromMinutes}-minute bars to ${toMinutes} minutes: not a multiple`);
  }
  const out: Bar[] = [];
  const agg = new BarAggregator({
    timeframeMinutes: toMinutes,
    symbolCount: 1,
    calendar,
    onClose: (_s, bar) => out.push(bar),
  });
  const grid = new SessionBuckets(calendar, fromMinutes);
  let prev = Number.NEGATIVE_INFINITY;
  for (const bar of bars) {
    if (!(bar.startMs > prev)) throw new RangeError(`bar at ${formatIst(bar.startMs)} is not after the previous bar`);
    prev = bar.startMs;
    if (!grid.locate(bar.startMs)) throw new RangeError(`bar at ${formatIst(bar.startMs)} is outside the session calendar`);
    if (grid.startMs !== bar.startMs) {
      throw new RangeError(`bar at ${formatIst(bar.startMs)} is not on the ${fromMinutes}-minute session grid`);
    }
    agg.mergeBar(0, bar);
  }
  agg.flush();
  return out;
}

/**
 * The bar timeframe of a series, in minutes: the greatest common divisor of every bar's offset
 * from its session's first open (gaps between bars of a session are differences of offsets, so
 * they add nothing). Null when it cannot be told: every bar at a session open, a bar outside the
 * calendar, or times that are not whole minutes.
 */
export function detectTimeframeMinutes(startTimes: ArrayLike<number>, calendar: NseCalendar): number | null {
  let g = 0;
  for (let i = 0; i < startTimes.length; i++) {
    const t = startTimes[i] ?? Number.NaN;
    const session = calendar.sessionAt(t);
    if (session === null) return null;
    const offset = t - session.openMs;
    if (offset % MINUTE_MS !== 0) return null;
    g = gcd(g, offset / MINUTE_MS);
  }
  return g > 0 ? g : null;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}
