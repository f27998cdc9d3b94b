import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, type RawData } from 'ws';
import { OpenAlgoBroker } from '../../trader/brokers/openalgo/openalgo-broker';
import type { BrokerEvent, Fill, OrderRequest } from '../../trader/domain/order';
import { startExchangeSim, type ExchangeSim } from '../../trader/exchange-sim/server';

/**
 * The OpenAlgo adapter against the real exchange simulator (trader/exchange-sim) in lockstep
 * mode: a driver socket subscribed to market data acknowledges ticks to move simulated time, so
 * the run is deterministic. The shared contract suite needs "make the market trade at X", which
 * a generator-driven simulator cannot do, so this suite checks the same promises (ack and OPEN
 * event, one fill per execution id matching the trade book, positions, findOrder, cancel once,
 * modify, history) on the simulator's market as it comes.
 */

const API_KEY = 'sim-key';
const SYMBOL = 'RELIANCE';

/** Acknowledges sequenced messages one at a time, so time moves only when the test says so. */
class LockstepDriver {
  private lastSeq = 0;
  ltpPaise = 0;
  private waiters: (() => void)[] = [];
  private constructor(private readonly ws: WebSocket) {}

  static async connect(url: string): Promise<LockstepDriver> {
    const ws = new WebSocket(url);
    const d = new LockstepDriver(ws);
    ws.on('message', (data: RawData) => d.onMessage(data));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ action: 'authenticate', api_key: API_KEY }));
    ws.send(JSON.stringify({ action: 'subscribe', symbols: [{ symbol: SYMBOL, exchange: 'NSE' }], mode: 1 }));
    await d.waitForSeq(1);
    return d;
  }

  /** Acknowledge the pending message and wait for the next `n` sequenced ones (ticks or clocks). */
  async step(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const target = this.lastSeq + 1;
      this.ws.send(JSON.stringify({ action: 'sim_ack', seq: this.lastSeq }));
      await this.waitForSeq(target);
    }
  }

  close(): void {
    this.ws.terminate();
  }

  private onMessage(data: RawData): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
    const m = JSON.parse(text) as { seq?: unknown; type?: unknown; data?: { ltp?: unknown } };
    if (m.type === 'market_data' && typeof m.data?.ltp === 'number') this.ltpPaise = Math.round(m.data.ltp * 100);
    if (typeof m.seq === 'number' && m.seq > this.lastSeq) {
      this.lastSeq = m.seq;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  private async waitForSeq(seq: number): Promise<void> {
    const until = Date.now() + 5_000;
    while (this.lastSeq < seq) {
      if (Date.now() > until) throw new Error(`lockstep driver: no message ${seq}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('OpenAlgo adapter against the exchange simulator (lockstep)', () => {
  let dir: string;
  let sim: ExchangeSim;
  let broker: OpenAlgoBroker;
  let driver: LockstepDriver;
  let events: BrokerEvent[];
  let n = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfl-oa-sim-'));
    sim = await startExchangeSim({ apiKey: API_KEY, seed: 11, date: '2024-05-21', symbols: [SYMBOL], stateDir: dir, lockstep: true, fsync: 'none' });
    broker = new OpenAlgoBroker({ config: { apiUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKey: API_KEY, strategy: 'tfl-sim', pollIntervalMs: 200 } });
    events = [];
    broker.onEvent((e) => events.push(e));
    expect((await broker.start()).streaming).toBe(true);
    driver = await LockstepDriver.connect(sim.wsUrl);
    await driver.step(2);
  });

  afterEach(async () => {
    driver.close();
    await broker.stop();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function request(over: Partial<OrderRequest>): OrderRequest {
    n += 1;
    return { clientOrderId: `sim-${n}`, strategy: 'tfl', symbol: SYMBOL, exchange: 'NSE', side: 'BUY', qty: 1, product: 'MIS', priceType: 'MARKET', pricePaise: 0, triggerPaise: 0, ...over };
  }
  const fillsOf = (id: string): Fill[] => events.flatMap((e) => (e.kind === 'fill' && e.fill.brokerOrderId === id ? [e.fill] : []));
  const statesOf = (id: string): string[] => events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order.state] : []));

  it('fills a market order once, with execution ids equal to the trade book, and books the position', async () => {
    const req = request({ qty: 3 });
    const out = await broker.placeOrder(req);
    if (out.kind !== 'accepted') throw new Error(JSON.stringify(out));
    await driver.step(3);
    await waitFor(() => statesOf(out.brokerOrderId).includes('FILLED'));
    await broker.reconcileNow();
    const pushed = fillsOf(out.brokerOrderId);
    expect(pushed.reduce((s, f) => s + f.qty, 0)).toBe(3);
    expect(pushed.every((f) => f.clientOrderId === req.clientOrderId)).toBe(true);
    const booked = (await broker.tradeBook()).filter((f) => f.brokerOrderId === out.brokerOrderId);
    expect(booked.map((f) => f.executionId).sort()).toEqual(pushed.map((f) => f.executionId).sort());
    expect((await broker.positions()).find((p) => p.symbol === SYMBOL)?.netQty).toBe(3);
    expect((await broker.orderBook()).find((o) => o.brokerOrderId === out.brokerOrderId)).toMatchObject({ state: 'FILLED', filledQty: 3 });
  });

  it('rests a far limit (OPEN event), finds it by its request, cancels it once, then refuses a second cancel', async () => {
    const limit = Math.floor((driver.ltpPaise * 0.8) / 5) * 5;
    const req = request({ priceType: 'LIMIT', pricePaise: limit });
    const out = await broker.placeOrder(req);
    if (out.kind !== 'accepted') throw new Error(JSON.stringify(out));
    await broker.reconcileNow();
    expect(statesOf(out.brokerOrderId)).toContain('OPEN');
    const found = await broker.findOrder(req, 0);
    expect(typeof found === 'string' ? found : found.brokerOrderId).toBe(out.brokerOrderId);
    expect(await broker.findOrder(request({ side: 'SELL', priceType: 'LIMIT', pricePaise: limit * 2 }), 0)).toBe('none');
    expect(await broker.cancelOrder(out.brokerOrderId)).toEqual({ kind: 'accepted', brokerOrderId: out.brokerOrderId });
    await broker.reconcileNow();
    expect(statesOf(out.brokerOrderId).at(-1)).toBe('CANCELLED');
    expect((await broker.cancelOrder(out.brokerOrderId)).kind).toBe('rejected');
  });

  it('modifies a resting stop; the book shows the new trigger', async () => {
    const trigger = Math.floor((driver.ltpPaise * 0.7) / 5) * 5;
    const out = await broker.placeOrder(request({ side: 'SELL', priceType: 'SL-M', triggerPaise: trigger }));
    if (out.kind !== 'accepted') throw new Error(JSON.stringify(out));
    expect(await broker.modifyOrder(out.brokerOrderId, { triggerPaise: trigger + 500 })).toEqual({ kind: 'accepted', brokerOrderId: out.brokerOrderId });
    expect((await broker.orderBook()).find((o) => o.brokerOrderId === out.brokerOrderId)).toMatchObject({ state: 'TRIGGER_PENDING', triggerPaise: trigger + 500 });
  });

  it('reads history bars for an earlier session, in increasing time', async () => {
    const bars = await broker.history(SYMBOL, 'NSE', '5m', '2024-05-17', '2024-05-17');
    expect(bars.length).toBeGreaterThan(50);
    expect(bars.every((b, i) => i === 0 || b.startMs > (bars[i - 1]?.startMs ?? 0))).toBe(true);
    expect(await broker.ping()).toMatchObject({ ok: true });
  });
});
