import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PaperBroker } from '../../trader/brokers/paper/paper-broker';
import type { Instrument } from '../../trader/domain/instrument';
import type { BrokerEvent, OrderRequest, PriceType, Side } from '../../trader/domain/order';
import { createOrderRecord, transition } from '../../trader/orders/state-machine';
import type { OrderInput, OrderRecord } from '../../trader/orders/state-machine';

/**
 * The two halves meet: every paper-broker event and outcome is fed through the order state
 * machine the way the order manager does (events arrive synchronously, before the outcome). For
 * any sequence of ticks, placements, modifications and cancels, no input is refused and our
 * records end up exactly where the broker's book is.
 */

const INST: Instrument = { symbol: 'SBIN', exchange: 'NSE', type: 'EQUITY', lotSize: 5, tickPaise: 5 };
const BASE = 80_000;

type Action =
  | { readonly kind: 'tick'; readonly move: number; readonly quoted: boolean }
  | { readonly kind: 'place'; readonly side: Side; readonly priceType: PriceType; readonly lots: number; readonly offset: number; readonly gap: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'modify'; readonly pick: number; readonly offset: number; readonly lots: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tick' as const), move: fc.integer({ min: -6, max: 6 }), quoted: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      side: fc.constantFrom<Side>('BUY', 'SELL'),
      priceType: fc.constantFrom<PriceType>('MARKET', 'LIMIT', 'SL', 'SL-M'),
      lots: fc.integer({ min: 1, max: 4 }),
      offset: fc.integer({ min: -8, max: 8 }),
      gap: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), offset: fc.integer({ min: -8, max: 8 }), lots: fc.integer({ min: 1, max: 5 }) }),
  },
);

describe('paper broker events tracked by the order state machine', () => {
  it('never refuses a broker event and ends in agreement with the broker book and positions', async () => {
    let totalFills = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 10, maxLength: 80 }), fc.boolean(), async (actions, partialFills) => {
        const broker = new PaperBroker({ instruments: [INST], config: { partialFills } });
        const records = new Map<string, OrderRecord>();
        const errors: string[] = [];
        const apply = (clientOrderId: string, input: OrderInput): void => {
          const r = records.get(clientOrderId);
          if (r === undefined) throw new Error(`no record for ${clientOrderId}`);
          const res = transition(r, input);
          if (!res.ok) errors.push(`${input.kind}: ${res.error.message}`);
          records.set(clientOrderId, res.record);
        };
        broker.onEvent((e: BrokerEvent) => {
          if (e.kind === 'order') apply(e.order.clientOrderId ?? '', { kind: 'BROKER_UPDATE', timeMs: e.order.timeMs ?? 0, view: e.order });
          else apply(e.fill.clientOrderId ?? '', { kind: 'FILL', fill: e.fill });
        });

        let price = BASE;
        let t = 0;
        let n = 0;
        for (const a of actions) {
          const ids = [...records.values()].filter((r) => r.brokerOrderId !== null);
          switch (a.kind) {
            case 'tick':
              price = Math.max(INST.tickPaise, price + a.move * INST.tickPaise);
              t += 1000;
              broker.onTick('SBIN', t, price, a.quoted ? price - 5 : 0, a.quoted ? price + 5 : 0, a.quoted ? 10 : 0, a.quoted ? 10 : 0);
              break;
            case 'place': {
              const trig = price + a.offset * INST.tickPaise;
              const limit = a.priceType === 'SL' ? trig + (a.side === 'BUY' ? a.gap : -a.gap) * INST.tickPaise : trig;
              const req: OrderRequest = {
                clientOrderId: `c${++n}`,
                strategy: 'p',
                symbol: 'SBIN',
                exchange: 'NSE',
                side: a.side,
                qty: a.lots * INST.lotSize,
                product: 'MIS',
                priceType: a.priceType,
                pricePaise: a.priceType === 'LIMIT' || a.priceType === 'SL' ? limit : 0,
                triggerPaise: a.priceType === 'SL' || a.priceType === 'SL-M' ? trig : 0,
              };
              records.set(req.clientOrderId, createOrderRecord(req, 'ENTRY', t));
              const out = broker.placeNow(req);
              if (out.kind === 'accepted') apply(req.clientOrderId, { kind: 'SUBMIT_ACCEPTED', timeMs: t, brokerOrderId: out.brokerOrderId });
              else if (out.kind === 'rejected') apply(req.clientOrderId, { kind: 'SUBMIT_REJECTED', timeMs: t, reason: out.reason });
              break;
            }
            case 'cancel': {
              const r = ids[a.pick % Math.max(1, ids.length)];
              if (r === undefined || r.brokerOrderId === null) break;
              const cid = r.request.clientOrderId;
              if (!transition(r, { kind: 'CANCEL_REQUESTED', timeMs: t }).ok) break; // we would not send it
              apply(cid, { kind: 'CANCEL_REQUESTED', timeMs: t });
              const out = broker.cancelNow(r.brokerOrderId);
              apply(cid, out.kind === 'accepted' ? { kind: 'CANCEL_CONFIRMED', timeMs: t } : { kind: 'CANCEL_FAILED', timeMs: t, reason: out.reason });
              break;
            }
            case 'modify': {
              const r = ids[a.pick % Math.max(1, ids.length)];
              if (r === undefined || r.brokerOrderId === null) break;
              const cid = r.request.clientOrderId;
              const p = price + a.offset * INST.tickPaise;
              const change =
                r.request.priceType === 'SL-M'
                  ? { triggerPaise: p, qty: a.lots * INST.lotSize }
                  : r.request.priceType === 'SL'
                    ? { triggerPaise: p, pricePaise: p, qty: a.lots * INST.lotSize }
                    : r.request.priceType === 'LIMIT'
                      ? { pricePaise: p, qty: a.lots * INST.lotSize }
                      : { qty: a.lots * INST.lotSize };
              if (!transition(r, { kind: 'MODIFY_REQUESTED', timeMs: t, change }).ok) break;
              apply(cid, { kind: 'MODIFY_REQUESTED', timeMs: t, change });
              const out = broker.modifyNow(r.brokerOrderId, change);
              apply(cid, out.kind === 'accepted' ? { kind: 'MODIFY_CONFIRMED', timeMs: t } : { kind: 'MODIFY_FAILED', timeMs: t, reason: out.reason });
              break;
            }
          }
        }

        expect(errors).toEqual([]);
        totalFills += (await broker.tradeBook()).length;
        const book = new Map((await broker.orderBook()).map((v) => [v.clientOrderId, v]));
        let net = 0;
        for (const r of records.values()) {
          const v = book.get(r.request.clientOrderId);
          if (v === undefined) {
            expect(r.state).toBe('REJECTED');
            continue;
          }
          expect(r.state).toBe(v.state);
          expect(r.filledQty).toBe(v.filledQty);
          expect(r.execFilledQty).toBe(r.filledQty);
          expect(r.request.qty).toBe(v.qty);
          expect(r.request.pricePaise).toBe(v.pricePaise);
          expect(r.request.triggerPaise).toBe(v.triggerPaise);
          expect(r.pendingCancel || r.pendingModify !== null).toBe(false);
          expect(r.avgFillPaise === null ? null : Math.round(r.avgFillPaise)).toBe(v.avgFillPaise);
          net += (r.request.side === 'BUY' ? 1 : -1) * r.execFilledQty;
        }
        const pos = (await broker.positions())[0];
        expect(pos?.netQty ?? 0).toBe(net);
      }),
      { numRuns: 300 },
    );
    // Not vacuous: the runs between them exercised plenty of executions.
    expect(totalFills).toBeGreaterThan(300);
  });
});
