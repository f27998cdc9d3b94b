import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../domain/bar';
import { NseCalendar } from '../domain/calendar';
import { MINUTE_MS, istTimeOnDate } from '../domain/time';
import { BarAggregator } from './aggregator';
import { resampleBars } from './resample';

const cal = new NseCalendar();
const at = (date: string, hhmm: string, plusMs = 0): number => istTimeOnDate(date, hhmm) + plusMs;
const D = '2024-05-21';

interface Closed {
  readonly symbol: number;
  readonly bar: Bar;
}

function collector(timeframeMinutes: number, symbolCount = 1, calendar = cal, graceMs?: number) {
  const closed: Closed[] = [];
  const buckets: [number, number][] = [];
  const log: string[] = [];
  const agg = new BarAggregator({
    timeframeMinutes,
    symbolCount,
    calendar,
    ...(graceMs === undefined ? {} : { graceMs }),
    onClose: (symbol, bar) => {
      closed.push({ symbol, bar });
      log.push(`bar ${symbol}`);
    },
    onBucketClosed: (start, end) => {
      buckets.push([start, end]);
      log.push('bucket');
    },
  });
  return { agg, closed, buckets, log };
}

describe('BarAggregator', () => {
  it('builds a 15-minute bar labelled by its start from the ticks inside it', () => {
    const { agg, closed } = collector(15);
    expect(agg.onTick(0, at(D, '09:15'), 100, 10)).toBe(true);
    expect(agg.onTick(0, at(D, '09:20'), 103, 5)).toBe(true);
    expect(agg.onTick(0, at(D, '09:25'), 98, 1)).toBe(true);
    expect(agg.onTick(0, at(D, '09:29', 59_999), 101, 4)).toBe(true);
    expect(closed).toHaveLength(0);
    expect(agg.onTick(0, at(D, '09:30'), 105, 7)).toBe(true);
    expect(closed).toEqual([{ symbol: 0, bar: { startMs: at(D, '09:15'), open: 100, high: 103, low: 98, close: 101, volume: 20 } }]);
    agg.flush();
    expect(closed[1]?.bar).toEqual({ startMs: at(D, '09:30'), open: 105, high: 105, low: 105, close: 105, volume: 7 });
  });

  it('clips the last 60-minute bar of the day at the 15:30 close', () => {
    const { agg, closed, buckets } = collector(60);
    agg.onTick(0, at(D, '14:20'), 10);
    agg.onTick(0, at(D, '15:16'), 11);
    agg.onTick(0, at(D, '15:29', 59_999), 12);
    agg.flush();
    expect(closed.map((c) => c.bar.startMs)).toEqual([at(D, '14:15'), at(D, '15:15')]);
    expect(buckets[1]).toEqual([at(D, '15:15'), at(D, '15:30')]);
  });

  it('closes a bucket for every symbol, in index order, on the first tick of any symbol past its end', () => {
    const { agg, log, closed, buckets } = collector(5, 4);
    agg.onTick(2, at(D, '09:15', 1), 50);
    agg.onTick(0, at(D, '09:16'), 10);
    agg.onTick(3, at(D, '09:19'), 70);
    // Symbol 1 never traded in this bucket; its first tick is in the next one and closes it for all.
    agg.onTick(1, at(D, '09:20'), 20);
    expect(log).toEqual(['bar 0', 'bar 2', 'bar 3', 'bucket']);
    expect(closed.map((c) => c.bar.close)).toEqual([10, 50, 70]);
    expect(buckets).toEqual([[at(D, '09:15'), at(D, '09:20')]]);
    expect(agg.hasOpenBar(1)).toBe(true);
    expect(agg.hasOpenBar(0)).toBe(false);
  });

  it('closes on the clock only once end + grace has passed, then drops late ticks for that bucket', () => {
    const { agg, closed } = collector(5, 1, cal, 500);
    agg.onTick(0, at(D, '09:15'), 10);
    expect(agg.onClock(at(D, '09:20'))).toBe(false);
    expect(agg.onClock(at(D, '09:20', 499))).toBe(false);
    expect(agg.onClock(at(D, '09:20', 500))).toBe(true);
    expect(closed).toHaveLength(1);
    expect(agg.onTick(0, at(D, '09:19', 59_000), 11)).toBe(false);
    expect(agg.onClock(at(D, '09:30'))).toBe(false); // nothing open, nothing to close
    expect(closed).toHaveLength(1);
  });

  it('lets an out-of-session print (the 15:30 close) close the last bucket without opening a bar', () => {
    const { agg, closed } = collector(15);
    agg.onTick(0, at(D, '15:20'), 10);
    expect(agg.onTick(0, at(D, '15:30'), 11)).toBe(false);
    expect(closed).toHaveLength(1);
    expect(agg.bucketStartMs).toBeNaN();
    expect(agg.onTick(0, at(D, '09:08'), 11)).toBe(false); // pre-open of the same day is also late
  });

  it('ignores ticks outside every session and earlier than the open bucket', () => {
    const { agg, closed } = collector(15);
    expect(agg.onTick(0, at('2024-05-25', '10:00'), 10)).toBe(false); // Saturday
    expect(agg.onTick(0, at(D, '09:00'), 10)).toBe(false); // pre-open
    agg.onTick(0, at(D, '09:31'), 10);
    expect(agg.onTick(0, at(D, '09:29'), 10)).toBe(false);
    expect(closed).toHaveLength(0);
  });

  it('exposes the open bar per symbol without allocating', () => {
    const { agg } = collector(15, 2);
    expect(agg.openOf(0)).toBeNaN();
    agg.onTick(0, at(D, '09:15'), 100, 3);
    agg.onTick(0, at(D, '09:16'), 90, 4);
    agg.onTick(0, at(D, '09:17'), 95, 0);
    expect([agg.openOf(0), agg.highOf(0), agg.lowOf(0), agg.closeOf(0), agg.volumeOf(0)]).toEqual([100, 100, 90, 95, 7]);
    expect(agg.bucketStartMs).toBe(at(D, '09:15'));
    expect(agg.bucketEndMs).toBe(at(D, '09:30'));
    expect(agg.hasOpenBar(1)).toBe(false);
    expect(agg.closeOf(1)).toBeNaN();
  });

  it('aligns special sessions to their own first open (Muhurat 18:00) when the profile opts in', () => {
    const muhurat = new NseCalendar({ specialSessions: ['MUHURAT'] });
    const { agg, closed } = collector(15, 1, muhurat);
    agg.onTick(0, at('2024-11-01', '18:07'), 1);
    agg.onTick(0, at('2024-11-01', '18:16'), 2);
    agg.flush();
    expect(closed.map((c) => c.bar.startMs)).toEqual([at('2024-11-01', '18:00'), at('2024-11-01', '18:15')]);
    // The default calendar has no session that evening.
    const plain = collector(15);
    expect(plain.agg.onTick(0, at('2024-11-01', '18:07'), 1)).toBe(false);
  });

  it('never lets a bucket span the gap between the segments of a DR-drill session', () => {
    const dr = new NseCalendar({ specialSessions: ['DR_DRILL'] });
    const { agg, buckets } = collector(60, 1, dr);
    agg.onTick(0, at('2024-03-02', '09:59'), 1);
    agg.onTick(0, at('2024-03-02', '11:30'), 1);
    agg.onTick(0, at('2024-03-02', '12:20'), 1);
    agg.flush();
    expect(buckets).toEqual([
      [at('2024-03-02', '09:15'), at('2024-03-02', '10:00')],
      [at('2024-03-02', '11:30'), at('2024-03-02', '12:15')],
      [at('2024-03-02', '12:15'), at('2024-03-02', '12:30')],
    ]);
  });

  it('rejects a symbol index outside 0..n-1', () => {
    const { agg } = collector(5, 2);
    expect(() => agg.onTick(2, at(D, '09:15'), 1)).toThrow(RangeError);
    expect(() => agg.onTick(-1, at(D, '09:15'), 1)).toThrow(RangeError);
    expect(() => agg.onTick(0.5, at(D, '09:15'), 1)).toThrow(RangeError);
  });

  it('merges smaller bars like ticks (mergeBar)', () => {
    const { agg, closed } = collector(15);
    agg.mergeBar(0, { startMs: at(D, '09:15'), open: 10, high: 12, low: 9, close: 11, volume: 1 });
    agg.mergeBar(0, { startMs: at(D, '09:20'), open: 11, high: 14, low: 10, close: 13, volume: 2 });
    agg.mergeBar(0, { startMs: at(D, '09:25'), open: 13, high: 13, low: 8, close: 9, volume: 3 });
    agg.flush();
    expect(closed[0]?.bar).toEqual({ startMs: at(D, '09:15'), open: 10, high: 14, low: 8, close: 9, volume: 6 });
  });
});

// ---- property tests -------------------------------------------------------------------------

const DAYS = ['2024-05-21', '2024-05-22', '2024-05-24'];
const SESSION_MS = 375 * MINUTE_MS;

interface T {
  readonly symbol: number;
  readonly timeMs: number;
  readonly price: number;
  readonly volume: number;
}

/** Sorted in-session ticks over a few days; prices on a 0.05 grid, integer volumes. */
const ticksArb = (symbols: number) =>
  fc
    .array(
      fc.record({
        symbol: fc.integer({ min: 0, max: symbols - 1 }),
        day: fc.integer({ min: 0, max: DAYS.length - 1 }),
        offset: fc.oneof(fc.integer({ min: 0, max: SESSION_MS - 1 }), fc.integer({ min: 0, max: 40 }).map((k) => k * 5 * MINUTE_MS)),
        paise: fc.integer({ min: 1, max: 200_000 }),
        volume: fc.integer({ min: 0, max: 10_000 }),
      }),
      { maxLength: 300 },
    )
    .map((raw) =>
      raw
        .map((r) => ({ symbol: r.symbol, timeMs: at(DAYS[r.day] ?? D, '09:15', r.offset), price: (r.paise * 5) / 100, volume: r.volume }))
        .sort((a, b) => a.timeMs - b.timeMs || a.symbol - b.symbol),
    );

function aggregateTicks(ticks: readonly T[], minutes: number, symbols = 1): Bar[][] {
  const out: Bar[][] = Array.from({ length: symbols }, () => []);
  const agg = new BarAggregator({ timeframeMinutes: minutes, symbolCount: symbols, calendar: cal, onClose: (s, b) => out[s]?.push(b) });
  for (const t of ticks) expect(agg.onTick(t.symbol, t.timeMs, t.price, t.volume)).toBe(true);
  agg.flush();
  return out;
}

function bucketStart(timeMs: number, minutes: number): number {
  const open = at(DAYS.find((d) => timeMs >= at(d, '09:15') && timeMs < at(d, '15:30')) ?? D, '09:15');
  return open + Math.floor((timeMs - open) / (minutes * MINUTE_MS)) * minutes * MINUTE_MS;
}

describe('BarAggregator properties', () => {
  it('aggregating ticks to 5m then bars to 15m equals aggregating ticks to 15m directly', () => {
    fc.assert(
      fc.property(ticksArb(1), (ticks) => {
        const [five = []] = aggregateTicks(ticks, 5);
        const [fifteen = []] = aggregateTicks(ticks, 15);
        expect(resampleBars(five, 5, 15, cal)).toEqual(fifteen);
      }),
    );
  });

  it('resampling 1m → 5m → 15m equals 1m → 15m, and 1m → 3m → 75m equals 1m → 75m', () => {
    fc.assert(
      fc.property(ticksArb(1), (ticks) => {
        const [one = []] = aggregateTicks(ticks, 1);
        expect(resampleBars(resampleBars(one, 1, 5, cal), 5, 15, cal)).toEqual(resampleBars(one, 1, 15, cal));
        expect(resampleBars(resampleBars(one, 1, 3, cal), 3, 75, cal)).toEqual(resampleBars(one, 1, 75, cal));
        expect(resampleBars(one, 1, 60, cal)).toEqual(aggregateTicks(ticks, 60)[0]);
      }),
    );
  });

  it('every bar obeys the OHLC invariants, covers exactly its ticks, and buckets are distinct and ordered', () => {
    fc.assert(
      fc.property(ticksArb(1), fc.constantFrom(1, 5, 15, 60, 125), (ticks, minutes) => {
        const [bars = []] = aggregateTicks(ticks, minutes);
        const expectedStarts = [...new Set(ticks.map((t) => bucketStart(t.timeMs, minutes)))];
        expect(bars.map((b) => b.startMs)).toEqual(expectedStarts);
        for (const b of bars) {
          const inside = ticks.filter((t) => bucketStart(t.timeMs, minutes) === b.startMs);
          expect(b.open).toBe(inside[0]?.price);
          expect(b.close).toBe(inside[inside.length - 1]?.price);
          expect(b.high).toBe(Math.max(...inside.map((t) => t.price)));
          expect(b.low).toBe(Math.min(...inside.map((t) => t.price)));
          expect(b.volume).toBe(inside.reduce((s, t) => s + t.volume, 0));
          expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
          expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
        }
      }),
    );
  });

  it('splitting a stream at any point, aggregating both parts and merging the parts gives the same bars', () => {
    fc.assert(
      fc.property(ticksArb(1), fc.nat(), fc.constantFrom(1, 5, 15), (ticks, cut, minutes) => {
        const k = ticks.length === 0 ? 0 : cut % (ticks.length + 1);
        const [a = []] = aggregateTicks(ticks.slice(0, k), minutes);
        const [b = []] = aggregateTicks(ticks.slice(k), minutes);
        const merged: Bar[] = [];
        const agg = new BarAggregator({ timeframeMinutes: minutes, symbolCount: 1, calendar: cal, onClose: (_s, bar) => merged.push(bar) });
        for (const bar of [...a, ...b]) expect(agg.mergeBar(0, bar)).toBe(true);
        agg.flush();
        expect(merged).toEqual(aggregateTicks(ticks, minutes)[0]);
      }),
    );
  });

  it('interleaving symbols changes nothing per symbol, and each bucket reports its symbols in index order', () => {
    fc.assert(
      fc.property(ticksArb(4), (ticks) => {
        const order: number[][] = [];
        let current: number[] = [];
        const together: Bar[][] = [[], [], [], []];
        const agg = new BarAggregator({
          timeframeMinutes: 5,
          symbolCount: 4,
          calendar: cal,
          onClose: (s, b) => {
            together[s]?.push(b);
            current.push(s);
          },
          onBucketClosed: () => {
            order.push(current);
            current = [];
          },
        });
        for (const t of ticks) agg.onTick(t.symbol, t.timeMs, t.price, t.volume);
        agg.flush();
        for (let s = 0; s < 4; s++) {
          expect(together[s]).toEqual(aggregateTicks(ticks.filter((t) => t.symbol === s).map((t) => ({ ...t, symbol: 0 })), 5)[0]);
        }
        for (const o of order) expect(o).toEqual([...o].sort((x, y) => x - y));
      }),
    );
  });
});
