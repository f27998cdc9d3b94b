import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../domain/time';
import { MinuteBars, rollUp } from './bars';

const OPEN = Date.UTC(2025, 5, 10, 3, 45); // 09:15 IST
const CLOSE = OPEN + 375 * MINUTE_MS;

describe('MinuteBars and rollUp', () => {
  it('builds minute bars and rolls them into session-aligned buckets that are complete', () => {
    const mb = new MinuteBars(1, OPEN);
    for (let m = 0; m < 12; m++) {
      mb.add(0, OPEN + m * MINUTE_MS + 100, 1000 + m, 10);
      mb.add(0, OPEN + m * MINUTE_MS + 200, 990 + m, 5);
    }
    expect(mb.of(0)).toHaveLength(12);
    expect(mb.of(0)[0]).toEqual({ timeMs: OPEN, open: 1000, high: 1000, low: 990, close: 990, volume: 15 });
    const now = OPEN + 11 * MINUTE_MS + 500; // inside the 12th minute
    const five = rollUp(mb.of(0), '5m', OPEN, CLOSE, now);
    expect(five.map((b) => (b.timeMs - OPEN) / MINUTE_MS)).toEqual([0, 5]);
    expect(five[1]).toEqual({ timeMs: OPEN + 5 * MINUTE_MS, open: 1005, high: 1009, low: 995, close: 999, volume: 75 });
    expect(rollUp(mb.of(0), '1m', OPEN, CLOSE, now)).toHaveLength(11);
    expect(rollUp(mb.of(0), 'D', OPEN, CLOSE, now)).toEqual([]);
    const day = rollUp(mb.of(0), 'D', OPEN, CLOSE, CLOSE);
    expect(day).toEqual([{ timeMs: OPEN - (9 * 60 + 15) * MINUTE_MS, open: 1000, high: 1011, low: 990, close: 1001, volume: 180 }]);
  });
});
