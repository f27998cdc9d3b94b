import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExchangeSim, type ExchangeSim, type ExchangeSimOptions } from '../trader/exchange-sim/server';
import type { FeedStatus } from '../trader/market-data/feed';
import { WsFeed } from '../trader/market-data/ws-feed';
import { get, post, spawnSim, WsProbe, type Json, type SimChild } from './support/exchange-sim-client';

/**
 * The exchange simulator over loopback (127.0.0.1, ephemeral ports): OpenAlgo REST shapes and
 * quirks, matching, lockstep determinism, resending, durability across a killed process, and the
 * WebSocket feed's side of lockstep. Every wait is bounded.
 */

const KEY = 'sim-key';
const DATE = '2025-06-10';
const SYMBOLS = ['SBIN', 'INFY', 'NIFTY'];
const SBIN = { symbol: 'SBIN', exchange: 'NSE' } as const;
const NIFTY = { symbol: 'NIFTY', exchange: 'NSE_INDEX' } as const;
const SCALE = 0.05;

const dirs: string[] = [];
const sims: ExchangeSim[] = [];
const probes: WsProbe[] = [];
const children: SimChild[] = [];

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tfl-exsim-'));
  dirs.push(d);
  return d;
}

async function start(over: Partial<ExchangeSimOptions> = {}): Promise<ExchangeSim> {
  const sim = await startExchangeSim({ apiKey: KEY, seed: 7, date: DATE, symbols: SYMBOLS, stateDir: stateDir(), lockstep: true, tickRateScale: SCALE, ...over });
  sims.push(sim);
  return sim;
}

async function connect(sim: { wsUrl: string }, symbols: readonly { symbol: string; exchange: string }[] = [SBIN], orders = true): Promise<WsProbe> {
  const p = await WsProbe.connect(sim.wsUrl, KEY, symbols, orders);
  probes.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function order(over: Json = {}): Json {
  return { apikey: KEY, strategy: 'test', symbol: 'SBIN', exchange: 'NSE', action: 'BUY', quantity: 1, pricetype: 'MARKET', product: 'MIS', ...over };
}

async function place(restUrl: string, over: Json = {}): Promise<string> {
  const r = await post(restUrl, 'placeorder', order(over));
  expect(r.status, r.text).toBe(200);
  const id = r.body.orderid;
  if (typeof id !== 'string') throw new Error(`no orderid: ${r.text}`);
  return id;
}

function paiseOf(rupees: unknown): number {
  if (typeof rupees !== 'number') throw new Error(`not a number: ${String(rupees)}`);
  return Math.round(rupees * 100);
}

function ltpOf(m: Json): number {
  return paiseOf((m.data as Json).ltp);
}

describe('exchange simulator REST (OpenAlgo shapes and quirks)', () => {
  it('answers ping, rejects a bad key with 403 and a missing strategy with the marshmallow-style 400', async () => {
    const sim = await start();
    expect((await post(sim.restUrl, 'ping', { apikey: KEY })).body).toEqual({ status: 'success', data: { message: 'pong', broker: 'tfl-sim' } });
    const denied = await post(sim.restUrl, 'ping', { apikey: 'wrong' });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ status: 'error', message: 'Invalid openalgo apikey' });
    expect((await post(sim.restUrl, 'placeorder', order({ apikey: 'wrong' }))).status).toBe(403);

    const { strategy: _s, ...noStrategy } = order();
    const missing = await post(sim.restUrl, 'placeorder', noStrategy);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ status: 'error', message: "{'strategy': ['Missing data for required field.']}" });
    const several = await post(sim.restUrl, 'placeorder', { ...order({ quantity: 0 }), action: undefined });
    expect(several.body.message).toBe("{'action': ['Missing data for required field.'], 'quantity': ['Quantity must be a positive number.']}");
    expect((await post(sim.restUrl, 'placeorder', order({ pricetype: 'STOP' }))).body.message).toBe("{'pricetype': ['Must be one of: MARKET, LIMIT, SL, SL-M.']}");
    // strategy is required on cancel and orderstatus too (brokers.md §0.4).
    expect((await post(sim.restUrl, 'cancelorder', { apikey: KEY, orderid: '1' })).status).toBe(400);
    expect((await post(sim.restUrl, 'orderstatus', { apikey: KEY, orderid: '1' })).status).toBe(400);
    expect((await post(sim.restUrl, 'placeorder', '{not json')).status).toBe(400);
    expect((await post(sim.restUrl, 'frobnicate', { apikey: KEY })).status).toBe(404);
    // Nothing reached the book.
    expect((await post(sim.restUrl, 'orderbook', { apikey: KEY })).body.data).toMatchObject({ orders: [] });
  });

  it('answers 404 for an unknown order and 400 for orders the exchange refuses', async () => {
    const sim = await start();
    const status = await post(sim.restUrl, 'orderstatus', { apikey: KEY, strategy: 't', orderid: '999' });
    expect(status.status).toBe(404);
    expect(status.body).toEqual({ status: 'error', message: 'Order 999 not found' });
    expect((await post(sim.restUrl, 'cancelorder', { apikey: KEY, strategy: 't', orderid: '999' })).status).toBe(404);
    const offTick = await post(sim.restUrl, 'placeorder', order({ pricetype: 'LIMIT', price: 500.02 }));
    expect(offTick.status).toBe(400);
    expect(offTick.body.message).toMatch(/tick size/);
    expect((await post(sim.restUrl, 'placeorder', order({ symbol: 'NOPE' }))).status).toBe(400);
    expect((await post(sim.restUrl, 'placeorder', order({ symbol: 'NIFTY', exchange: 'NSE_INDEX' }))).body.message).toMatch(/index/);
    const { trigger_price: _t, ...partial } = { ...order(), orderid: '1', price: 0, disclosed_quantity: 0, trigger_price: 0 };
    expect((await post(sim.restUrl, 'modifyorder', partial)).body.message).toBe("{'trigger_price': ['Missing data for required field.']}");
  });

  it('keeps orders in the book without filled quantity, with OpenAlgo statuses and timestamps', async () => {
    const sim = await start();
    const limit = await place(sim.restUrl, { pricetype: 'LIMIT', price: '100.05', quantity: '3' });
    const stop = await place(sim.restUrl, { action: 'sell', pricetype: 'SL-M', trigger_price: 100 });
    expect(limit).toMatch(/^250610\d{9}$/);
    expect(stop).not.toBe(limit);
    const book = await post(sim.restUrl, 'orderbook', { apikey: KEY });
    const data = book.body.data as { orders: Json[]; statistics: Json };
    expect(data.orders.map((o) => Object.keys(o).sort())).toEqual([
      ['action', 'exchange', 'order_status', 'orderid', 'price', 'pricetype', 'product', 'quantity', 'symbol', 'timestamp', 'trigger_price'],
      ['action', 'exchange', 'order_status', 'orderid', 'price', 'pricetype', 'product', 'quantity', 'symbol', 'timestamp', 'trigger_price'],
    ]);
    expect(data.orders[0]).toMatchObject({ orderid: limit, action: 'BUY', quantity: 3, price: 100.05, pricetype: 'LIMIT', order_status: 'open', timestamp: '10-Jun-2025 09:15:00' });
    expect(data.orders[1]).toMatchObject({ orderid: stop, action: 'SELL', price: 0, trigger_price: 100, order_status: 'trigger pending' });
    expect(data.statistics).toEqual({ total_buy_orders: 1, total_sell_orders: 1, total_completed_orders: 0, total_open_orders: 2, total_rejected_orders: 0 });

    expect((await post(sim.restUrl, 'cancelorder', { apikey: KEY, strategy: 't', orderid: limit })).body).toEqual({ status: 'success', orderid: limit });
    const again = await post(sim.restUrl, 'cancelorder', { apikey: KEY, strategy: 't', orderid: limit });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/already cancelled/);
    const st = await post(sim.restUrl, 'orderstatus', { apikey: KEY, strategy: 't', orderid: limit });
    expect(st.body.data).toMatchObject({ order_status: 'cancelled', average_price: 0, orderid: limit });
    // GET with the key in the query string.
    const viaGet = await get(sim.restUrl, 'orderbook', { apikey: KEY });
    expect(viaGet.status).toBe(200);
    expect((viaGet.body.data as { orders: Json[] }).orders).toHaveLength(2);
    expect((await get(sim.restUrl, 'placeorder', { apikey: KEY, strategy: 't', symbol: 'SBIN', exchange: 'NSE', action: 'BUY', quantity: '1' })).status).toBe(405);
    const funds = await post(sim.restUrl, 'funds', { apikey: KEY });
    expect(funds.body.data).toEqual({ availablecash: '10000000.00', collateral: '0.00', m2mrealized: '0.00', m2munrealized: '0.00', utiliseddebits: '0.00' });
  });

  it('serves history bars with epoch-second timestamps for earlier days, and completed bars of the day so far', async () => {
    const sim = await start();
    const h = await post(sim.restUrl, 'history', { apikey: KEY, symbol: 'NIFTY', exchange: 'NSE_INDEX', interval: '5m', start_date: '2025-06-06', end_date: DATE });
    expect(h.status, h.text).toBe(200);
    const rows = h.body.data as Json[];
    // 2025-06-06 (Fri) and 2025-06-09 (Mon), 75 five-minute bars each; none yet today.
    expect(rows.length).toBeGreaterThan(140);
    expect(rows.length).toBeLessThanOrEqual(150);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['close', 'high', 'low', 'oi', 'open', 'timestamp', 'volume']);
    const ts = rows.map((r) => r.timestamp as number);
    expect(ts.every((t, i) => Number.isInteger(t) && t < 1e11 && (i === 0 || t > (ts[i - 1] ?? 0)))).toBe(true);
    expect(ts[0]).toBe(Date.UTC(2025, 5, 6, 3, 45) / 1000); // 09:15 IST
    expect(ts.every((t) => (t - (ts[0] ?? 0)) % 300 === 0)).toBe(true);
    const daily = await post(sim.restUrl, 'history', { apikey: KEY, symbol: 'SBIN', exchange: 'NSE', interval: 'D', start_date: '2025-05-01', end_date: DATE });
    expect((daily.body.data as Json[]).length).toBeGreaterThan(15);
    const bad = await post(sim.restUrl, 'history', { apikey: KEY, symbol: 'SBIN', exchange: 'NSE', interval: '7m', start_date: DATE, end_date: DATE });
    expect(bad.status).toBe(400);

    // Advance the day a few minutes: completed one-minute bars appear, the forming one does not.
    const p = await connect(sim, [NIFTY], false);
    let clocks = 0;
    while (clocks < 3) {
      const m = await p.nextSequenced();
      if (m.type === 'sim_clock') clocks++;
      p.ack(m.seq as number);
    }
    const today = await post(sim.restUrl, 'history', { apikey: KEY, symbol: 'NIFTY', exchange: 'NSE_INDEX', interval: '1m', start_date: DATE, end_date: DATE });
    expect((today.body.data as Json[]).map((r) => r.timestamp)).toEqual([0, 1, 2].map((k) => Date.UTC(2025, 5, 10, 3, 45 + k) / 1000));
  });
});

describe('exchange simulator matching and order updates', () => {
  it('fills a market order on the next tick: order_update before that tick, one trade book row, position and status', async () => {
    const sim = await start();
    const p = await connect(sim);
    let first = await p.nextSequenced();
    while (first.type !== 'market_data') {
      p.ack(first.seq as number);
      first = await p.nextSequenced();
    }
    const id = await place(sim.restUrl, { quantity: 2 });
    const opened = await p.next((m) => m.type === 'order_update');
    expect(opened).toMatchObject({ orderid: id, order_status: 'open', filled_quantity: 0, pending_quantity: 2, quantity: 2, action: 'BUY', symbol: 'SBIN' });
    p.ack(first.seq as number);
    let next = await p.nextSequenced();
    while (next.type !== 'market_data') {
      p.ack(next.seq as number);
      next = await p.nextSequenced();
    }
    expect(next.seq).toBe((first.seq as number) + 1 + p.frames.filter((m) => m.type === 'sim_clock' && (m.seq as number) > (first.seq as number)).length);
    // The fill's update was sent before the tick it happened on.
    const at = p.frames.indexOf(next);
    const done = p.frames.slice(0, at).filter((m) => m.type === 'order_update' && m.order_status === 'complete');
    expect(done).toHaveLength(1);
    const ask = paiseOf((next.data as Json).ask_price);
    expect(done[0]).toMatchObject({ orderid: id, filled_quantity: 2, pending_quantity: 0, average_price: ask / 100 });

    const trades = (await post(sim.restUrl, 'tradebook', { apikey: KEY })).body.data as Json[];
    expect(trades).toEqual([
      {
        action: 'BUY',
        symbol: 'SBIN',
        exchange: 'NSE',
        orderid: id,
        product: 'MIS',
        quantity: 2,
        average_price: ask / 100,
        timestamp: expect.stringMatching(/^10-Jun-2025 09:1\d:\d\d$/) as unknown,
        trade_value: (2 * ask) / 100,
      },
    ]);
    const st = await post(sim.restUrl, 'orderstatus', { apikey: KEY, strategy: 't', orderid: id });
    expect(st.body.data).toMatchObject({ order_status: 'complete', average_price: ask / 100, quantity: 2 });
    const pos = (await post(sim.restUrl, 'positionbook', { apikey: KEY })).body.data as Json[];
    expect(pos).toEqual([{ symbol: 'SBIN', exchange: 'NSE', product: 'MIS', quantity: '2', average_price: (ask / 100).toFixed(2), ltp: (ltpOf(next) / 100).toFixed(2), pnl: expect.any(String) as unknown }]);
  });

  it('keeps stops trigger-pending until the price reaches them, then fills them on that tick', async () => {
    const sim = await start();
    const p = await connect(sim);
    let m = await p.nextSequenced();
    while (m.type !== 'market_data') {
      p.ack(m.seq as number);
      m = await p.nextSequenced();
    }
    const ltp = ltpOf(m);
    const sellTrigger = ltp - 15;
    const buyTrigger = ltp + 15;
    const sell = await place(sim.restUrl, { action: 'SELL', pricetype: 'SL-M', trigger_price: sellTrigger / 100 });
    const buy = await place(sim.restUrl, { action: 'BUY', pricetype: 'SL', trigger_price: buyTrigger / 100, price: (buyTrigger + 50) / 100 });
    const done = new Map<string, Json>();
    let seen = 0;
    let last = m;
    while (done.size < 2 && seen < 5_000) {
      p.ack(last.seq as number);
      last = await p.nextSequenced();
      seen++;
      for (const u of p.frames.filter((f) => f.type === 'order_update' && f.order_status === 'complete')) done.set(u.orderid as string, u);
    }
    expect(done.size).toBe(2);
    const ticks = p.frames.filter((f) => f.type === 'market_data');
    const firstAtOrBelow = ticks.find((t) => ltpOf(t) <= sellTrigger);
    const firstAtOrAbove = ticks.find((t) => ltpOf(t) >= buyTrigger);
    if (firstAtOrBelow === undefined || firstAtOrAbove === undefined) throw new Error('the stops never traded');
    // SL-M: the triggering tick's price less one tick of slippage; SL: works as a limit from the trigger.
    expect(paiseOf(done.get(sell)?.average_price)).toBe(ltpOf(firstAtOrBelow) - 5);
    expect(p.frames.indexOf(done.get(sell) ?? {})).toBe(p.frames.indexOf(firstAtOrBelow) - 1);
    expect(p.frames.some((f) => f.orderid === buy && f.order_status === 'open')).toBe(true);
    expect(p.frames.filter((f) => f.orderid === sell).map((f) => f.order_status)).toEqual(['trigger pending', 'open', 'complete']);
  });

  it('nets positions per symbol and product and keeps a closed position with quantity 0', async () => {
    const sim = await start();
    const p = await connect(sim);
    const step = async (): Promise<void> => {
      const m = await p.nextSequenced();
      p.ack(m.seq as number);
    };
    await place(sim.restUrl, { quantity: 3 });
    await place(sim.restUrl, { quantity: 1, product: 'CNC' });
    for (let i = 0; i < 20; i++) await step();
    expect(((await post(sim.restUrl, 'positionbook', { apikey: KEY })).body.data as Json[]).map((r) => [r.product, r.quantity])).toEqual([
      ['MIS', '3'],
      ['CNC', '1'],
    ]);
    await place(sim.restUrl, { quantity: 5, action: 'SELL' });
    for (let i = 0; i < 20; i++) await step();
    await place(sim.restUrl, { quantity: 2 });
    for (let i = 0; i < 20; i++) await step();
    const rows = (await post(sim.restUrl, 'positionbook', { apikey: KEY })).body.data as Json[];
    expect(rows.map((r) => [r.product, r.quantity, r.average_price])).toEqual([
      ['MIS', '0', '0.00'],
      ['CNC', '1', expect.any(String)],
    ]);
    const open = await post(sim.restUrl, 'openposition', { apikey: KEY, strategy: 't', symbol: 'SBIN', exchange: 'NSE', product: 'CNC' });
    expect(open.body).toEqual({ status: 'success', quantity: '1' });
    const funds = (await post(sim.restUrl, 'funds', { apikey: KEY })).body.data as Json;
    expect(funds.m2mrealized).toBe(rows[0]?.pnl);
  });
});

/** A deterministic little strategy (stateless, so it can resume): orders placed because of specific messages. */
async function scripted(restUrl: string, probe: WsProbe, fromSeq: number, toSeq: number, pace: () => Promise<void>): Promise<void> {
  for (;;) {
    const m = await probe.nextSequenced();
    const seq = m.seq as number;
    expect(seq).toBeGreaterThanOrEqual(fromSeq);
    if (m.type === 'market_data') {
      const ltp = ltpOf(m);
      if (seq % 25 === 3) {
        await pace();
        await place(restUrl, { action: seq % 50 === 3 ? 'BUY' : 'SELL', quantity: 1 + (seq % 3) });
      }
      if (seq % 25 === 10) {
        await pace();
        await place(restUrl, { action: 'SELL', pricetype: 'SL-M', trigger_price: (ltp - 10) / 100, quantity: 1 });
      }
      if (seq % 25 === 17) {
        await pace();
        await place(restUrl, { action: 'BUY', pricetype: 'LIMIT', price: (ltp - 5) / 100, quantity: 2 });
        await pace();
        await post(restUrl, 'orderbook', { apikey: KEY });
      }
    }
    await pace();
    if (seq >= toSeq) return;
    probe.ack(seq);
  }
}

async function books(restUrl: string): Promise<string[]> {
  return Promise.all(['orderbook', 'tradebook', 'positionbook', 'funds'].map(async (e) => (await post(restUrl, e, { apikey: KEY })).text));
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('exchange simulator lockstep', () => {
  it('gives byte-identical books and order updates whatever the client pacing', async () => {
    const run = async (pace: () => Promise<void>): Promise<{ books: string[]; updates: string[] }> => {
      const sim = await start();
      const p = await connect(sim);
      await scripted(sim.restUrl, p, 1, 250, pace);
      const updates = p.texts.filter((t) => t.startsWith('{"type":"order_update"'));
      return { books: await books(sim.restUrl), updates };
    };
    const fast = await run(() => Promise.resolve());
    const rnd = seeded(11);
    const slow = await run(() => new Promise<void>((r) => setTimeout(r, Math.floor(rnd() * 4))));
    expect((JSON.parse(fast.books[1] ?? '{}') as { data: unknown[] }).data.length).toBeGreaterThan(3);
    expect(slow.books).toEqual(fast.books);
    expect(slow.updates).toEqual(fast.updates);
  }, 60_000);

  it('sends an unacknowledged message again, with the same seq and text, to the next connection', async () => {
    const sim = await start();
    const a = await connect(sim);
    const m1 = await a.nextSequenced();
    a.ack(m1.seq as number);
    const m2 = await a.nextSequenced();
    expect(m2.seq).toBe(2);
    const text2 = a.texts.at(-1);
    await a.close();
    // Time stood still meanwhile.
    expect(sim.stats()).toMatchObject({ seq: 2, acked: 1 });
    const b = await connect(sim);
    const again = await b.nextSequenced();
    expect(again.seq).toBe(2);
    expect(b.texts.at(-1)).toBe(text2);
    b.ack(2);
    expect((await b.nextSequenced()).seq).toBe(3);
    // A stale or foreign acknowledgement changes nothing.
    b.ack(1);
    b.send({ action: 'sim_ack', seq: 99 });
    expect(await b.next((m) => m.status === 'error')).toMatchObject({ code: 'INVALID_PARAMETERS' });
    expect(sim.stats()).toMatchObject({ seq: 3, acked: 2 });
  });

  it('does not move while nobody is connected, and sends sim_end after the session', async () => {
    const sim = await start({ symbols: ['NIFTY'], tickRateScale: 0.002 });
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.stats().ticks).toBe(0);
    const p = await connect(sim, [NIFTY], false);
    let n = 0;
    for (;;) {
      const m = await p.next((f) => f.type === 'sim_end' || typeof f.seq === 'number');
      if (m.type === 'sim_end') break;
      p.ack(m.seq as number);
      n++;
    }
    expect(n).toBeGreaterThan(375); // every minute's clock, plus ticks
    expect(p.frames.filter((f) => f.type === 'sim_clock').at(-1)?.timestamp).toBe(Date.UTC(2025, 5, 10, 10, 0));
    expect(sim.stats().ended).toBe(true);
  }, 30_000);
});

describe('exchange simulator without lockstep', () => {
  it('streams as fast as the client reads, matches orders, and ends with sim_end', async () => {
    const sim = await start({ lockstep: false, symbols: ['SBIN'], tickRateScale: 0.01 });
    const id = await place(sim.restUrl, { quantity: 4 });
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.stats().ticks).toBe(0); // paused while nobody subscribes
    const p = await connect(sim);
    await p.next((m) => m.type === 'sim_end', 20_000);
    const ticks = p.frames.filter((m) => m.type === 'market_data');
    expect(ticks.length).toBe(sim.stats().ticks);
    expect(ticks.every((m) => m.seq === undefined)).toBe(true);
    const fill = p.frames.findIndex((m) => m.type === 'order_update' && m.orderid === id && m.order_status === 'complete');
    expect(fill).toBeGreaterThan(-1);
    expect(p.frames[fill + 1]).toMatchObject({ type: 'market_data', symbol: 'SBIN' });
    expect(p.frames.filter((m) => m.type === 'sim_clock')).toHaveLength(375);
    const trades = (await post(sim.restUrl, 'tradebook', { apikey: KEY })).body.data as Json[];
    expect(trades).toMatchObject([{ orderid: id, quantity: 4 }]);
  }, 30_000);
});

describe('exchange simulator durability', () => {
  it('resumes exactly after being killed: books, the pending message and what follows equal an uninterrupted run', async () => {
    const dir = stateDir();
    const args = ['--port', '0', '--api-key', KEY, '--seed', '7', '--date', DATE, '--symbols', SYMBOLS.join(','), '--state-dir', dir, '--lockstep', '--tick-rate-scale', String(SCALE)];
    const first = await spawnSim(args);
    children.push(first);
    const a = await connect(first);
    await scripted(first.restUrl, a, 1, 60, () => Promise.resolve());
    const pendingText = a.texts.filter((t) => t.includes('"seq":60,')).at(-1);
    const before = await books(first.restUrl);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    await a.closed;

    const second = await spawnSim(args);
    children.push(second);
    expect(await books(second.restUrl)).toEqual(before);
    const b = await connect(second);
    const resent = await b.nextSequenced();
    expect(resent.seq).toBe(60);
    expect(b.texts.at(-1)).toBe(pendingText);
    b.ack(60);
    await scripted(second.restUrl, b, 61, 150, () => Promise.resolve());
    const resumed = await books(second.restUrl);

    const reference = await start();
    const r = await connect(reference);
    await scripted(reference.restUrl, r, 1, 150, () => Promise.resolve());
    expect(resumed).toEqual(await books(reference.restUrl));

    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/sim-exchange stopped/);
  }, 60_000);

  it('fails to start on a port in use without keeping the state log open', async () => {
    const sim = await start();
    await expect(startExchangeSim({ apiKey: KEY, seed: 7, date: DATE, symbols: SYMBOLS, stateDir: stateDir(), port: sim.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('refuses a state directory written with other arguments', async () => {
    const dir = stateDir();
    const sim = await startExchangeSim({ apiKey: KEY, seed: 7, date: DATE, symbols: SYMBOLS, stateDir: dir, lockstep: true, tickRateScale: SCALE });
    await sim.close();
    await expect(startExchangeSim({ apiKey: KEY, seed: 8, date: DATE, symbols: SYMBOLS, stateDir: dir, lockstep: true, tickRateScale: SCALE })).rejects.toThrow(/another simulation/);
  });
});

describe('WsFeed in lockstep against the exchange simulator', () => {
  it('acknowledges explicitly, survives a simulator restart, and never delivers a message twice', async () => {
    const dir = stateDir();
    const opts: ExchangeSimOptions = { apiKey: KEY, seed: 7, date: DATE, symbols: SYMBOLS, stateDir: dir, lockstep: true, tickRateScale: SCALE };
    let sim = await startExchangeSim(opts);
    const port = sim.port;
    const seqs: number[] = [];
    const statuses: FeedStatus[] = [];
    let held: number | undefined;
    let holdAt = 40;
    const feed = new WsFeed({ url: sim.wsUrl, apiKey: KEY, instruments: [SBIN, NIFTY], backoff: { initialMs: 20, maxMs: 100 }, random: () => 0.5 });
    let reached: () => void = () => undefined;
    const done = new Promise<void>((r) => (reached = r));
    let ticks = 0;
    await feed.start({
      onTick: () => ticks++,
      onStatus: (s) => statuses.push(s),
      onLockstep: (seq) => {
        seqs.push(seq);
        if (seq === holdAt) {
          held = seq; // the consumer is still busy with it when the simulator goes away
          return;
        }
        if (seq >= 120) {
          reached();
          return;
        }
        setTimeout(() => feed.ack(seq), 0); // acknowledged after the work for it settled
      },
    });
    try {
      const deadline = Date.now() + 10_000;
      while (held === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(held).toBe(40);
      await sim.close();
      sim = await startExchangeSim({ ...opts, port });
      // The feed reconnects; the simulator sends message 40 again; the feed does not deliver it
      // twice and passes the consumer's late acknowledgement on.
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.stats()).toMatchObject({ seq: 40, acked: 39 });
      holdAt = -1;
      feed.ack(40);
      await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error('feed did not reach seq 120')), 15_000))]);
      expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(ticks).toBeGreaterThan(50);
      expect(feed.counters().reconnects).toBeGreaterThanOrEqual(1);
      expect(statuses.some((s) => s.kind === 'watchdog')).toBe(false);
    } finally {
      await feed.stop();
      await sim.close();
    }
  }, 40_000);
});
