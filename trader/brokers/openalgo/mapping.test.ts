import { describe, expect, it } from 'vitest';
import { executionIds, fillsFromTrades, mapStatus, orderViewFromRow, parseOpenAlgoTime, summariseTrades } from './mapping';
import { RateLimiter } from './rate-limiter';
import { classifyOrderAnswer } from './openalgo-broker';
import type { TradeRow } from './wire';
import { OrderBookSchema, TradeBookSchema, describeZodError } from './wire';

const row = (over: Partial<TradeRow> = {}): TradeRow => ({
  orderid: '250408000989443',
  symbol: 'SBIN',
  exchange: 'NSE',
  action: 'BUY',
  product: 'MIS',
  quantity: 10,
  average_price: 812.35,
  timestamp: '08-Apr-2025 13:58:03',
  ...over,
});

describe('openalgo mapping', () => {
  it('maps every OpenAlgo status, deriving PARTIALLY_FILLED from quantities', () => {
    expect(mapStatus('open', 10, 0)).toBe('OPEN');
    expect(mapStatus('open', 10, 4)).toBe('PARTIALLY_FILLED');
    expect(mapStatus('trigger pending', 10, 0)).toBe('TRIGGER_PENDING');
    expect(mapStatus('Complete', 10, 10)).toBe('FILLED');
    expect(mapStatus('complete', 10, 0)).toBe('FILLED');
    expect(mapStatus('cancelled', 10, 4)).toBe('CANCELLED');
    expect(mapStatus('expired', 10, 0)).toBe('CANCELLED');
    expect(mapStatus('rejected', 10, 0)).toBe('REJECTED');
    expect(mapStatus('validation pending', 10, 0)).toBe('UNKNOWN');
  });

  it("parses 'DD-Mon-YYYY HH:MM:SS' IST, 'YYYY-MM-DD HH:MM:SS' and time-only, refusing impossible times", () => {
    const t = Date.UTC(2025, 3, 8, 13, 58, 3) - 5.5 * 3_600_000;
    expect(parseOpenAlgoTime('08-Apr-2025 13:58:03', 0)).toBe(t);
    expect(parseOpenAlgoTime('08-APR-2025 13:58:03', 0)).toBe(t);
    expect(parseOpenAlgoTime('2025-04-08 13:58:03', 0)).toBe(t);
    expect(parseOpenAlgoTime('13:58:03', t - 3_600_000)).toBe(t);
    expect(parseOpenAlgoTime('31-Feb-2025 10:00:00', 0)).toBeNull();
    expect(parseOpenAlgoTime('08-Apr-2025 24:00:00', 0)).toBeNull();
    expect(parseOpenAlgoTime('yesterday', 0)).toBeNull();
  });

  it('execution ids are stable whatever order the trade book lists its rows in, and distinct for identical rows', () => {
    const rows = [row(), row({ quantity: 5 }), row(), row({ orderid: '2' })];
    const ids = executionIds(rows);
    expect(new Set(ids).size).toBe(4);
    expect(ids[0]).toBe('250408000989443:08Apr2025135803:10@81235~1');
    const reversed = executionIds([...rows].reverse());
    expect([...reversed].sort()).toEqual([...ids].sort());
    expect(executionIds([row({ tradeid: 'T77' })])).toEqual(['250408000989443:TT77']);
  });

  it('rupees → paise exactly; the VWAP over rows is exact', () => {
    const rows = [row({ quantity: 1, average_price: 109.95 }), row({ quantity: 1, average_price: 110, timestamp: '08-Apr-2025 13:58:04' })];
    const { fills } = fillsFromTrades(rows, () => 'cid', 0);
    expect(fills.map((f) => f.pricePaise)).toEqual([10_995, 11_000]);
    expect(fills.every((f) => f.clientOrderId === 'cid')).toBe(true);
    const s = summariseTrades(rows).get('250408000989443');
    expect(s).toEqual({ qty: 2, notionalPaise: 21_995 });
    const v = orderViewFromRow(
      { orderid: '250408000989443', symbol: 'SBIN', exchange: 'NSE', action: 'BUY', product: 'MIS', pricetype: 'LIMIT', quantity: 3, price: 110.05, trigger_price: 0, order_status: 'open', timestamp: null },
      s,
      undefined,
      0,
    );
    expect(v).toMatchObject({ ok: true, value: { state: 'PARTIALLY_FILLED', filledQty: 2, avgFillPaise: 10_997.5, pricePaise: 11_005 } });
  });

  it('skips rows on exchanges we never trade instead of failing the book', () => {
    const { fills, skipped } = fillsFromTrades([row({ exchange: 'MCX' }), row()], () => undefined, 0);
    expect(fills).toHaveLength(1);
    expect(skipped[0]).toContain("exchange 'MCX'");
  });

  it('schema errors name the field path; numeric strings are accepted, NaN is not', () => {
    expect(TradeBookSchema.safeParse({ status: 'success', data: [{ ...row(), quantity: '10', average_price: '812.35' }] }).success).toBe(true);
    const bad = OrderBookSchema.safeParse({ status: 'success', data: { orders: [{ orderid: '1', symbol: 'S', exchange: 'NSE', action: 'BUY', product: 'MIS', pricetype: 'LIMIT', quantity: 1, price: 'NaN', order_status: 'open' }] } });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(describeZodError(bad.error)).toMatch(/^data\.orders\.0\.price: /);
  });
});

describe('order answer classification', () => {
  it('accepted only with a non-empty string order id; definitive codes reject; the rest is unknown', () => {
    expect(classifyOrderAnswer('placeorder', { kind: 'ok', data: { orderid: '123' }, dateMs: null })).toEqual({ kind: 'accepted', brokerOrderId: '123' });
    expect(classifyOrderAnswer('placeorder', { kind: 'ok', data: { orderid: '' }, dateMs: null }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'ok', data: { orderid: 123 }, dateMs: null }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'ok', data: { mode: 'semi_auto' }, dateMs: null }).kind).toBe('unknown');
    for (const status of [400, 401, 403, 404, 422, 429]) expect(classifyOrderAnswer('placeorder', { kind: 'http', status, message: 'x' }).kind).toBe('rejected');
    for (const status of [409, 500, 502, 503, 504]) expect(classifyOrderAnswer('placeorder', { kind: 'http', status, message: 'x' }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'timeout', message: 'x' }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'malformed', status: 200, message: 'x' }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'network', message: 'ECONNRESET', notSent: false }).kind).toBe('unknown');
    expect(classifyOrderAnswer('placeorder', { kind: 'network', message: 'ECONNREFUSED', notSent: true }).kind).toBe('rejected');
    expect(classifyOrderAnswer('placeorder', { kind: 'throttled', message: 'x' }).kind).toBe('rejected');
    expect(classifyOrderAnswer('cancelorder', { kind: 'ok', data: {}, dateMs: null }, '9')).toEqual({ kind: 'accepted', brokerOrderId: '9' });
  });
});

describe('rate limiter', () => {
  it('allows perSec requests per moving second, refuses waits beyond maxWaitMs, and backs off after a 429', async () => {
    let now = 0;
    const rl = new RateLimiter({ perSec: 2, maxWaitMs: 0, backoffInitialMs: 100, backoffMaxMs: 250, now: () => now });
    expect(await rl.acquire()).toBe(true);
    expect(await rl.acquire()).toBe(true);
    expect(await rl.acquire()).toBe(false); // would wait ~1 s
    now = 1_000;
    expect(await rl.acquire()).toBe(true);
    expect(rl.penalise()).toBe(100);
    expect(rl.penalise()).toBe(200);
    expect(rl.penalise()).toBe(250);
    now = 1_100;
    expect(await rl.acquire()).toBe(false); // paused until 1 250
    rl.succeeded();
    expect(rl.penalise()).toBe(100);
  });
});
