import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../domain/bar';
import { NseCalendar } from '../domain/calendar';
import { MINUTE_MS, istTimeOnDate } from '../domain/time';
import { BarAggregator } from '../bars/aggregator';
import { columnarFromBars } from '../bars/columnar';
import { BarReplay, barPath, highFirst } from './replay';

const cal = new NseCalendar();
const D = '2024-05-21';
const at = (hhmm: string): number => istTimeOnDate(D, hhmm);

interface Emitted {
  readonly symbol: number;
  readonly timeMs: number;
  readonly price: number;
  readonly volume: number;
}

function replayAll(series: readonly (readonly Bar[])[], minutes: number): Emitted[] {
  const out: Emitted[] = [];
  new BarReplay(series.map(columnarFromBars), { barMinutes: minutes, calendar: cal }).run((symbol, timeMs, price, volume) =>
    out.push({ symbol, timeMs, price, volume }),
  );
  return out;
}

describe('intrabar path', () => {
  it('goes open → nearer extreme → farther extreme → close', () => {
    const bar = { startMs: at('09:15'), open: 100, high: 101, low: 95, close: 97, volume: 10 };
    expect(barPath(bar, 5 * MINUTE_MS).map((t) => t.price)).toEqual([100, 101, 95, 97]);
    const down = { ...bar, high: 106, low: 99 };
    expect(barPath(down, 5 * MINUTE_MS).map((t) => t.price)).toEqual([100, 99, 106, 97]);
  });

  it('breaks a tie by visiting the extreme opposite the close first', () => {
    expect(highFirst(100, 102, 98, 101)).toBe(false); // green: low first, ends rising to the close
    expect(highFirst(100, 102, 98, 99)).toBe(true); // red: high first
    expect(highFirst(100, 102, 98, 100)).toBe(false); // doji counts as green
  });

  it('times the ticks at S, S+⌊d/3⌋, S+⌊2d/3⌋ and S+d−1, and splits volume into integers that sum to it', () => {
    const bar = { startMs: at('09:15'), open: 100, high: 101, low: 99, close: 100, volume: 11 };
    const path = barPath(bar, MINUTE_MS);
    expect(path.map((t) => t.timeMs - bar.startMs)).toEqual([0, 20_000, 40_000, 59_999]);
    expect(path.map((t) => t.volume)).toEqual([2, 2, 2, 5]);
  });
});

describe('BarReplay', () => {
  it('merges symbols in time order, ties by symbol index, phase by phase', () => {
    const a: Bar[] = [{ startMs: at('09:15'), open: 10, high: 11, low: 9, close: 10.5, volume: 4 }];
    const b: Bar[] = [
      { startMs: at('09:15'), open: 20, high: 20.5, low: 18, close: 19, volume: 8 },
      { startMs: at('09:16'), open: 19, high: 19, low: 19, close: 19, volume: 0 },
    ];
    const got = replayAll([a, b], 1);
    expect(got.map((t) => [t.symbol, t.timeMs - at('09:15'), t.price])).toEqual([
      [0, 0, 10],
      [1, 0, 20],
      [0, 20_000, 9], // tie (±1 from the open), green bar: low first
      [1, 20_000, 20.5],
      [0, 40_000, 11],
      [1, 40_000, 18],
      [0, 59_999, 10.5],
      [1, 59_999, 19],
      [1, 60_000, 19],
      [1, 80_000, 19],
      [1, 100_000, 19],
      [1, 119_999, 19],
    ]);
  });

  it('clips the tick times of a bar cut short by the session close (60m bar at 15:15)', () => {
    const bars: Bar[] = [{ startMs: at('15:15'), open: 1, high: 2, low: 0.5, close: 1.5, volume: 0 }];
    const got = replayAll([bars], 60);
    expect(got.map((t) => t.timeMs - at('15:15'))).toEqual([0, 5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS - 1]);
  });

  it('refuses bars off the grid, out of order, or outside the calendar', () => {
    const bar = (startMs: number): Bar => ({ startMs, open: 1, high: 1, low: 1, close: 1, volume: 0 });
    expect(() => new BarReplay([columnarFromBars([bar(at('09:17'))])], { barMinutes: 5, calendar: cal })).toThrow(/grid/);
    expect(() => new BarReplay([columnarFromBars([bar(at('09:20')), bar(at('09:15'))])], { barMinutes: 5, calendar: cal })).toThrow(
      /not after/,
    );
    expect(() => new BarReplay([columnarFromBars([bar(at('15:30'))])], { barMinutes: 5, calendar: cal })).toThrow(/outside/);
  });

  it('steps bar time by bar time and reports progress', () => {
    const bars: Bar[] = [0, 1, 2].map((k) => ({ startMs: at('09:15') + k * MINUTE_MS, open: 1, high: 1, low: 1, close: 1, volume: 0 }));
    const replay = new BarReplay([columnarFromBars(bars), columnarFromBars(bars.slice(1))], { barMinutes: 1, calendar: cal });
    expect(replay.totalBars).toBe(5);
    let n = 0;
    expect(replay.step(() => n++)).toBe(true);
    expect(n).toBe(4);
    expect(replay.barsEmitted).toBe(1);
    expect(replay.nextBarStartMs).toBe(at('09:16'));
    replay.run(() => n++, undefined, at('09:17'));
    expect(replay.barsEmitted).toBe(3);
    replay.run(() => n++);
    expect(n).toBe(20);
    expect(replay.step(() => n++)).toBe(false);
    expect(replay.nextBarStartMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('property: aggregating the replayed ticks at the bar timeframe rebuilds every bar exactly', () => {
    const barArb = fc
      .record({ o: fc.integer({ min: 1, max: 5000 }), a: fc.integer({ min: 0, max: 300 }), b: fc.integer({ min: 0, max: 300 }), c: fc.integer({ min: -300, max: 300 }), v: fc.integer({ min: 0, max: 1_000_000 }), gap: fc.integer({ min: 1, max: 3 }) });
    const seriesArb = fc.array(fc.array(barArb, { maxLength: 40 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(seriesArb, fc.constantFrom(1, 5, 15), (raw, minutes) => {
        const series: Bar[][] = raw.map((rows) => {
          let slot = 0;
          return rows.map((r) => {
            slot += r.gap;
            const close = Math.max(1, r.o + r.c);
            return {
              startMs: at('09:15') + (slot % (375 / minutes)) * minutes * MINUTE_MS + Math.floor(slot / (375 / minutes)) * 86_400_000,
              open: r.o,
              high: Math.max(r.o, close) + r.a,
              low: Math.max(0.05, Math.min(r.o, close) - r.b),
              close,
              volume: r.v,
            };
          });
        });
        // Keep each series strictly increasing and on trading days (2024-05-21 is a Tuesday; stay within the week).
        const clean = series.map((s) => s.filter((b, i) => (i === 0 || b.startMs > (s[i - 1]?.startMs ?? 0)) && cal.isInSession(b.startMs)));
        const rebuilt: Bar[][] = clean.map(() => []);
        const agg = new BarAggregator({ timeframeMinutes: minutes, symbolCount: clean.length, calendar: cal, onClose: (s, b) => rebuilt[s]?.push(b) });
        let prev = Number.NEGATIVE_INFINITY;
        new BarReplay(clean.map(columnarFromBars), { barMinutes: minutes, calendar: cal }).run((s, t, p, v) => {
          expect(t).toBeGreaterThanOrEqual(prev);
          prev = t;
          expect(agg.onTick(s, t, p, v)).toBe(true);
        });
        agg.flush();
        expect(rebuilt).toEqual(clean);
      }),
      { numRuns: 200 },
    );
  });
});
