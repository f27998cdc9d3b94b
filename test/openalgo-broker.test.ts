import { afterEach, describe, expect, it } from 'vitest';
import { OpenAlgoBroker, OpenAlgoError } from '../trader/brokers/openalgo/openalgo-broker';
import type { OpenAlgoConfigInput } from '../trader/brokers/openalgo/config';
import type { BrokerStatus } from '../trader/brokers/port';
import type { BrokerEvent, Fill, OrderRequest } from '../trader/domain/order';
import { FakeOpenAlgo, type FakeOpenAlgoOptions } from './support/fake-openalgo';

/**
 * The OpenAlgo adapter against a scripted fake OpenAlgo on 127.0.0.1 (real HTTP and WebSocket).
 * Each test is named after the reliability.md §4 case it covers.
 */

const SYMBOL = 'NIFTY28NOV2424000CE';
const LOT = 75;

interface Rig {
  readonly fake: FakeOpenAlgo;
  readonly broker: OpenAlgoBroker;
  readonly events: BrokerEvent[];
  readonly statuses: BrokerStatus[];
}

const rigs: { fake: FakeOpenAlgo; broker: OpenAlgoBroker }[] = [];

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.broker.stop();
    await r.fake.close();
  }
});

async function rig(fakeOpts: FakeOpenAlgoOptions = {}, config: Partial<OpenAlgoConfigInput> = {}, existing?: FakeOpenAlgo): Promise<Rig> {
  const fake = existing ?? (await FakeOpenAlgo.start({ lotSizes: { [SYMBOL]: LOT }, ...fakeOpts }));
  const broker = new OpenAlgoBroker({
    config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: fake.apiKey, strategy: 'tfl-test', pollIntervalMs: 60_000, ...config },
  });
  rigs.push({ fake, broker });
  const events: BrokerEvent[] = [];
  const statuses: BrokerStatus[] = [];
  broker.onEvent((e) => events.push(e));
  broker.onStatus((s) => statuses.push(s));
  const { streaming } = await broker.start();
  expect(streaming).toBe(true);
  await broker.reconcileNow(); // let the reconcile that follows the subscription run first
  return { fake, broker, events, statuses };
}

let seq = 0;
function request(over: Partial<OrderRequest> = {}): OrderRequest {
  seq += 1;
  return {
    clientOrderId: `tfl-${SYMBOL}-202411281030-E${seq}`,
    strategy: 'tfl',
    symbol: SYMBOL,
    exchange: 'NFO',
    side: 'BUY',
    qty: LOT,
    product: 'MIS',
    priceType: 'MARKET',
    pricePaise: 0,
    triggerPaise: 0,
    ...over,
  };
}

function fills(events: readonly BrokerEvent[], id: string): Fill[] {
  return events.flatMap((e) => (e.kind === 'fill' && e.fill.brokerOrderId === id ? [e.fill] : []));
}
function states(events: readonly BrokerEvent[], id: string): string[] {
  return events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order.state] : []));
}

async function waitFor(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function accepted(r: Rig, req: OrderRequest): Promise<string> {
  const out = await r.broker.placeOrder(req);
  if (out.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(out)}`);
  return out.brokerOrderId;
}

describe('OpenAlgo adapter: placement outcomes', () => {
  it('case 7: a 500 after the order was created is unknown, never resent, and findOrder adopts the one order', async () => {
    const r = await rig();
    r.fake.script('placeorder', { status: 500, body: { status: 'error', message: 'broker exception' } });
    const req = request();
    const sentAt = Date.now();
    const out = await r.broker.placeOrder(req);
    expect(out).toMatchObject({ kind: 'unknown' });
    expect(r.fake.count('placeorder')).toBe(1);
    const found = await r.broker.findOrder(req, sentAt);
    if (typeof found === 'string') throw new Error(`expected the order, got ${found}`);
    expect(found.brokerOrderId).toBe(r.fake.orders[0]?.orderid);
    expect(found.clientOrderId).toBe(req.clientOrderId);
    expect(found.state).toBe('OPEN');
    expect(r.fake.orders).toHaveLength(1);
    expect(r.fake.count('placeorder')).toBe(1);
    expect(r.broker.links()).toEqual([{ clientOrderId: req.clientOrderId, brokerOrderId: found.brokerOrderId }]);
  });

  it('case 8: a placement whose answer never comes times out as unknown; the lookup finds the order; no duplicate', async () => {
    const r = await rig({}, { timeouts: { orderMs: 300 } });
    r.fake.script('placeorder', { hold: true });
    const req = request({ priceType: 'LIMIT', pricePaise: 11_000 });
    const sentAt = Date.now();
    const t0 = performance.now();
    const out = await r.broker.placeOrder(req);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(out.kind).toBe('unknown');
    const found = await r.broker.findOrder(req, sentAt);
    expect(typeof found === 'string' ? found : found.brokerOrderId).toBe(r.fake.orders[0]?.orderid);
    expect(r.fake.count('placeorder')).toBe(1);
    expect(r.fake.orders).toHaveLength(1);
  });

  it('case 8: an unknown placement that never reached the book is found as none', async () => {
    const r = await rig({}, { timeouts: { orderMs: 300 } });
    r.fake.script('placeorder', { act: false, hold: true });
    const req = request();
    const sentAt = Date.now();
    expect((await r.broker.placeOrder(req)).kind).toBe('unknown');
    expect(await r.broker.findOrder(req, sentAt)).toBe('none');
  });

  it.each([400, 401, 403, 422])('case 9: HTTP %i is a definitive reject, sent once', async (status) => {
    const r = await rig();
    r.fake.script('placeorder', { act: false, status, body: { status: 'error', message: `refused ${status}` } });
    const out = await r.broker.placeOrder(request());
    expect(out.kind).toBe('rejected');
    if (out.kind === 'rejected') expect(out.reason).toContain(`refused ${status}`);
    expect(r.fake.count('placeorder')).toBe(1);
    expect(r.fake.orders).toHaveLength(0);
    const auth = r.statuses.filter((s) => s.kind === 'auth');
    expect(auth.length > 0).toBe(status === 401 || status === 403);
  });

  it('case 9: a wrong API key is a 403 reject with an auth status the trader can alert on', async () => {
    const fake = await FakeOpenAlgo.start({ lotSizes: { [SYMBOL]: LOT } });
    const broker = new OpenAlgoBroker({ config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: 'wrong', strategy: 's', timeouts: { wsHandshakeMs: 300 } } });
    rigs.push({ fake, broker });
    const statuses: BrokerStatus[] = [];
    broker.onStatus((s) => statuses.push(s));
    expect((await broker.start()).streaming).toBe(false);
    const out = await broker.placeOrder(request());
    expect(out).toMatchObject({ kind: 'rejected' });
    expect(statuses.some((s) => s.kind === 'auth' && s.source === 'rest placeorder')).toBe(true);
    expect(statuses.some((s) => s.kind === 'auth' && s.source === 'order stream')).toBe(true);
    expect(await broker.ping()).toMatchObject({ ok: false, auth: true });
    await expect(broker.orderBook()).rejects.toMatchObject({ kind: 'auth', status: 403 });
  });

  it('case 9: a 429 on placement is "not placed"; the adapter backs off before the next order request', async () => {
    const r = await rig({}, { rateLimit: { backoffInitialMs: 400 } });
    r.fake.script('placeorder', { act: false, status: 429, body: { status: 'error', message: 'Rate limit exceeded. Please try again later.' } });
    const out = await r.broker.placeOrder(request());
    expect(out.kind).toBe('rejected');
    if (out.kind === 'rejected') expect(out.reason).toMatch(/429.*not placed/);
    expect(r.statuses.some((s) => s.kind === 'rate_limited' && s.backoffMs === 400)).toBe(true);
    const t0 = performance.now();
    expect((await r.broker.placeOrder(request())).kind).toBe('accepted');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.fake.count('placeorder')).toBe(2);
  });

  it('case 9: a 429 on a read is retried after the backoff (reads are idempotent)', async () => {
    const r = await rig({}, { rateLimit: { backoffInitialMs: 100 } });
    r.fake.script('orderbook', { act: false, status: 429, body: { status: 'error', message: 'Rate limit exceeded' } });
    const before = r.fake.count('orderbook');
    expect(await r.broker.orderBook()).toEqual([]);
    expect(r.fake.count('orderbook') - before).toBe(2);
  });

  it('paces order requests at the configured rate without a single 429', async () => {
    const r = await rig({}, { rateLimit: { ordersPerSec: 5 } });
    const t0 = performance.now();
    const outs = await Promise.all(Array.from({ length: 8 }, () => r.broker.placeOrder(request({ priceType: 'LIMIT', pricePaise: 10_000 }))));
    expect(outs.every((o) => o.kind === 'accepted')).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900); // 5 now, 3 one window later
  });

  it('case 10: a "duplicate" answer (409) is not an error: the lookup adopts the existing order', async () => {
    const r = await rig();
    r.fake.script('placeorder', { status: 409, body: { status: 'error', message: 'duplicate order' } });
    const req = request();
    const sentAt = Date.now();
    expect((await r.broker.placeOrder(req)).kind).toBe('unknown');
    const found = await r.broker.findOrder(req, sentAt);
    expect(typeof found === 'string' ? found : found.brokerOrderId).toBe(r.fake.orders[0]?.orderid);
    expect(r.fake.orders).toHaveLength(1);
  });

  it('semi-auto "queued for approval" has no order id: unknown, never accepted (brokers.md §0.6, §0.8)', async () => {
    const r = await rig();
    r.fake.script(
      'placeorder',
      { act: false, body: { status: 'success', message: 'Order queued for approval in Action Center', mode: 'semi_auto', pending_order_id: 7 } },
      { act: false, body: { status: 'success', orderid: '' } },
      { act: false, body: { status: 'success', orderid: 250408000989443 } },
    );
    for (let i = 0; i < 3; i++) expect((await r.broker.placeOrder(request())).kind).toBe('unknown');
  });

  it('findOrder: two identical orders after sentAt are ambiguous; one linked elsewhere is skipped; older ones are ignored', async () => {
    const r = await rig();
    const old = r.fake.addOrder({ symbol: SYMBOL, exchange: 'NFO', action: 'BUY', quantity: LOT, pricetype: 'MARKET', timestamp: '01-Jan-2020 09:15:00' });
    const req = request();
    const sentAt = Date.now();
    expect(await r.broker.findOrder(req, sentAt)).toBe('none');
    const a = await accepted(r, request());
    r.fake.addOrder({ symbol: SYMBOL, exchange: 'NFO', action: 'BUY', quantity: LOT, pricetype: 'MARKET' });
    const found = await r.broker.findOrder(req, sentAt);
    expect(typeof found === 'string' ? found : found.brokerOrderId).not.toBe(a);
    expect(typeof found === 'string' ? found : found.brokerOrderId).not.toBe(old.orderid);
    const req2 = request();
    r.fake.addOrder({ symbol: SYMBOL, exchange: 'NFO', action: 'BUY', quantity: LOT, pricetype: 'MARKET' });
    r.fake.addOrder({ symbol: SYMBOL, exchange: 'NFO', action: 'BUY', quantity: LOT, pricetype: 'MARKET' });
    expect(await r.broker.findOrder(req2, sentAt)).toBe('ambiguous');
  });
});

describe('OpenAlgo adapter: cancel and modify', () => {
  it('case 11: a cancel that loses the race to a fill is rejected with the reason; the fill and FILLED arrive, no CANCELLED', async () => {
    const r = await rig();
    const id = await accepted(r, request({ priceType: 'LIMIT', pricePaise: 11_000 }));
    const o = r.fake.order(id);
    r.fake.fill(o, LOT, 110, false); // the exchange filled it; the push is still on its way
    const out = await r.broker.cancelOrder(id);
    expect(out.kind).toBe('rejected');
    if (out.kind === 'rejected') expect(out.reason).toMatch(/FILLED/);
    r.fake.pushOrder(o);
    await waitFor(() => states(r.events, id).includes('FILLED'));
    await r.broker.reconcileNow();
    expect(fills(r.events, id).map((f) => [f.qty, f.pricePaise])).toEqual([[LOT, 11_000]]);
    expect(states(r.events, id)).not.toContain('CANCELLED');
  });

  it('case 11: a cancel whose answer is lost is settled from the book (cancelled → accepted)', async () => {
    const r = await rig();
    const id = await accepted(r, request({ priceType: 'LIMIT', pricePaise: 11_000 }));
    r.fake.script('cancelorder', { status: 502, body: { status: 'error', message: 'bad gateway' } });
    expect(await r.broker.cancelOrder(id)).toEqual({ kind: 'accepted', brokerOrderId: id });
    expect(r.fake.count('cancelorder')).toBe(1);
  });

  it('case 12: a stop modify answered 503 is unknown, not retried, and the book reconciles the trigger the broker holds', async () => {
    const r = await rig();
    const id = await accepted(r, request({ side: 'SELL', priceType: 'SL-M', triggerPaise: 11_000 }));
    await r.broker.reconcileNow();
    r.fake.script('modifyorder', { status: 503, body: { status: 'error', message: 'service unavailable' } });
    const out = await r.broker.modifyOrder(id, { triggerPaise: 11_500 });
    expect(out.kind).toBe('unknown');
    expect(r.fake.count('modifyorder')).toBe(1);
    await r.broker.reconcileNow();
    const views = r.events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order] : []));
    expect(views.at(-1)?.triggerPaise).toBe(11_500); // the broker applied it: we adopt the broker's price
    expect(views.at(-1)?.state).toBe('TRIGGER_PENDING');
  });

  it('case 12: a modify the broker did not apply leaves the old trigger in the book views', async () => {
    const r = await rig();
    const id = await accepted(r, request({ side: 'SELL', priceType: 'SL-M', triggerPaise: 11_000 }));
    r.fake.script('modifyorder', { act: false, status: 503, body: { status: 'error', message: 'down' } });
    expect((await r.broker.modifyOrder(id, { triggerPaise: 11_500 })).kind).toBe('unknown');
    await r.broker.reconcileNow();
    const views = r.events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order] : []));
    expect(views.map((v) => v.triggerPaise)).not.toContain(11_500);
    expect((await r.broker.orderBook()).find((v) => v.brokerOrderId === id)?.triggerPaise).toBe(11_000);
  });

  it('modify sends every field OpenAlgo requires, rupees exact; a terminal order is not sent at all', async () => {
    const r = await rig();
    const id = await accepted(r, request({ side: 'SELL', priceType: 'SL', pricePaise: 10_995, triggerPaise: 11_005 }));
    expect(await r.broker.modifyOrder(id, { triggerPaise: 11_015, pricePaise: 11_010 })).toEqual({ kind: 'accepted', brokerOrderId: id });
    expect(r.fake.order(id)).toMatchObject({ trigger_price: 110.15, price: 110.1, quantity: LOT });
    r.fake.order(id).order_status = 'cancelled';
    const out = await r.broker.modifyOrder(id, { triggerPaise: 11_020 });
    expect(out.kind).toBe('rejected');
    expect(r.fake.count('modifyorder')).toBe(1);
  });
});

describe('OpenAlgo adapter: malformed answers (case 14)', () => {
  it('case 14: a placement answered with non-JSON is unknown, and the lookup still finds the order', async () => {
    const r = await rig();
    r.fake.script('placeorder', { raw: '<html>oops</html>' });
    const req = request();
    const sentAt = Date.now();
    const out = await r.broker.placeOrder(req);
    expect(out.kind).toBe('unknown');
    if (out.kind === 'unknown') expect(out.reason).toContain('not JSON');
    const found = await r.broker.findOrder(req, sentAt);
    expect(typeof found === 'string' ? found : found.brokerOrderId).toBe(r.fake.orders[0]?.orderid);
  });

  it('case 14: schema drift in the order book names the field path; findOrder answers ambiguous, never none', async () => {
    const r = await rig();
    const drifted = { status: 'success', data: { orders: [{ orderid: '1', symbol: SYMBOL, exchange: 'NFO', action: 'BUY', product: 'MIS', pricetype: 'LIMIT', quantity: 75, price: 'NaN', order_status: 'open' }] } };
    r.fake.script('orderbook', { act: false, body: drifted }, { act: false, body: drifted });
    const err = await r.broker.orderBook().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAlgoError);
    expect((err as OpenAlgoError).kind).toBe('malformed');
    expect((err as OpenAlgoError).message).toContain('data.orders.0.price');
    expect(r.statuses.some((s) => s.kind === 'malformed' && s.message.includes('data.orders.0.price'))).toBe(true);
    expect(await r.broker.findOrder(request(), 0)).toBe('ambiguous');
  });

  it('case 14: a malformed order_update frame is counted and reported; the stream stays up', async () => {
    const r = await rig();
    const id = await accepted(r, request({ priceType: 'LIMIT', pricePaise: 11_000 }));
    r.fake.pushRaw('{"type":"order_update","orderid":"x","quantity":"NaN"}');
    r.fake.pushRaw('not json');
    await waitFor(() => r.statuses.filter((s) => s.kind === 'malformed').length >= 2);
    r.fake.trade(10_900);
    await waitFor(() => states(r.events, id).includes('FILLED'));
    expect(r.fake.subscriberCount).toBe(1);
  });
});

describe('OpenAlgo adapter: fills', () => {
  it('case 19: replayed order updates never emit a fill twice; a restarted adapter derives the same execution ids', async () => {
    const r = await rig({ fillChunk: LOT });
    const req = request({ qty: 3 * LOT });
    const id = await accepted(r, req);
    r.fake.trade(12_000);
    await waitFor(() => states(r.events, id).includes('FILLED'));
    r.fake.replay(3);
    r.fake.replay(3);
    await r.broker.reconcileNow();
    await new Promise((res) => setTimeout(res, 100));
    await r.broker.reconcileNow();
    const got = fills(r.events, id);
    expect(got.map((f) => f.qty)).toEqual([LOT, LOT, LOT]);
    expect(new Set(got.map((f) => f.executionId)).size).toBe(3);
    expect(got.every((f) => f.clientOrderId === req.clientOrderId && f.pricePaise === 12_000 && f.side === 'BUY')).toBe(true);
    expect(states(r.events, id).filter((s) => s === 'FILLED')).toHaveLength(1);

    // A new process (after a crash) with the links restored derives the same ids.
    const again = new OpenAlgoBroker({ config: { apiUrl: r.fake.apiUrl, wsUrl: r.fake.wsUrl, apiKey: r.fake.apiKey, strategy: 'tfl-test' } });
    rigs.push({ fake: r.fake, broker: again });
    const replayed: BrokerEvent[] = [];
    again.onEvent((e) => replayed.push(e));
    again.restoreLinks(r.broker.links());
    await again.reconcileNow();
    expect(fills(replayed, id).map((f) => f.executionId)).toEqual(got.map((f) => f.executionId));
    expect((await again.tradeBook()).map((f) => f.executionId)).toEqual(got.map((f) => f.executionId));
  });

  it('derives PARTIALLY_FILLED from the trade book and emits each partial fill once, before its order view', async () => {
    const r = await rig();
    const id = await accepted(r, request({ qty: 2 * LOT, priceType: 'LIMIT', pricePaise: 11_000 }));
    const o = r.fake.order(id);
    r.fake.fill(o, LOT, 109.95);
    await waitFor(() => states(r.events, id).includes('PARTIALLY_FILLED'));
    const iFill = r.events.findIndex((e) => e.kind === 'fill' && e.fill.brokerOrderId === id);
    const iView = r.events.findIndex((e) => e.kind === 'order' && e.order.brokerOrderId === id && e.order.state === 'PARTIALLY_FILLED');
    expect(iFill).toBeGreaterThanOrEqual(0);
    expect(iFill).toBeLessThan(iView);
    r.fake.fill(o, LOT, 110);
    await waitFor(() => states(r.events, id).includes('FILLED'));
    const f = fills(r.events, id);
    expect(f.map((x) => x.pricePaise)).toEqual([10_995, 11_000]);
    const last = r.events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order] : [])).at(-1);
    expect(last).toMatchObject({ state: 'FILLED', filledQty: 2 * LOT, avgFillPaise: 10_997.5 });
  });

  it('case 20: a fill pushed before the POST answer is delivered (by broker id) before placeOrder resolves', async () => {
    const r = await rig({ fillMarketOnPlace: true });
    r.fake.trade(12_000);
    r.fake.script('placeorder', { delayMs: 300 });
    const req = request();
    const out = await r.broker.placeOrder(req);
    expect(out.kind).toBe('accepted');
    if (out.kind !== 'accepted') return;
    const early = fills(r.events, out.brokerOrderId);
    expect(early).toHaveLength(1);
    expect(early[0]?.clientOrderId).toBeUndefined(); // not linked yet: the order manager buffers it by broker id
    expect(states(r.events, out.brokerOrderId)).toContain('FILLED');
    await r.broker.reconcileNow();
    expect(fills(r.events, out.brokerOrderId)).toHaveLength(1);
  });

  it('case 21: a fill frame lost on a healthy stream is caught by the periodic poll, with a discrepancy alert', async () => {
    const r = await rig({}, { pollIntervalMs: 150 });
    const id = await accepted(r, request());
    await waitFor(() => states(r.events, id).includes('OPEN'));
    r.fake.pushFilter = (m) => m.order_status !== 'complete';
    r.fake.trade(12_000);
    await waitFor(() => fills(r.events, id).length === 1);
    expect(states(r.events, id)).toContain('FILLED');
    expect(r.statuses.some((s) => s.kind === 'discrepancy')).toBe(true);
    expect(r.fake.pushes.some((p) => p.dropped)).toBe(true);
  });

  it('reconciles at once after the order stream reconnects (fills during the gap are not lost)', async () => {
    const r = await rig({}, { reconnect: { initialMs: 20, maxMs: 50 } });
    const id = await accepted(r, request());
    await waitFor(() => states(r.events, id).includes('OPEN'));
    r.fake.terminateClients();
    await waitFor(() => r.statuses.some((s) => s.kind === 'stream' && s.state === 'disconnected'));
    r.fake.trade(12_000); // nobody is subscribed: the push goes nowhere
    await waitFor(() => fills(r.events, id).length === 1);
    expect(r.statuses.filter((s) => s.kind === 'stream' && s.state === 'connected').length).toBeGreaterThanOrEqual(2);
  });

  it('ignores other orders in the account (scope "ours")', async () => {
    const r = await rig();
    const foreign = r.fake.addOrder({ symbol: 'RELIANCE', exchange: 'NSE', action: 'BUY', quantity: 1, pricetype: 'MARKET' });
    r.fake.trade(250_000);
    await r.broker.reconcileNow();
    expect(r.events.filter((e) => (e.kind === 'order' ? e.order.brokerOrderId : e.fill.brokerOrderId) === foreign.orderid)).toEqual([]);
    expect((await r.broker.orderBook()).map((o) => o.brokerOrderId)).toContain(foreign.orderid);
  });
});

describe('OpenAlgo adapter: account, history and clock', () => {
  it('positions, funds and ping map to paise and signed quantities', async () => {
    const r = await rig();
    await accepted(r, request({ qty: 2 * LOT }));
    r.fake.trade(12_005);
    await accepted(r, request({ side: 'SELL' }));
    r.fake.trade(12_105);
    expect(await r.broker.positions()).toEqual([{ symbol: SYMBOL, exchange: 'NFO', product: 'MIS', netQty: LOT, avgPricePaise: 11_905 }]);
    expect(await r.broker.funds()).toEqual({ availableCashPaise: 10_000_000, collateralPaise: 0, realisedPaise: 0, unrealisedPaise: 0, utilisedPaise: 0 });
    expect(await r.broker.ping()).toEqual({ ok: true, broker: 'fake' });
  });

  it('an empty funds answer is an expired session (brokers.md §0.7)', async () => {
    const r = await rig();
    r.fake.fundsData = {};
    await expect(r.broker.funds()).rejects.toMatchObject({ kind: 'session' });
    expect(r.statuses.some((s) => s.kind === 'auth')).toBe(true);
  });

  it('history: epoch seconds → ms, validated; a bad bar is refused with its path', async () => {
    const r = await rig();
    r.fake.historyBars = [
      { timestamp: 1_732_765_500, open: 100, high: 101.5, low: 99.5, close: 101, volume: 1200, oi: 0 },
      { timestamp: 1_732_765_800, open: '101', high: '102', low: '100.5', close: '101.5', volume: '900', oi: 0 },
    ];
    expect(await r.broker.history(SYMBOL, 'NFO', '5m', '2024-11-28', '2024-11-28')).toEqual([
      { startMs: 1_732_765_500_000, open: 100, high: 101.5, low: 99.5, close: 101, volume: 1200 },
      { startMs: 1_732_765_800_000, open: 101, high: 102, low: 100.5, close: 101.5, volume: 900 },
    ]);
    r.fake.historyBars = [{ timestamp: 1_732_765_500, open: 100, high: 99, low: 98, close: 99, volume: 1 }];
    await expect(r.broker.history(SYMBOL, 'NFO', '5m', '2024-11-28', '2024-11-28')).rejects.toThrow(/data\.0/);
    await expect(r.broker.history(SYMBOL, 'NFO', '7m', '2024-11-28', '2024-11-28')).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('case 25: serverTimeMs reads the broker clock from the HTTP Date header', async () => {
    const r = await rig({ dateOffsetMs: 600_000 });
    const skew = (await r.broker.serverTimeMs()) - Date.now();
    expect(skew).toBeGreaterThan(590_000);
    expect(skew).toBeLessThan(610_000);
  });

  it('a refused connection is "not sent" (rejected); an unreachable book throws', async () => {
    const fake = await FakeOpenAlgo.start();
    const url = fake.apiUrl;
    await fake.close();
    const broker = new OpenAlgoBroker({ config: { apiUrl: url, wsUrl: 'ws://127.0.0.1:9/ws', apiKey: 'k', strategy: 's' } });
    const out = await broker.placeOrder(request());
    expect(out.kind).toBe('rejected');
    if (out.kind === 'rejected') expect(out.reason).toMatch(/not sent: .*ECONNREFUSED/);
    await expect(broker.orderBook()).rejects.toMatchObject({ kind: 'network' });
    await broker.stop();
  });
});
