import { describe, expect, it } from 'vitest';
import { simSymbolSpecs } from '../market-data/simulator/symbols';
import { ExchangeCore, type PlaceCommand } from './exchange';

function core(): ExchangeCore {
  return new ExchangeCore({ seed: 5, date: '2025-06-10', symbols: simSymbolSpecs(['SBIN', 'NIFTY']), tickRateScale: 0.02 });
}

const BUY: PlaceCommand = { strategy: 's', symbol: 'SBIN', exchange: 'NSE', side: 'BUY', qty: 2, product: 'MIS', priceType: 'MARKET', price: 0, triggerPrice: 0 };

function stepToSbinTick(c: ExchangeCore): void {
  for (;;) if (c.step() === 'tick' && c.cursor.symbolIndex === 0) return;
}

describe('ExchangeCore', () => {
  it('fills a market order on the next tick of its symbol, never on the tick it was placed at', () => {
    const c = core();
    stepToSbinTick(c);
    const placed = c.place(BUY);
    expect(placed).toEqual({ ok: true, orderid: '250610000000001' });
    expect(c.tradeList()).toEqual([]);
    stepToSbinTick(c);
    const [t] = c.tradeList();
    expect(t).toMatchObject({ orderid: '250610000000001', qty: 2, side: 'BUY', pricePaise: c.cursor.askPaise, timeMs: c.cursor.timeMs });
    expect(c.order('250610000000001')?.state).toBe('FILLED');
    expect(c.positionList()).toMatchObject([{ symbol: 'SBIN', netQty: 2 }]);
  });

  it('answers unknown orders with 404 and finished ones with 400; ids are not used by refusals', () => {
    const c = core();
    expect(c.cancel('42')).toMatchObject({ ok: false, httpStatus: 404 });
    expect(c.place({ ...BUY, qty: 0.5 })).toMatchObject({ ok: false, httpStatus: 400 });
    const r = c.place({ ...BUY, priceType: 'LIMIT', price: 1 });
    expect(r).toEqual({ ok: true, orderid: '250610000000001' });
    expect(c.cancel('250610000000001')).toMatchObject({ ok: true });
    expect(c.cancel('250610000000001')).toMatchObject({ ok: false, httpStatus: 400, message: 'Order 250610000000001 is already cancelled and cannot be cancelled' });
    expect(c.modify({ ...BUY, orderid: '250610000000001', priceType: 'LIMIT', price: 2 })).toMatchObject({ ok: false, httpStatus: 400 });
  });

  it('replays to the same state from the same commands at the same positions', () => {
    const run = (): string => {
      const c = core();
      for (let n = 0; n < 2_000; n++) {
        if (c.step() === 'end') break;
        if (n % 97 === 0) c.place({ ...BUY, side: n % 194 === 0 ? 'BUY' : 'SELL' });
        if (n === 500) c.advanceTo({ ticks: c.position.ticks, nextMinuteMs: c.position.nextMinuteMs });
      }
      return JSON.stringify([c.orderList(), c.tradeList(), c.positionList(), c.position]);
    };
    expect(run()).toBe(run());
  });

  it('ends with a clock for every minute up to the close, then end', () => {
    const c = core();
    const clocks: number[] = [];
    let kind = c.step();
    while (kind !== 'end') {
      if (kind === 'clock') clocks.push(c.clockMs);
      kind = c.step();
    }
    expect(clocks).toHaveLength(375);
    expect(clocks.at(-1)).toBe(c.sim.session.closeMs);
    expect(c.step()).toBe('end');
    expect(() => c.advanceTo({ ticks: c.position.ticks + 1, nextMinuteMs: c.position.nextMinuteMs })).toThrow(/ended/);
  });
});
