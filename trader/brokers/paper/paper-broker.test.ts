import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../domain/instrument';
import type { BrokerEvent, OrderRequest, SubmitOutcome } from '../../domain/order';
import type { PaperBrokerConfigInput } from './config';
import { PaperBroker } from './paper-broker';

const EQ: Instrument = { symbol: 'RELIANCE', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 };
const OPT: Instrument = { symbol: 'NIFTY28NOV2424000CE', exchange: 'NFO', type: 'OPTION', lotSize: 75, tickPaise: 5, freezeQty: 1800 };
const IDX: Instrument = { symbol: 'NIFTY', exchange: 'NSE_INDEX', type: 'INDEX', lotSize: 1, tickPaise: 5 };

let seq = 0;
function req(over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: `c${++seq}`,
    strategy: 'test',
    symbol: 'RELIANCE',
    exchange: 'NSE',
    side: 'BUY',
    qty: 10,
    product: 'MIS',
    priceType: 'MARKET',
    pricePaise: 0,
    triggerPaise: 0,
    ...over,
  };
}

function setup(config: PaperBrokerConfigInput = {}): { broker: PaperBroker; events: BrokerEvent[] } {
  const broker = new PaperBroker({ instruments: [EQ, OPT, IDX], config });
  const events: BrokerEvent[] = [];
  broker.onEvent((e) => events.push(e));
  return { broker, events };
}

function accepted(outcome: SubmitOutcome): string {
  if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(outcome)}`);
  return outcome.brokerOrderId;
}

function fillsOf(events: readonly BrokerEvent[]): { qty: number; pricePaise: number; timeMs: number }[] {
  return events.flatMap((e) => (e.kind === 'fill' ? [{ qty: e.fill.qty, pricePaise: e.fill.pricePaise, timeMs: e.fill.timeMs }] : []));
}

function stateOf(broker: PaperBroker, id: string): Promise<string | undefined> {
  return broker.orderBook().then((book) => book.find((o) => o.brokerOrderId === id)?.state);
}

describe('paper broker: market orders', () => {
  it('fill on the next tick after acceptance at the ask (BUY) and bid (SELL), never on the placing tick', () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_000, 249_995, 250_005);
    accepted(broker.placeNow(req()));
    accepted(broker.placeNow(req({ side: 'SELL', qty: 5 })));
    expect(fillsOf(events)).toEqual([]);
    broker.onTick('RELIANCE', 2_000, 250_100, 250_090, 250_110);
    expect(fillsOf(events)).toEqual([
      { qty: 10, pricePaise: 250_110, timeMs: 2_000 },
      { qty: 5, pricePaise: 250_090, timeMs: 2_000 },
    ]);
  });

  it('use last ± slippage ticks when there is no quote', () => {
    const { broker, events } = setup({ slippageTicks: 2 });
    accepted(broker.placeNow(req()));
    accepted(broker.placeNow(req({ side: 'SELL' })));
    broker.onTick('RELIANCE', 1_000, 250_000);
    expect(fillsOf(events).map((f) => f.pricePaise)).toEqual([250_010, 249_990]);
  });

  it('an order placed by a listener during a tick does not fill on that tick', () => {
    const { broker, events } = setup();
    accepted(broker.placeNow(req({ clientOrderId: 'entry' })));
    let stopId = '';
    broker.onEvent((e) => {
      if (e.kind === 'fill' && e.fill.clientOrderId === 'entry') stopId = accepted(broker.placeNow(req({ side: 'SELL' })));
    });
    broker.onTick('RELIANCE', 1_000, 250_000);
    expect(fillsOf(events)).toHaveLength(1);
    expect(stopId).not.toBe('');
    broker.onTick('RELIANCE', 2_000, 249_000);
    expect(fillsOf(events)).toHaveLength(2);
  });

  it('waits for the configured latency of market time', () => {
    const { broker, events } = setup({ latencyMs: 300 });
    broker.onTick('RELIANCE', 1_000, 250_000);
    accepted(broker.placeNow(req()));
    broker.onTick('RELIANCE', 1_200, 250_005);
    expect(fillsOf(events)).toEqual([]);
    broker.onTick('RELIANCE', 1_300, 250_010);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 250_015, timeMs: 1_300 }]);
  });

  it('caps fills by the displayed size when partial fills are on', async () => {
    const { broker, events } = setup({ partialFills: true });
    broker.onTick(1, 1_000, 10_000);
    const id = accepted(broker.placeNow(req({ symbol: OPT.symbol, exchange: 'NFO', qty: 300 })));
    broker.onTick(1, 2_000, 10_000, 9_995, 10_005, 500, 160);
    expect(fillsOf(events)).toEqual([{ qty: 150, pricePaise: 10_005, timeMs: 2_000 }]);
    expect(await stateOf(broker, id)).toBe('PARTIALLY_FILLED');
    broker.onTick(1, 3_000, 10_000, 9_995, 10_010, 500, 20);
    expect(fillsOf(events)[1]).toEqual({ qty: 75, pricePaise: 10_010, timeMs: 3_000 });
    broker.onTick(1, 4_000, 10_000, 9_995, 10_010, 500, 0);
    expect(await stateOf(broker, id)).toBe('FILLED');
    expect(fillsOf(events).reduce((s, f) => s + f.qty, 0)).toBe(300);
  });
});

describe('paper broker: limit orders', () => {
  it("'through' (default) needs the price strictly beyond the limit and fills at the limit", () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_500);
    accepted(broker.placeNow(req({ priceType: 'LIMIT', pricePaise: 250_000 })));
    broker.onTick('RELIANCE', 2_000, 250_200);
    broker.onTick('RELIANCE', 3_000, 250_000);
    expect(fillsOf(events)).toEqual([]);
    broker.onTick('RELIANCE', 4_000, 249_000); // gaps through: a resting limit fills at its price
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 250_000, timeMs: 4_000 }]);
  });

  it("'touch' fills when the price reaches the limit", () => {
    const { broker, events } = setup({ limitFillRule: 'touch' });
    broker.onTick('RELIANCE', 1_000, 250_500);
    accepted(broker.placeNow(req({ side: 'SELL', priceType: 'LIMIT', pricePaise: 251_000 })));
    broker.onTick('RELIANCE', 2_000, 251_000);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 251_000, timeMs: 2_000 }]);
  });

  it('fills at the better tick price when already marketable on its first eligible tick', () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_000);
    accepted(broker.placeNow(req({ priceType: 'LIMIT', pricePaise: 252_000 })));
    broker.onTick('RELIANCE', 2_000, 250_100);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 250_100, timeMs: 2_000 }]);
  });

  it('a modified limit is evaluated afresh from the next tick', async () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_000);
    const id = accepted(broker.placeNow(req({ priceType: 'LIMIT', pricePaise: 240_000 })));
    broker.onTick('RELIANCE', 2_000, 250_000);
    accepted(broker.modifyNow(id, { pricePaise: 251_000 }));
    expect((await broker.orderBook())[0]?.pricePaise).toBe(251_000);
    broker.onTick('RELIANCE', 3_000, 250_050);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 250_050, timeMs: 3_000 }]);
  });
});

describe('paper broker: stop orders', () => {
  it('SL-M SELL triggers at or below the trigger and fills at the tick price less slippage', () => {
    const { broker, events } = setup({ slippageTicks: 1 });
    broker.onTick('RELIANCE', 1_000, 250_000);
    accepted(broker.placeNow(req({ side: 'SELL', priceType: 'SL-M', triggerPaise: 249_000 })));
    broker.onTick('RELIANCE', 2_000, 249_005);
    expect(fillsOf(events)).toEqual([]);
    broker.onTick('RELIANCE', 3_000, 249_000);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 248_995, timeMs: 3_000 }]);
  });

  it('SL-M fills a gap at the gapped price, not at the trigger', () => {
    const { broker, events } = setup({ slippageTicks: 0 });
    broker.onTick('RELIANCE', 1_000, 250_000);
    accepted(broker.placeNow(req({ side: 'SELL', priceType: 'SL-M', triggerPaise: 249_000 })));
    accepted(broker.placeNow(req({ side: 'BUY', priceType: 'SL-M', triggerPaise: 251_000 })));
    broker.onTick('RELIANCE', 2_000, 245_000, 244_990, 245_010);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 245_000, timeMs: 2_000 }]);
    broker.onTick('RELIANCE', 3_000, 253_000);
    expect(fillsOf(events)[1]).toEqual({ qty: 10, pricePaise: 253_000, timeMs: 3_000 });
  });

  it('emits TRIGGER_PENDING on placement, then OPEN on trigger, then the fill and FILLED', () => {
    const { broker, events } = setup();
    accepted(broker.placeNow(req({ priceType: 'SL-M', triggerPaise: 251_000 })));
    broker.onTick('RELIANCE', 1_000, 251_000);
    expect(events.map((e) => (e.kind === 'order' ? e.order.state : 'fill'))).toEqual(['TRIGGER_PENDING', 'OPEN', 'fill', 'FILLED']);
  });

  it('SL triggers, then rests as a limit when the price gaps beyond it, and fills later at the limit', async () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_000);
    const id = accepted(broker.placeNow(req({ side: 'SELL', priceType: 'SL', triggerPaise: 249_000, pricePaise: 248_500 })));
    broker.onTick('RELIANCE', 2_000, 248_000); // triggered; 248000 is below the sell limit: rests
    expect(fillsOf(events)).toEqual([]);
    expect(await stateOf(broker, id)).toBe('OPEN');
    broker.onTick('RELIANCE', 3_000, 248_500); // 'through' needs strictly above
    expect(fillsOf(events)).toEqual([]);
    broker.onTick('RELIANCE', 4_000, 249_500);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 248_500, timeMs: 4_000 }]);
  });

  it('SL may fill on its triggering tick when the price allows, at that tick price', () => {
    const { broker, events } = setup();
    broker.onTick('RELIANCE', 1_000, 250_000);
    accepted(broker.placeNow(req({ side: 'BUY', priceType: 'SL', triggerPaise: 251_000, pricePaise: 251_500 })));
    broker.onTick('RELIANCE', 2_000, 251_200);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 251_200, timeMs: 2_000 }]);
  });

  it('a modified stop triggers at its new trigger', () => {
    const { broker, events } = setup({ slippageTicks: 0 });
    broker.onTick('RELIANCE', 1_000, 250_000);
    const id = accepted(broker.placeNow(req({ side: 'SELL', priceType: 'SL-M', triggerPaise: 245_000 })));
    accepted(broker.modifyNow(id, { triggerPaise: 249_000 }));
    broker.onTick('RELIANCE', 2_000, 248_900);
    expect(fillsOf(events)).toEqual([{ qty: 10, pricePaise: 248_900, timeMs: 2_000 }]);
  });
});

describe('paper broker: validation', () => {
  const cases: [string, Partial<OrderRequest>, RegExp][] = [
    ['unknown symbol', { symbol: 'NOPE' }, /NSE:NOPE not found/],
    ['an index', { symbol: 'NIFTY', exchange: 'NSE_INDEX' }, /index and cannot be traded/],
    ['zero qty', { qty: 0 }, /positive number/],
    ['fractional qty', { qty: 1.5 }, /positive number/],
    ['bad lot', { symbol: OPT.symbol, exchange: 'NFO', qty: 70 }, /multiple of the lot size 75/],
    ['above freeze', { symbol: OPT.symbol, exchange: 'NFO', qty: 1875 }, /freeze quantity 1800/],
    ['CNC option', { symbol: OPT.symbol, exchange: 'NFO', qty: 75, product: 'CNC' }, /CNC is not allowed/],
    ['limit without price', { priceType: 'LIMIT', pricePaise: 0 }, /Price is required/],
    ['price off the grid', { priceType: 'LIMIT', pricePaise: 250_003 }, /not a multiple of the tick size 0.05/],
    ['SL-M without trigger', { priceType: 'SL-M' }, /Trigger price is required/],
    ['trigger off the grid', { priceType: 'SL-M', triggerPaise: 250_001 }, /Trigger price 2500.01/],
    ['SL without price', { priceType: 'SL', triggerPaise: 250_000 }, /Price is required/],
    ['SL buy trigger above price', { priceType: 'SL', triggerPaise: 250_100, pricePaise: 250_000 }, /at or below the limit/],
    ['SL sell trigger below price', { side: 'SELL', priceType: 'SL', triggerPaise: 249_900, pricePaise: 250_000 }, /at or above the limit/],
  ];
  for (const [name, over, reason] of cases) {
    it(`rejects ${name} with a broker-style reason and no event`, () => {
      const { broker, events } = setup();
      const out = broker.placeNow(req(over));
      expect(out.kind).toBe('rejected');
      if (out.kind === 'rejected') expect(out.reason).toMatch(reason);
      expect(events).toEqual([]);
    });
  }

  it('rejects a second order with the same client order id, naming the first', () => {
    const { broker } = setup();
    const id = accepted(broker.placeNow(req({ clientOrderId: 'same' })));
    expect(broker.placeNow(req({ clientOrderId: 'same' }))).toMatchObject({ kind: 'rejected', brokerOrderId: id });
  });

  it('rejects a modification that breaks the rules and leaves the order as it was', async () => {
    const { broker } = setup();
    const id = accepted(broker.placeNow(req({ priceType: 'LIMIT', pricePaise: 240_000 })));
    expect(broker.modifyNow(id, { pricePaise: 240_002 }).kind).toBe('rejected');
    expect(broker.modifyNow('nope', { pricePaise: 240_005 }).kind).toBe('rejected');
    expect((await broker.orderBook())[0]?.pricePaise).toBe(240_000);
  });
});

describe('paper broker: cancel, books and positions', () => {
  it('cancels a working order; a filled, cancelled or unknown order gives a rejected outcome saying so', async () => {
    const { broker, events } = setup();
    const limit = accepted(broker.placeNow(req({ priceType: 'LIMIT', pricePaise: 200_000 })));
    const market = accepted(broker.placeNow(req()));
    broker.onTick('RELIANCE', 1_000, 250_000);
    expect(broker.cancelNow(limit)).toEqual({ kind: 'accepted', brokerOrderId: limit });
    expect(events.at(-1)).toMatchObject({ kind: 'order', order: { brokerOrderId: limit, state: 'CANCELLED' } });
    expect(broker.cancelNow(limit)).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/already cancelled/) as unknown });
    expect(broker.cancelNow(market)).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/already complete/) as unknown });
    expect(broker.cancelNow('paper-99')).toMatchObject({ kind: 'rejected', reason: 'Order paper-99 not found' });
    broker.onTick('RELIANCE', 2_000, 100_000);
    expect(await stateOf(broker, limit)).toBe('CANCELLED');
  });

  it('uses deterministic order and execution ids and keeps a trade book', async () => {
    const { broker } = setup();
    expect(accepted(broker.placeNow(req()))).toBe('paper-1');
    expect(accepted(broker.placeNow(req()))).toBe('paper-2');
    broker.onTick('RELIANCE', 1_000, 250_000);
    expect((await broker.tradeBook()).map((f) => f.executionId)).toEqual(['paper-1-1', 'paper-2-1']);
  });

  it('nets positions with average price, through a flip', async () => {
    const { broker } = setup({ slippageTicks: 0 });
    accepted(broker.placeNow(req({ qty: 10 })));
    broker.onTick('RELIANCE', 1_000, 100_000);
    accepted(broker.placeNow(req({ qty: 10 })));
    broker.onTick('RELIANCE', 2_000, 101_000);
    expect(await broker.positions()).toEqual([{ symbol: 'RELIANCE', exchange: 'NSE', product: 'MIS', netQty: 20, avgPricePaise: 100_500 }]);
    accepted(broker.placeNow(req({ side: 'SELL', qty: 5 })));
    broker.onTick('RELIANCE', 3_000, 102_000);
    expect((await broker.positions())[0]).toMatchObject({ netQty: 15, avgPricePaise: 100_500 });
    accepted(broker.placeNow(req({ side: 'SELL', qty: 25 })));
    broker.onTick('RELIANCE', 4_000, 103_000);
    expect((await broker.positions())[0]).toMatchObject({ netQty: -10, avgPricePaise: 103_000 });
    accepted(broker.placeNow(req({ qty: 10 })));
    broker.onTick('RELIANCE', 5_000, 99_000);
    expect((await broker.positions())[0]).toMatchObject({ netQty: 0, avgPricePaise: 0 });
  });

  it('finds an order by client order id', async () => {
    const { broker } = setup();
    const r = req({ priceType: 'LIMIT', pricePaise: 200_000 });
    const id = accepted(broker.placeNow(r));
    expect(await broker.findOrder(r, 0)).toMatchObject({ brokerOrderId: id, clientOrderId: r.clientOrderId, state: 'OPEN' });
    expect(await broker.findOrder(req(), 0)).toBe('none');
  });

  it('emits the OPEN order event before placement resolves', async () => {
    const { broker, events } = setup();
    const p = broker.placeOrder(req());
    expect(events).toHaveLength(1);
    expect(await p).toMatchObject({ kind: 'accepted' });
  });

  it('ignores ticks for unknown symbols and indices out of range', () => {
    const { broker, events } = setup();
    accepted(broker.placeNow(req()));
    broker.onTick('NOPE', 1_000, 1);
    broker.onTick(99, 1_000, 1);
    expect(events).toHaveLength(1);
    expect(broker.symbolIndex('RELIANCE')).toBe(0);
    expect(broker.symbolIndex('NOPE')).toBe(-1);
  });

  it('stops delivering events after unsubscribe', () => {
    const { broker } = setup();
    const seen: BrokerEvent[] = [];
    const off = broker.onEvent((e) => seen.push(e));
    off();
    accepted(broker.placeNow(req()));
    expect(seen).toEqual([]);
  });
});
