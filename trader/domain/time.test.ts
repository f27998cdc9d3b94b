import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  IST_OFFSET_MS,
  MINUTE_MS,
  formatHhmm,
  formatIst,
  istDateKey,
  istDateNumber,
  istDayNumber,
  istMidnightMs,
  istMidnightOfDateKey,
  istMinuteOfDay,
  istMsOfDay,
  istTimeOnDate,
  parseHhmm,
} from './time';

// 2024-05-21T09:15:00+05:30 = 2024-05-21T03:45:00Z
const OPEN_2024_05_21 = Date.UTC(2024, 4, 21, 3, 45);

describe('IST conversions', () => {
  it('uses a fixed +05:30 offset (India has no daylight saving)', () => {
    expect(IST_OFFSET_MS).toBe(19_800_000);
  });

  it('maps the NSE open to minute 555 of its IST day', () => {
    expect(istMinuteOfDay(OPEN_2024_05_21)).toBe(555);
    expect(istMsOfDay(OPEN_2024_05_21)).toBe(555 * MINUTE_MS);
    expect(istDateKey(OPEN_2024_05_21)).toBe('2024-05-21');
  });

  it('puts 18:30Z..23:59Z on the next IST date (the date flips at 18:30 UTC)', () => {
    expect(istDateKey(Date.UTC(2024, 4, 21, 18, 29, 59, 999))).toBe('2024-05-21');
    expect(istDateKey(Date.UTC(2024, 4, 21, 18, 30))).toBe('2024-05-22');
    expect(istMinuteOfDay(Date.UTC(2024, 4, 21, 18, 30))).toBe(0);
  });

  it('round-trips a date key through IST midnight', () => {
    const m = istMidnightOfDateKey('2024-05-21');
    expect(m).toBe(Date.UTC(2024, 4, 20, 18, 30));
    expect(istMidnightMs(OPEN_2024_05_21)).toBe(m);
    expect(istDateKey(m)).toBe('2024-05-21');
    expect(istDayNumber(m + DAY_MS - 1)).toBe(istDayNumber(m));
    expect(istDayNumber(m + DAY_MS)).toBe(istDayNumber(m) + 1);
  });

  it('places a wall-clock time on a date', () => {
    expect(istTimeOnDate('2024-05-21', '09:15')).toBe(OPEN_2024_05_21);
    expect(istTimeOnDate('2024-05-21', 555)).toBe(OPEN_2024_05_21);
  });

  it('handles instants before 1970 IST midnight consistently (floor, not truncation)', () => {
    expect(istMsOfDay(-1)).toBe(IST_OFFSET_MS - 1);
    expect(istDayNumber(-IST_OFFSET_MS - 1)).toBe(-1);
  });

  it('property: midnight + ms-of-day reconstructs the instant, and ms-of-day is in [0, DAY)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (t) => {
        const ms = istMsOfDay(t);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(DAY_MS);
        expect(istMidnightMs(t) + ms).toBe(t);
        expect(istMidnightOfDateKey(istDateKey(t))).toBe(istMidnightMs(t));
      }),
    );
  });
});

describe('istDateNumber', () => {
  it('agrees with istDateKey every day from 1970 to 2100, at both ends of the IST day', () => {
    for (let day = 0; day < 47_482; day++) {
      const midnight = day * DAY_MS - IST_OFFSET_MS;
      for (const t of [midnight, midnight + DAY_MS - 1]) {
        expect(String(istDateNumber(t))).toBe(istDateKey(t).replace(/-/g, ''));
      }
    }
  });
});

describe('formatIst', () => {
  it('writes ISO-8601 with +05:30 and no milliseconds when they are zero', () => {
    expect(formatIst(OPEN_2024_05_21)).toBe('2024-05-21T09:15:00+05:30');
  });
  it('keeps milliseconds when present', () => {
    expect(formatIst(OPEN_2024_05_21 + 59_999)).toBe('2024-05-21T09:15:59.999+05:30');
  });
  it('property: Date.parse reads back what formatIst writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (t) => {
        expect(Date.parse(formatIst(t))).toBe(t);
      }),
    );
  });
});

describe('date-key and HH:MM validation', () => {
  it.each(['2024-5-21', '2024-05-21T00:00', '21-05-2024', '', '2024-13-01', '2024-02-30', '2023-02-29', '2024-00-10'])(
    'rejects %j',
    (key) => {
      expect(() => istMidnightOfDateKey(key)).toThrow();
    },
  );
  it('accepts a leap day', () => {
    expect(istDateKey(istMidnightOfDateKey('2024-02-29'))).toBe('2024-02-29');
  });
  it.each(['9:15', '24:00', '09:60', '0915', ''])('rejects the time %j', (t) => {
    expect(() => parseHhmm(t)).toThrow();
  });
  it('parses and formats HH:MM', () => {
    expect(parseHhmm('09:15')).toBe(555);
    expect(parseHhmm('15:30')).toBe(930);
    expect(formatHhmm(555)).toBe('09:15');
    expect(formatHhmm(0)).toBe('00:00');
    expect(formatHhmm(23 * 60 + 59)).toBe('23:59');
  });
});
