import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Portfolio } from './portfolio';

function book(): Portfolio {
  const p = new Portfolio('tfl');
  p.addSymbol(0, 'RELIANCE');
  p.addSymbol(1, 'INFY');
  return p;
}

describe('Portfolio', () => {
  it('opens on the first fill and closes a long round trip into one trade with R from the entry fill', () => {
    const p = book();
    p.setInitialStop(0, 99_000);
    expect(p.applyFill(0, 'BUY', 10, 100_000, 2_000, 1_000, null).opened).toBe(true);
    expect(p.netQty(0)).toBe(10);
    const res = p.applyFill(0, 'SELL', 10, 103_000, 2_500, 2_000, 'TARGET');
    const t = res.closed;
    expect(t).not.toBeNull();
    expect(t?.grossPaise).toBe(30_000);
    expect(t?.costsPaise).toBe(4_500);
    expect(t?.netPaise).toBe(25_500);
    expect(t?.initialRiskPaise).toBe(10_000);
    expect(t?.r).toBe(3);
    expect(t?.exitReason).toBe('TARGET');
    expect(p.openPositions).toBe(0);
    expect(p.realisedNetPaise).toBe(25_500);
  });

  it('measures a short trade against a stop above the entry', () => {
    const p = book();
    p.setInitialStop(1, 151_000);
    p.applyFill(1, 'SELL', 4, 150_000, 0, 1, null);
    const t = p.applyFill(1, 'BUY', 4, 151_000, 0, 2, 'STOP').closed;
    expect(t?.direction).toBe('SHORT');
    expect(t?.r).toBe(-1);
    expect(t?.grossPaise).toBe(-4_000);
  });

  it('tracks MAE and MFE per unit while open', () => {
    const p = book();
    p.setInitialStop(0, 90_000);
    p.applyFill(0, 'BUY', 1, 100_000, 0, 1, null);
    p.mark(0, 97_000);
    p.mark(0, 108_000);
    p.mark(0, 104_000);
    const t = p.applyFill(0, 'SELL', 1, 104_000, 0, 5, 'SQUARE_OFF').closed;
    expect(t?.maePaise).toBe(3_000);
    expect(t?.mfePaise).toBe(8_000);
  });

  it('keeps unrealised P&L in step with marks and drops it when flat', () => {
    const p = book();
    p.applyFill(0, 'BUY', 10, 100_000, 0, 1, null);
    p.applyFill(1, 'SELL', 5, 50_000, 0, 1, null);
    p.mark(0, 100_500);
    p.mark(1, 49_000);
    expect(p.unrealisedPaise).toBe(10 * 500 + 5 * 1_000);
    p.applyFill(0, 'SELL', 10, 100_500, 0, 2, 'TARGET');
    expect(p.unrealisedPaise).toBe(5_000);
  });

  it('refuses a fill that would flip a position through zero', () => {
    const p = book();
    p.applyFill(0, 'BUY', 10, 100_000, 0, 1, null);
    expect(() => p.applyFill(0, 'SELL', 11, 100_000, 0, 2, 'STOP')).toThrow(/flip/);
  });

  it('P&L from the fills equals P&L from the ledger for any round trips (property)', () => {
    const fillArb = fc.record({ qty: fc.integer({ min: 1, max: 50 }), price: fc.integer({ min: 1_000, max: 5_000_000 }), cost: fc.integer({ min: 0, max: 5_000 }) });
    const tripArb = fc.record({
      long: fc.boolean(),
      entries: fc.array(fillArb, { minLength: 1, maxLength: 4 }),
      exitPrices: fc.array(fc.record({ price: fc.integer({ min: 1_000, max: 5_000_000 }), cost: fc.integer({ min: 0, max: 5_000 }) }), { minLength: 1, maxLength: 4 }),
      stop: fc.integer({ min: 500, max: 5_500_000 }),
    });
    fc.assert(
      fc.property(fc.array(tripArb, { minLength: 1, maxLength: 5 }), (trips) => {
        const p = book();
        let cash = 0;
        let tradeNet = 0;
        let t = 0;
        for (const trip of trips) {
          p.setInitialStop(0, trip.stop);
          const entrySide = trip.long ? 'BUY' : 'SELL';
          const exitSide = trip.long ? 'SELL' : 'BUY';
          let total = 0;
          for (const e of trip.entries) {
            p.applyFill(0, entrySide, e.qty, e.price, e.cost, ++t, null);
            cash += (entrySide === 'BUY' ? -1 : 1) * e.qty * e.price - e.cost;
            total += e.qty;
          }
          // Split the exit into up to N pieces that sum to the position.
          const pieces = trip.exitPrices.length;
          for (let i = 0; i < pieces; i++) {
            const ex = trip.exitPrices[i];
            if (ex === undefined) continue;
            const q = i === pieces - 1 ? total : Math.max(1, Math.floor(total / pieces));
            if (q <= 0 || total <= 0) continue;
            const res = p.applyFill(0, exitSide, Math.min(q, total), ex.price, ex.cost, ++t, 'TARGET');
            cash += (exitSide === 'BUY' ? -1 : 1) * Math.min(q, total) * ex.price - ex.cost;
            total -= Math.min(q, total);
            if (res.closed) tradeNet += res.closed.netPaise;
          }
          expect(p.netQty(0)).toBe(0);
        }
        expect(p.realisedNetPaise).toBe(cash);
        expect(tradeNet).toBe(cash);
        expect(p.unrealisedPaise).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
