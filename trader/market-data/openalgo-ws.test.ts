import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { istTimeOnDate } from '../domain/time';
import {
  CumulativeVolume,
  MarketDataMessageSchema,
  OpenAlgoDecoder,
  WireTick,
  checkMarketData,
  normaliseTimestampMs,
  subscribeMessage,
  SubscribeMessageSchema,
} from './openalgo-ws';

const T = istTimeOnDate('2025-06-10', '09:20');

/** Values that probe every check: valid numbers, bad numbers, wrong types, absence. */
const anyNumberish = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer({ min: -5, max: 2_000_000 }),
  fc.constantFrom(0, -0, -1, 1e12, 1_749_530_000, Infinity, -Infinity, NaN, null, '12.5', true, [], {}),
);
/** Mostly-valid values with an occasional bad one, so both sides of every check are reached. */
const good = fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.nat(2_000_000_000), fc.constant(1_749_530_000_123));
const field = fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: anyNumberish, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 2 });
const dataArb = fc.oneof(
  {
    arbitrary: fc.record(
      {
        ltp: field,
        timestamp: field,
        volume: field,
        bid_price: field,
        ask_price: field,
        last_trade_quantity: field,
        open: field,
      },
      { requiredKeys: [] },
    ),
    weight: 20,
  },
  { arbitrary: fc.constantFrom(null, [], 'x', 3), weight: 1 },
);
const messageArb = fc.record(
  {
    type: fc.constantFrom('market_data', 'market_data', 'market_data', 'quote', undefined),
    symbol: fc.oneof({ arbitrary: fc.constantFrom('RELIANCE', 'NIFTY'), weight: 10 }, fc.constant(''), fc.string(), fc.integer()),
    exchange: fc.oneof({ arbitrary: fc.constantFrom('NSE', 'NSE_INDEX'), weight: 10 }, fc.constant(''), fc.constant(null)),
    mode: fc.constantFrom(1, 2, 3, 'x'),
    seq: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1_000_000 }), weight: 10 }, fc.constantFrom(0, -1, 1.5, 2 ** 53, NaN, '3', null)),
    oseq: fc.oneof({ arbitrary: fc.nat(1_000_000), weight: 10 }, fc.constantFrom(-1, 0.5, 2 ** 53, '3', null)),
    data: dataArb,
  },
  { requiredKeys: ['type', 'symbol', 'exchange', 'data'] },
);

function plain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

describe('market_data fast path', () => {
  it('accepts and rejects exactly what the zod schema does, with the same values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(messageArb, (msg) => {
        const out = new WireTick();
        const fast = plain(msg) ? checkMarketData(msg, out) : 'root';
        const zod = MarketDataMessageSchema.safeParse(msg);
        expect(fast === null).toBe(zod.success);
        if (zod.success && fast === null) {
          accepted++;
          const d = zod.data.data;
          expect(out.symbol).toBe(zod.data.symbol);
          expect(out.exchange).toBe(zod.data.exchange);
          expect(out.price).toBe(d.ltp);
          expect(out.timestamp).toBe(d.timestamp);
          expect(out.cumulativeVolume).toBe(d.volume ?? undefined);
          expect(out.lastTradeQty).toBe(d.last_trade_quantity ?? undefined);
          expect(out.bid).toBe(d.bid_price ? d.bid_price : undefined);
          expect(out.ask).toBe(d.ask_price ? d.ask_price : undefined);
          expect(out.seq).toBe(zod.data.seq ?? 0);
          expect(out.oseq).toBe(zod.data.oseq ?? 0);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(2000); // the generator reaches the accepting side too
  });

  it('agrees with zod on JSON text round trips (what actually arrives)', () => {
    fc.assert(
      fc.property(messageArb, (msg) => {
        const text = JSON.stringify(msg);
        const dec = new OpenAlgoDecoder();
        const kind = dec.decode(text);
        const parsed: unknown = JSON.parse(text);
        const zod = MarketDataMessageSchema.safeParse(parsed);
        if (plain(parsed) && parsed.type === 'market_data') expect(kind === 'market_data').toBe(zod.success);
      }),
      { numRuns: 5_000 },
    );
  });

  it('normalises second timestamps to milliseconds', () => {
    expect(normaliseTimestampMs(1_766_129_626)).toBe(1_766_129_626_000);
    expect(normaliseTimestampMs(1_766_129_626_123)).toBe(1_766_129_626_123);
    expect(normaliseTimestampMs(1_766_129_626.5)).toBe(1_766_129_626_500);
    const dec = new OpenAlgoDecoder();
    expect(dec.decode('{"type":"market_data","symbol":"SBIN","exchange":"NSE","data":{"ltp":800.5,"timestamp":1766129626}}')).toBe('market_data');
    expect(dec.tick.timeMs).toBe(1_766_129_626_000);
  });
});

describe('OpenAlgoDecoder', () => {
  it('routes control messages, errors without type, and simulator extensions', () => {
    const dec = new OpenAlgoDecoder();
    expect(dec.decode('{"type":"auth","status":"success","message":"Authentication successful","broker":"fyers"}')).toBe('control');
    expect(dec.control.kind).toBe('auth');
    expect(dec.decode('{"status":"error","code":"AUTHENTICATION_ERROR","message":"Invalid API key"}')).toBe('control');
    expect(dec.control).toMatchObject({ kind: 'error', msg: { code: 'AUTHENTICATION_ERROR' } });
    expect(dec.decode('{"type":"subscribe","status":"partial","subscriptions":[{"symbol":"X","exchange":"NSE","status":"error","message":"no"}]}')).toBe('control');
    expect(dec.control.kind).toBe('subscribe');
    expect(dec.decode('{"type":"sim_clock","timestamp":1749527160000}')).toBe('sim_clock');
    expect(dec.clockMs).toBe(1_749_527_160_000);
    expect(dec.decode('{"type":"sim_end","timestamp":1749547800000}')).toBe('sim_end');
    expect(dec.decode('{"type":"pong","status":"success"}')).toBe('control');
  });

  it('reports malformed input with the field, never throws', () => {
    const dec = new OpenAlgoDecoder();
    expect(dec.decode('{"type":"market_data","symbol":"SBIN","exchange":"NSE","data":{"ltp":NaN,"timestamp":1}}')).toBe('malformed');
    expect(dec.error).toBe('json');
    expect(dec.decode('{"type":"market_data","symbol":"SBIN","exchange":"NSE","data":{"ltp":"1","timestamp":1}}')).toBe('malformed');
    expect(dec.error).toBe('data.ltp');
    expect(dec.decode('[1,2]')).toBe('malformed');
    expect(dec.decode('{"status":"error"}')).toBe('malformed');
    expect(dec.decode('{"type":"sim_clock"}')).toBe('malformed');
  });

  it('decodes the lockstep sequence number of ticks and clock messages (0 when absent)', () => {
    const dec = new OpenAlgoDecoder();
    expect(dec.decode('{"type":"market_data","seq":7,"symbol":"SBIN","exchange":"NSE","data":{"ltp":800.5,"timestamp":1749527160000}}')).toBe('market_data');
    expect(dec.seq).toBe(7);
    expect(dec.decode('{"type":"sim_clock","seq":8,"oseq":3,"timestamp":1749527160000}')).toBe('sim_clock');
    expect(dec.seq).toBe(8);
    expect(dec.oseq).toBe(3);
    expect(dec.decode('{"type":"market_data","symbol":"SBIN","exchange":"NSE","data":{"ltp":800.5,"timestamp":1749527160001}}')).toBe('market_data');
    expect(dec.seq).toBe(0);
    expect(dec.decode('{"type":"market_data","seq":"9","symbol":"SBIN","exchange":"NSE","data":{"ltp":800.5,"timestamp":1749527160002}}')).toBe('malformed');
    expect(dec.error).toBe('seq');
    expect(dec.decode('{"type":"sim_clock","seq":0,"timestamp":1749527160000}')).toBe('malformed');
  });

  it('builds a subscribe message the schema (and OpenAlgo) accepts', () => {
    const text = subscribeMessage([{ symbol: 'NIFTY', exchange: 'NSE_INDEX' }], 2, 'r1');
    expect(SubscribeMessageSchema.parse(JSON.parse(text))).toEqual({
      action: 'subscribe',
      symbols: [{ symbol: 'NIFTY', exchange: 'NSE_INDEX' }],
      mode: 2,
      request_id: 'r1',
    });
  });
});

describe('CumulativeVolume', () => {
  it('turns cumulative day volume into per-tick quantities', () => {
    const v = new CumulativeVolume();
    expect(v.volumeOf('A', 'NSE', T, 10, 5000, 25)).toBe(25); // first tick of the day: its own trade
    expect(v.volumeOf('A', 'NSE', T + 1, 10, 5030, 30)).toBe(30);
    expect(v.volumeOf('A', 'NSE', T + 1, 10, 5030, 30)).toBe(30); // exact repeat → same volume → gate duplicate
    expect(v.volumeOf('A', 'NSE', T, 10, 5000, 25)).toBe(0); // older: no state change
    expect(v.volumeOf('A', 'NSE', T + 2, 10.05, 5040, 10)).toBe(10);
    expect(v.volumeOf('A', 'NSE', T + 3, 10, 100, 7)).toBe(0); // feed reset: rebase
    expect(v.volumeOf('A', 'NSE', T + 4, 10, 110, 10)).toBe(10);
    expect(v.volumeOf('A', 'NSE', T + 86_400_000, 10, 900, 40)).toBe(40); // next day
    expect(v.volumeOf('B', 'NSE', T, 10, 300, undefined)).toBe(0); // first tick, no trade quantity
    expect(v.volumeOf('NIFTY', 'NSE_INDEX', T, 23000, undefined, undefined)).toBeUndefined();
  });
});
