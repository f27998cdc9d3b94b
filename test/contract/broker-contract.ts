import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerPort } from '../../trader/brokers/port';
import type { Instrument } from '../../trader/domain/instrument';
import type { BrokerEvent, BrokerOrderView, Fill, OrderRequest, PriceType, Product, Side } from '../../trader/domain/order';

/**
 * The contract every BrokerPort adapter passes (STYLE.md habit 4): the paper broker now, the
 * OpenAlgo adapter later against a local server. The harness hides how the market is moved, so a
 * live-protocol adapter can be driven through its fake exchange the same way.
 */
export interface BrokerHarness {
  readonly broker: BrokerPort;
  /** A tradable instrument whose lot size is > 1 (so a bad lot can be expressed). */
  readonly instrument: Instrument;
  /** A price on the grid around which the suite trades (the market's current level). */
  readonly basePaise: number;
  readonly product: Product;
  /**
   * Make the market trade at `pricePaise` (quotes one tick either side) and resolve once the
   * adapter has processed it, including any fills it causes.
   */
  trade(pricePaise: number): Promise<void>;
  /** Resolve once events caused by earlier calls have been delivered (a push/poll round trip). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type MakeHarness = () => Promise<BrokerHarness>;

export function describeBrokerContract(name: string, makeHarness: MakeHarness): void {
  describe(`broker contract: ${name}`, () => {
    let h: BrokerHarness;
    let events: BrokerEvent[];
    let off: () => void;
    let seq = 0;

    beforeEach(async () => {
      h = await makeHarness();
      events = [];
      off = h.broker.onEvent((e) => events.push(e));
      await h.trade(h.basePaise);
    });

    afterEach(async () => {
      off();
      await h.close();
    });

    function ticks(n: number): number {
      return n * h.instrument.tickPaise;
    }

    function request(side: Side, priceType: PriceType, over: Partial<OrderRequest> = {}): OrderRequest {
      return {
        clientOrderId: `contract${Date.now().toString(36)}n${++seq}`,
        strategy: 'contract',
        symbol: h.instrument.symbol,
        exchange: h.instrument.exchange,
        side,
        qty: h.instrument.lotSize,
        product: h.product,
        priceType,
        pricePaise: 0,
        triggerPaise: 0,
        ...over,
      };
    }

    async function place(req: OrderRequest): Promise<string> {
      const out = await h.broker.placeOrder(req);
      if (out.kind !== 'accepted') throw new Error(`placement not accepted: ${JSON.stringify(out)}`);
      expect(out.brokerOrderId).not.toBe('');
      return out.brokerOrderId;
    }

    async function bookEntry(id: string): Promise<BrokerOrderView | undefined> {
      return (await h.broker.orderBook()).find((o) => o.brokerOrderId === id);
    }

    function orderEvents(id: string): BrokerOrderView[] {
      return events.flatMap((e) => (e.kind === 'order' && e.order.brokerOrderId === id ? [e.order] : []));
    }

    function fillEvents(id: string): Fill[] {
      return events.flatMap((e) => (e.kind === 'fill' && e.fill.brokerOrderId === id ? [e.fill] : []));
    }

    async function netQty(): Promise<number> {
      const rows = (await h.broker.positions()).filter(
        (p) => p.symbol === h.instrument.symbol && p.exchange === h.instrument.exchange && p.product === h.product,
      );
      return rows.reduce((s, p) => s + p.netQty, 0);
    }

    it('acknowledges a placement with a broker order id and an OPEN order event', async () => {
      const id = await place(request('BUY', 'LIMIT', { pricePaise: h.basePaise - ticks(100) }));
      await h.settle();
      expect(orderEvents(id).map((o) => o.state)).toContain('OPEN');
      expect((await bookEntry(id))?.state).toBe('OPEN');
    });

    it('rejects a quantity that is not a lot multiple, with a reason, and books nothing', async () => {
      const req = request('BUY', 'MARKET', { qty: h.instrument.lotSize + 1 });
      const out = await h.broker.placeOrder(req);
      expect(out.kind).toBe('rejected');
      if (out.kind === 'rejected') expect(out.reason.length).toBeGreaterThan(0);
      await h.settle();
      expect(await h.broker.findOrder(req, 0)).toBe('none');
      expect(events.filter((e) => e.kind === 'fill')).toEqual([]);
    });

    it('cancels a working order once; a second cancel is rejected', async () => {
      const id = await place(request('BUY', 'LIMIT', { pricePaise: h.basePaise - ticks(100) }));
      expect(await h.broker.cancelOrder(id)).toMatchObject({ kind: 'accepted' });
      await h.settle();
      expect(orderEvents(id).at(-1)?.state).toBe('CANCELLED');
      expect((await bookEntry(id))?.state).toBe('CANCELLED');
      expect((await h.broker.cancelOrder(id)).kind).toBe('rejected');
      await h.trade(h.basePaise - ticks(200));
      expect(fillEvents(id)).toEqual([]);
    });

    it('modifies a stop, which then triggers at its new trigger', async () => {
      const id = await place(request('SELL', 'SL-M', { triggerPaise: h.basePaise - ticks(20) }));
      expect(await h.broker.modifyOrder(id, { triggerPaise: h.basePaise - ticks(10) })).toMatchObject({ kind: 'accepted' });
      await h.settle();
      expect((await bookEntry(id))?.triggerPaise).toBe(h.basePaise - ticks(10));
      await h.trade(h.basePaise - ticks(12));
      await h.settle();
      expect(fillEvents(id)).toHaveLength(1);
      expect((await bookEntry(id))?.state).toBe('FILLED');
    });

    it('fills a market order with exactly one fill event carrying an execution id', async () => {
      const req = request('BUY', 'MARKET');
      const id = await place(req);
      await h.trade(h.basePaise);
      await h.trade(h.basePaise + ticks(1));
      await h.settle();
      const fills = fillEvents(id);
      expect(fills).toHaveLength(1);
      const [fill] = fills;
      expect(fill?.executionId).toMatch(/\S/);
      expect(fill?.qty).toBe(req.qty);
      expect(fill?.side).toBe('BUY');
      if (fill?.clientOrderId !== undefined) expect(fill.clientOrderId).toBe(req.clientOrderId);
      expect((await bookEntry(id))?.state).toBe('FILLED');
    });

    it('triggers a stop only when the price reaches it, then fills it', async () => {
      const id = await place(request('SELL', 'SL-M', { triggerPaise: h.basePaise - ticks(5) }));
      await h.trade(h.basePaise - ticks(2));
      await h.settle();
      expect(fillEvents(id)).toEqual([]);
      expect((await bookEntry(id))?.state).toBe('TRIGGER_PENDING');
      await h.trade(h.basePaise - ticks(8));
      await h.settle();
      expect(fillEvents(id)).toHaveLength(1);
      expect((await bookEntry(id))?.state).toBe('FILLED');
    });

    it('never duplicates a fill: events and trade book agree, ids unique, quantity exact', async () => {
      const req = request('BUY', 'MARKET', { qty: 2 * h.instrument.lotSize });
      const id = await place(req);
      for (let i = 0; i < 5; i++) await h.trade(h.basePaise + ticks(i % 3));
      await h.settle();
      const pushed = fillEvents(id);
      const booked = (await h.broker.tradeBook()).filter((f) => f.brokerOrderId === id);
      const ids = pushed.map((f) => f.executionId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(booked.map((f) => f.executionId).sort()).toEqual([...ids].sort());
      expect(pushed.reduce((s, f) => s + f.qty, 0)).toBe(req.qty);
    });

    it('reflects fills in positions', async () => {
      const before = await netQty();
      await place(request('BUY', 'MARKET', { qty: 2 * h.instrument.lotSize }));
      await h.trade(h.basePaise);
      await place(request('SELL', 'MARKET'));
      await h.trade(h.basePaise + ticks(1));
      await h.settle();
      expect((await netQty()) - before).toBe(h.instrument.lotSize);
    });

    it('finds a placed order by its request, and reports none for a request never sent', async () => {
      const req = request('BUY', 'LIMIT', { pricePaise: h.basePaise - ticks(50) });
      const sentAt = Date.now();
      const id = await place(req);
      await h.settle();
      const found = await h.broker.findOrder(req, sentAt);
      expect(found).not.toBe('none');
      expect(found).not.toBe('ambiguous');
      if (typeof found !== 'string') expect(found.brokerOrderId).toBe(id);
      expect(await h.broker.findOrder(request('SELL', 'LIMIT', { pricePaise: h.basePaise + ticks(77) }), sentAt)).toBe('none');
    });
  });
}
