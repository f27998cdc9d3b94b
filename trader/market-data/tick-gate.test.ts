import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NseCalendar } from '../domain/calendar';
import { istTimeOnDate } from '../domain/time';
import { TickGate } from './tick-gate';

const cal = new NseCalendar();
const open = istTimeOnDate('2025-06-10', '09:15');
const refs = [
  { symbol: 'RELIANCE', exchange: 'NSE' as const },
  { symbol: 'NIFTY', exchange: 'NSE_INDEX' as const },
];

function gate(): TickGate {
  return new TickGate(refs, cal);
}

describe('TickGate', () => {
  it('gives registered instruments dense indices in registration order', () => {
    const g = gate();
    expect(g.size).toBe(2);
    expect(g.indexOf('RELIANCE', 'NSE')).toBe(0);
    expect(g.indexOf('NIFTY', 'NSE_INDEX')).toBe(1);
    expect(g.indexOf('NIFTY', 'NSE')).toBe(-1);
    expect(() => new TickGate([...refs, refs[0] ?? refs[1] ?? { symbol: 'X', exchange: 'NSE' }], cal)).toThrow(/twice/);
  });

  it('accepts a good tick and returns its index', () => {
    const g = gate();
    expect(g.accept('RELIANCE', 'NSE', open + 1000, 1450.5, 10, 1450.45, 1450.5)).toBe(0);
    expect(g.accept('NIFTY', 'NSE_INDEX', open + 1000, 23500)).toBe(1);
    expect(g.accepted).toBe(2);
    expect(g.rejectedTotal).toBe(0);
  });

  it('counts each reject reason and never lets a rejected tick through', () => {
    const g = gate();
    expect(g.accept('RELIANCE', 'NSE', NaN, 100)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', open, Infinity)).toBe(-1);
    expect(g.accept(undefined, 'NSE', open, 100)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', open, 100, 1.5)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', open, 100, 1, -1)).toBe(-1);
    expect(g.rejected('MALFORMED')).toBe(5);
    expect(g.accept('RELIANCE', 'NSE', open, 0)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', open, -3)).toBe(-1);
    expect(g.rejected('NON_POSITIVE_PRICE')).toBe(2);
    expect(g.accept('TCS', 'NSE', open, 100)).toBe(-1);
    expect(g.accept('RELIANCE', 'BSE', open, 100)).toBe(-1);
    expect(g.rejected('UNKNOWN_SYMBOL')).toBe(2);
    expect(g.accept('RELIANCE', 'NSE', open - 1, 100)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', istTimeOnDate('2025-06-10', '15:30'), 100)).toBe(-1);
    expect(g.accept('RELIANCE', 'NSE', istTimeOnDate('2025-06-14', '10:00'), 100)).toBe(-1); // Saturday
    expect(g.accept('RELIANCE', 'NSE', 1_749_000_000, 100)).toBe(-1); // seconds read as ms: 1970, outside the calendar
    expect(g.rejected('OUTSIDE_SESSION')).toBe(4);
    expect(g.accept('RELIANCE', 'NSE', open + 5000, 100, 7)).toBe(0);
    expect(g.accept('RELIANCE', 'NSE', open + 5000, 100, 7)).toBe(-1);
    expect(g.rejected('DUPLICATE')).toBe(1);
    expect(g.accept('RELIANCE', 'NSE', open + 5000, 100, 8)).toBe(0); // same ms, different trade
    expect(g.accept('RELIANCE', 'NSE', open + 4999, 101, 1)).toBe(-1);
    expect(g.rejected('OUT_OF_ORDER')).toBe(1);
    expect(g.accept('NIFTY', 'NSE_INDEX', open + 1, 23000)).toBe(1); // order is per symbol
    expect(g.accept('NIFTY', 'NSE_INDEX', open + 1, 23000)).toBe(-1);
    expect(g.rejectCounts()).toEqual({
      MALFORMED: 5,
      NON_POSITIVE_PRICE: 2,
      UNKNOWN_SYMBOL: 2,
      DUPLICATE: 2,
      OUT_OF_ORDER: 1,
      OUTSIDE_SESSION: 4,
    });
    expect(g.accepted).toBe(3);
    expect(g.lastAcceptedTimeMs(0)).toBe(open + 5000);
  });

  it('never throws and every tick is either accepted or counted exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            symbol: fc.option(fc.constantFrom('RELIANCE', 'NIFTY', 'TCS', ''), { nil: undefined }),
            exchange: fc.option(fc.constantFrom('NSE', 'NSE_INDEX', 'BSE'), { nil: undefined }),
            dt: fc.oneof(fc.integer({ min: -1000, max: 30_000_000 }), fc.constantFrom(NaN, Infinity)),
            price: fc.oneof(fc.double({ min: -10, max: 30000 }), fc.constantFrom(NaN, 0, -0)),
            volume: fc.option(fc.oneof(fc.nat(1000), fc.double()), { nil: undefined }),
          }),
          { maxLength: 200 },
        ),
        (ticks) => {
          const g = gate();
          let ok = 0;
          for (const t of ticks) if (g.accept(t.symbol, t.exchange, open + t.dt, t.price, t.volume) >= 0) ok++;
          expect(ok).toBe(g.accepted);
          expect(g.accepted + g.rejectedTotal).toBe(ticks.length);
        },
      ),
    );
  });
});

describe('TickGate.acceptIndex', () => {
  it('applies the same checks as accept, by dense index', () => {
    const cal = new NseCalendar();
    const byName = new TickGate([{ symbol: 'RELIANCE', exchange: 'NSE' }], cal);
    const byIndex = new TickGate([{ symbol: 'RELIANCE', exchange: 'NSE' }], cal);
    const t = istTimeOnDate('2024-05-21', '10:00');
    const cases: [number, number, number | undefined][] = [
      [t, 100, 5],
      [t, 100, 5], // duplicate
      [t - 1, 101, 1], // out of order
      [t + 1, 0, 1], // non-positive
      [t + 2, Number.NaN, 1], // malformed
      [istTimeOnDate('2024-05-21', '16:00'), 100, 1], // outside the session
      [t + 3, 100.05, 2],
    ];
    for (const [time, price, vol] of cases) {
      expect(byIndex.acceptIndex(0, time, price, vol)).toBe(byName.accept('RELIANCE', 'NSE', time, price, vol));
    }
    expect(byIndex.rejectCounts()).toEqual(byName.rejectCounts());
    expect(byIndex.acceptIndex(1, t + 9, 100, 1)).toBe(-1);
    expect(byIndex.rejected('UNKNOWN_SYMBOL')).toBe(1);
  });
});
