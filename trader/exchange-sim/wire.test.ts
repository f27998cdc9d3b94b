import { describe, expect, it } from 'vitest';
import { CancelOrderFields, HistoryFields, loadSchema, openAlgoTime, PlaceOrderFields, pyStr } from './wire';

describe('loadSchema (marshmallow-style validation)', () => {
  it('applies defaults, accepts numeric strings and lowercase actions', () => {
    const r = loadSchema(PlaceOrderFields, { apikey: 'k', strategy: 's', exchange: 'NSE', symbol: 'SBIN', action: 'buy', quantity: '10', extra: 1 });
    expect(r).toEqual({
      ok: true,
      value: { apikey: 'k', strategy: 's', exchange: 'NSE', symbol: 'SBIN', action: 'BUY', quantity: 10, pricetype: 'MARKET', product: 'MIS', price: 0, trigger_price: 0, disclosed_quantity: 0 },
    });
  });

  it('collects every field error in declaration order, rendered as Python str(dict)', () => {
    const r = loadSchema(PlaceOrderFields, { apikey: 'k', exchange: 'XYZ', symbol: 3, action: 'BUY', quantity: true, price: 'NaN', trigger_price: null });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toBe(
        "{'strategy': ['Missing data for required field.'], 'exchange': ['Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.'], 'symbol': ['Not a valid string.'], 'quantity': ['Not a valid number.'], 'price': ['Not a valid number.'], 'trigger_price': ['Field may not be null.']}",
      );
    }
    expect(loadSchema(PlaceOrderFields, [1])).toEqual({ ok: false, message: "{'_schema': ['Invalid input type.']}" });
    expect(loadSchema(CancelOrderFields, { apikey: 'k', orderid: '1' })).toEqual({ ok: false, message: "{'strategy': ['Missing data for required field.']}" });
  });

  it('refuses fractional and non-positive quantities and unknown intervals', () => {
    const frac = loadSchema(PlaceOrderFields, { apikey: 'k', strategy: 's', exchange: 'NSE', symbol: 'SBIN', action: 'BUY', quantity: 1.5 });
    expect(frac.ok ? '' : frac.message).toBe("{'quantity': ['Quantity must be a whole number.']}");
    const neg = loadSchema(PlaceOrderFields, { apikey: 'k', strategy: 's', exchange: 'NSE', symbol: 'SBIN', action: 'BUY', quantity: -1 });
    expect(neg.ok ? '' : neg.message).toBe("{'quantity': ['Quantity must be a positive number.']}");
    const h = loadSchema(HistoryFields, { apikey: 'k', symbol: 'S', exchange: 'NSE', interval: '7m', start_date: '2025-01-01', end_date: 'x' });
    expect(h.ok ? '' : h.message).toBe("{'interval': ['Must be one of: 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, D.'], 'end_date': ['Not a valid date.']}");
  });
});

describe('formatting', () => {
  it('quotes like Python repr', () => {
    expect(pyStr('abc')).toBe("'abc'");
    expect(pyStr("it's")).toBe('"it\'s"');
    expect(pyStr(`a'b"c`)).toBe(`'a\\'b"c'`);
  });

  it("writes OpenAlgo's IST order time", () => {
    expect(openAlgoTime(Date.UTC(2025, 7, 28, 4, 29, 10))).toBe('28-Aug-2025 09:59:10');
    expect(openAlgoTime(Date.UTC(2025, 0, 1, 18, 30, 0))).toBe('02-Jan-2025 00:00:00');
  });
});
