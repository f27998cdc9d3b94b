import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BrokerOrderView, Fill, OrderRequest, OrderState } from '../domain/order';
import { applyAll, createOrderRecord, isTerminal, transition } from './state-machine';
import type { OrderInput, OrderRecord, TransitionResult } from './state-machine';

const REQ: OrderRequest = {
  clientOrderId: 'tfl-RELIANCE-1-ENTRY',
  strategy: 'tfl',
  symbol: 'RELIANCE',
  exchange: 'NSE',
  side: 'BUY',
  qty: 10,
  product: 'MIS',
  priceType: 'LIMIT',
  pricePaise: 250_000,
  triggerPaise: 0,
};
const STOP: OrderRequest = { ...REQ, clientOrderId: 'tfl-RELIANCE-1-STOP', side: 'SELL', priceType: 'SL-M', pricePaise: 0, triggerPaise: 245_000 };

function fill(executionId: string, qty: number, pricePaise: number, brokerOrderId = 'B1'): Fill {
  return { executionId, brokerOrderId, symbol: 'RELIANCE', exchange: 'NSE', side: 'BUY', qty, pricePaise, timeMs: 10 };
}

function view(state: OrderState, filledQty: number | null, extra: Partial<BrokerOrderView> = {}): BrokerOrderView {
  return {
    brokerOrderId: 'B1',
    symbol: 'RELIANCE',
    exchange: 'NSE',
    side: 'BUY',
    product: 'MIS',
    priceType: 'LIMIT',
    qty: 10,
    filledQty,
    avgFillPaise: null,
    pricePaise: 250_000,
    triggerPaise: 0,
    state,
    ...extra,
  };
}

function ok(result: TransitionResult): OrderRecord {
  if (!result.ok) throw new Error(result.error.message);
  return result.record;
}

function open(request: OrderRequest = REQ): OrderRecord {
  return ok(transition(createOrderRecord(request, 'ENTRY', 0), { kind: 'SUBMIT_ACCEPTED', timeMs: 1, brokerOrderId: 'B1' }));
}

describe('order state machine: submission', () => {
  it('accepts a limit into OPEN and a stop into TRIGGER_PENDING', () => {
    expect(open().state).toBe('OPEN');
    expect(open(STOP).state).toBe('TRIGGER_PENDING');
    expect(open().brokerOrderId).toBe('B1');
    expect(open().version).toBe(1);
  });

  it('rejects into REJECTED with the reason', () => {
    const r = ok(transition(createOrderRecord(REQ, 'ENTRY', 0), { kind: 'SUBMIT_REJECTED', timeMs: 1, reason: 'RMS: margin' }));
    expect(r.state).toBe('REJECTED');
    expect(r.rejectReason).toBe('RMS: margin');
  });

  it('turns a lost answer into UNKNOWN, then adopts the order found by reconciliation', () => {
    const unknown = ok(transition(createOrderRecord(REQ, 'ENTRY', 0), { kind: 'SUBMIT_UNKNOWN', timeMs: 1, reason: 'timeout' }));
    expect(unknown.state).toBe('UNKNOWN');
    const adopted = ok(transition(unknown, { kind: 'BROKER_UPDATE', timeMs: 2, view: view('OPEN', 0) }));
    expect(adopted.state).toBe('OPEN');
    expect(adopted.brokerOrderId).toBe('B1');
  });

  it('reconcile-not-found either goes back to PENDING_SUBMIT (resubmit once) or abandons', () => {
    const unknown = ok(transition(createOrderRecord(REQ, 'ENTRY', 0), { kind: 'SUBMIT_UNKNOWN', timeMs: 1, reason: 'timeout' }));
    expect(ok(transition(unknown, { kind: 'RECONCILED_NOT_FOUND', timeMs: 2, then: 'RESUBMIT' })).state).toBe('PENDING_SUBMIT');
    const abandoned = ok(transition(unknown, { kind: 'RECONCILED_NOT_FOUND', timeMs: 2, then: 'ABANDON' }));
    expect(abandoned.state).toBe('REJECTED');
    expect(abandoned.rejectReason).toBe('not found at broker');
  });

  it('keeps a fill that arrives before the placement answer (reliability case 20)', () => {
    let r = createOrderRecord(REQ, 'ENTRY', 0);
    r = ok(transition(r, { kind: 'FILL', timeMs: 1, fill: fill('E1', 4, 250_000) }));
    expect(r.state).toBe('PARTIALLY_FILLED');
    expect(r.brokerOrderId).toBe('B1');
    r = ok(transition(r, { kind: 'SUBMIT_ACCEPTED', timeMs: 2, brokerOrderId: 'B1' }));
    expect(r.state).toBe('PARTIALLY_FILLED');
    expect(r.filledQty).toBe(4);
  });

  it('treats the HTTP accept after the broker push as a no-op', () => {
    let r = createOrderRecord(REQ, 'ENTRY', 0);
    r = ok(transition(r, { kind: 'BROKER_UPDATE', timeMs: 1, view: view('OPEN', 0) }));
    const again = transition(r, { kind: 'SUBMIT_ACCEPTED', timeMs: 2, brokerOrderId: 'B1' });
    expect(again.ok && !again.changed).toBe(true);
  });

  it('refuses an accept under a different broker id', () => {
    const res = transition(open(), { kind: 'SUBMIT_ACCEPTED', timeMs: 2, brokerOrderId: 'B2' });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('MISMATCH');
  });
});

describe('order state machine: fills', () => {
  it('goes PARTIALLY_FILLED then FILLED with an exact volume-weighted average', () => {
    let r = open();
    r = ok(transition(r, { kind: 'FILL', timeMs: 2, fill: fill('E1', 3, 250_000) }));
    expect(r.state).toBe('PARTIALLY_FILLED');
    r = ok(transition(r, { kind: 'FILL', timeMs: 3, fill: fill('E2', 7, 250_005) }));
    expect(r.state).toBe('FILLED');
    expect(r.execNotionalPaise).toBe(3 * 250_000 + 7 * 250_005);
    expect(r.avgFillPaise).toBe((3 * 250_000 + 7 * 250_005) / 10);
  });

  it('applies a repeated execution id once and reports it as a duplicate', () => {
    const once = ok(transition(open(), { kind: 'FILL', timeMs: 2, fill: fill('E1', 3, 250_000) }));
    const twice = transition(once, { kind: 'FILL', timeMs: 3, fill: fill('E1', 3, 250_000) });
    expect(twice.ok && twice.duplicate && !twice.changed).toBe(true);
    expect(twice.record).toBe(once);
  });

  it('refuses a fill that would exceed the order quantity, leaving the record untouched', () => {
    const r = ok(transition(open(), { kind: 'FILL', timeMs: 2, fill: fill('E1', 8, 250_000) }));
    const res = transition(r, { kind: 'FILL', timeMs: 3, fill: fill('E2', 3, 250_000) });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('OVERFILL');
    expect(res.record).toBe(r);
  });

  it('refuses a fill for another order or side', () => {
    expect(transition(open(), { kind: 'FILL', timeMs: 2, fill: fill('E1', 1, 250_000, 'B9') }).ok).toBe(false);
    expect(transition(open(), { kind: 'FILL', timeMs: 2, fill: { ...fill('E1', 1, 250_000), side: 'SELL' } }).ok).toBe(false);
  });

  it('applies a fill that arrives after the cancel was confirmed (the cancel raced the exchange)', () => {
    let r = open();
    r = ok(transition(r, { kind: 'CANCEL_REQUESTED', timeMs: 2 }));
    r = ok(transition(r, { kind: 'CANCEL_CONFIRMED', timeMs: 3 }));
    expect(r.state).toBe('CANCELLED');
    const partial = transition(r, { kind: 'FILL', timeMs: 4, fill: fill('E1', 4, 250_000) });
    expect(partial.ok && partial.lateFill).toBe(true);
    expect(partial.record.state).toBe('CANCELLED');
    expect(partial.record.filledQty).toBe(4);
    const full = transition(partial.record, { kind: 'FILL', timeMs: 5, fill: fill('E2', 6, 250_000) });
    expect(full.record.state).toBe('FILLED');
  });

  it('ends FILLED, not CANCELLED, when the cancel loses the race (reliability case 11)', () => {
    let r = open();
    r = ok(transition(r, { kind: 'CANCEL_REQUESTED', timeMs: 2 }));
    r = ok(transition(r, { kind: 'FILL', timeMs: 3, fill: fill('E1', 10, 250_000) }));
    expect(r.state).toBe('FILLED');
    expect(r.pendingCancel).toBe(false);
    const failed = transition(r, { kind: 'CANCEL_FAILED', timeMs: 4, reason: 'already complete' });
    expect(failed.ok && !failed.changed).toBe(true);
    const confirmed = transition(r, { kind: 'CANCEL_CONFIRMED', timeMs: 4 });
    expect(confirmed.ok && confirmed.record.state).toBe('FILLED');
  });
});

describe('order state machine: broker updates', () => {
  it('adopts broker fills reported without executions and keeps them when a stale poll says less', () => {
    let r = open();
    r = ok(transition(r, { kind: 'BROKER_UPDATE', timeMs: 2, view: view('OPEN', 6, { avgFillPaise: 250_010 }) }));
    expect(r.state).toBe('PARTIALLY_FILLED');
    expect(r.filledQty).toBe(6);
    expect(r.avgFillPaise).toBe(250_010);
    const stale = transition(r, { kind: 'BROKER_UPDATE', timeMs: 3, view: view('OPEN', 0) });
    expect(stale.record.filledQty).toBe(6);
    expect(stale.record.state).toBe('PARTIALLY_FILLED');
  });

  it('treats an OpenAlgo "complete" without a filled quantity as fully filled', () => {
    const r = ok(transition(open(), { kind: 'BROKER_UPDATE', timeMs: 2, view: view('FILLED', null) }));
    expect(r.state).toBe('FILLED');
    expect(r.filledQty).toBe(10);
    // The executions then arrive from the tradebook and are recorded without overfilling.
    const withExec = ok(transition(r, { kind: 'FILL', timeMs: 3, fill: fill('E1', 10, 250_000) }));
    expect(withExec.filledQty).toBe(10);
    expect(withExec.avgFillPaise).toBe(250_000);
  });

  it('does not pull a terminal order back to a working state', () => {
    const filled = ok(transition(open(), { kind: 'FILL', timeMs: 2, fill: fill('E1', 10, 250_000) }));
    const res = transition(filled, { kind: 'BROKER_UPDATE', timeMs: 3, view: view('OPEN', 0) });
    expect(res.ok && !res.changed).toBe(true);
  });

  it('adopts a cancellation by the broker', () => {
    const r = ok(transition(open(), { kind: 'BROKER_UPDATE', timeMs: 2, view: view('CANCELLED', 0) }));
    expect(r.state).toBe('CANCELLED');
  });
});

describe('order state machine: cancel and modify', () => {
  it('marks pending cancel and pending modify, and clears them on confirmation or failure', () => {
    let r = open(STOP);
    r = ok(transition(r, { kind: 'MODIFY_REQUESTED', timeMs: 2, change: { triggerPaise: 246_000 } }));
    expect(r.pendingModify).toEqual({ triggerPaise: 246_000 });
    expect(r.request.triggerPaise).toBe(245_000);
    r = ok(transition(r, { kind: 'MODIFY_CONFIRMED', timeMs: 3 }));
    expect(r.request.triggerPaise).toBe(246_000);
    expect(r.pendingModify).toBeNull();
    r = ok(transition(r, { kind: 'MODIFY_REQUESTED', timeMs: 4, change: { triggerPaise: 247_000 } }));
    r = ok(transition(r, { kind: 'MODIFY_FAILED', timeMs: 5, reason: '503' }));
    expect(r.request.triggerPaise).toBe(246_000);
    expect(r.lastError).toBe('503');
    r = ok(transition(r, { kind: 'CANCEL_REQUESTED', timeMs: 6 }));
    expect(r.pendingCancel).toBe(true);
    r = ok(transition(r, { kind: 'CANCEL_FAILED', timeMs: 7, reason: 'x' }));
    expect(r.pendingCancel).toBe(false);
    expect(r.state).toBe('TRIGGER_PENDING');
  });

  it('refuses a second modify while one is pending and a quantity below what has filled', () => {
    let r = open();
    r = ok(transition(r, { kind: 'FILL', timeMs: 2, fill: fill('E1', 4, 250_000) }));
    expect(transition(r, { kind: 'MODIFY_REQUESTED', timeMs: 3, change: { qty: 4 } }).ok).toBe(false);
    r = ok(transition(r, { kind: 'MODIFY_REQUESTED', timeMs: 3, change: { qty: 5 } }));
    expect(transition(r, { kind: 'MODIFY_REQUESTED', timeMs: 3, change: { qty: 6 } }).ok).toBe(false);
    r = ok(transition(r, { kind: 'FILL', timeMs: 4, fill: fill('E2', 1, 250_000) }));
    r = ok(transition(r, { kind: 'MODIFY_CONFIRMED', timeMs: 5 }));
    expect(r.request.qty).toBe(5);
    expect(r.state).toBe('FILLED');
  });

  it('names from and to on an invalid transition and never throws', () => {
    const res = transition(createOrderRecord(REQ, 'ENTRY', 0), { kind: 'CANCEL_REQUESTED', timeMs: 1 });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error).toMatchObject({ code: 'INVALID_TRANSITION', from: 'PENDING_SUBMIT', to: 'CANCELLED' });
      expect(res.error.message).toContain('PENDING_SUBMIT → CANCELLED');
    }
  });
});

// ----- properties -----

const QTY = 20;
const PROP_REQ: OrderRequest = { ...REQ, qty: QTY };

/** A set of fills with distinct execution ids whose total does not exceed QTY. */
const fillsArb = fc
  .array(fc.record({ qty: fc.integer({ min: 1, max: 6 }), pricePaise: fc.integer({ min: 1, max: 50_000 }).map((p) => p * 5) }), {
    maxLength: 8,
  })
  .map((parts) => {
    const out: Fill[] = [];
    let total = 0;
    for (const [i, p] of parts.entries()) {
      if (total + p.qty > QTY) break;
      total += p.qty;
      out.push(fill(`E${i}`, p.qty, p.pricePaise));
    }
    return out;
  });

const STATES: readonly OrderState[] = ['PENDING_SUBMIT', 'OPEN', 'TRIGGER_PENDING', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED', 'UNKNOWN'];

function inputArb(): fc.Arbitrary<OrderInput> {
  const t = fc.integer({ min: 0, max: 1000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('SUBMIT_ACCEPTED' as const), timeMs: t, brokerOrderId: fc.constantFrom('B1', 'B2') }),
    fc.record({ kind: fc.constant('SUBMIT_REJECTED' as const), timeMs: t, reason: fc.constant('no') }),
    fc.record({ kind: fc.constant('SUBMIT_UNKNOWN' as const), timeMs: t, reason: fc.constant('timeout') }),
    fc.record({
      kind: fc.constant('BROKER_UPDATE' as const),
      timeMs: t,
      view: fc
        .record({ state: fc.constantFrom(...STATES), filledQty: fc.option(fc.integer({ min: 0, max: QTY }), { nil: null }) })
        .map((v) => view(v.state, v.filledQty, { qty: QTY })),
    }),
    fc.record({
      kind: fc.constant('FILL' as const),
      fill: fc
        .record({ id: fc.integer({ min: 0, max: 12 }), qty: fc.integer({ min: 1, max: 8 }), price: fc.integer({ min: 1, max: 1000 }) })
        .map((f) => fill(`X${f.id}`, f.qty, f.price * 5)),
    }),
    fc.record({ kind: fc.constant('CANCEL_REQUESTED' as const), timeMs: t }),
    fc.record({ kind: fc.constant('CANCEL_CONFIRMED' as const), timeMs: t }),
    fc.record({ kind: fc.constant('CANCEL_FAILED' as const), timeMs: t, reason: fc.constant('x') }),
    fc.record({ kind: fc.constant('MODIFY_REQUESTED' as const), timeMs: t, change: fc.record({ qty: fc.integer({ min: 1, max: QTY }) }) }),
    fc.record({ kind: fc.constant('MODIFY_CONFIRMED' as const), timeMs: t }),
    fc.record({ kind: fc.constant('MODIFY_FAILED' as const), timeMs: t, reason: fc.constant('x') }),
    fc.record({ kind: fc.constant('RECONCILED_NOT_FOUND' as const), timeMs: t, then: fc.constantFrom('RESUBMIT' as const, 'ABANDON' as const) }),
  );
}

function fillInputs(fills: readonly Fill[]): OrderInput[] {
  return fills.map((f) => ({ kind: 'FILL', timeMs: 5, fill: f }));
}

describe('order state machine: properties', () => {
  it('filled qty never exceeds the order qty and never decreases; version strictly increases on change', () => {
    fc.assert(
      fc.property(fc.array(inputArb(), { maxLength: 40 }), (inputs) => {
        let r = createOrderRecord(PROP_REQ, 'ENTRY', 0);
        for (const input of inputs) {
          const res = transition(r, input);
          expect(res.record.filledQty).toBeLessThanOrEqual(res.record.request.qty);
          expect(res.record.execFilledQty).toBeLessThanOrEqual(res.record.filledQty);
          expect(res.record.filledQty).toBeGreaterThanOrEqual(r.filledQty);
          if (!res.ok) expect(res.record).toBe(r);
          else if (res.changed) expect(res.record.version).toBe(r.version + 1);
          else expect(res.record).toBe(r);
          r = res.record;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('applying the same fill twice equals applying it once', () => {
    fc.assert(
      fc.property(fillsArb, fc.nat(), (fills, pick) => {
        const base = open(PROP_REQ);
        const once = applyAll(base, fillInputs(fills));
        if (fills.length === 0) return;
        const dup = fills[pick % fills.length];
        if (dup === undefined) return;
        const twice = applyAll(base, [...fillInputs(fills), ...fillInputs([dup])]);
        expect(twice.record).toEqual(once.record);
      }),
    );
  });

  it('any interleaving of a set of fills gives the same filled qty and average', () => {
    fc.assert(
      fc.property(
        fillsArb.chain((fills) => fc.tuple(fc.constant(fills), fc.shuffledSubarray(fills, { minLength: fills.length, maxLength: fills.length }))),
        ([fills, shuffled]) => {
          const a = applyAll(open(PROP_REQ), fillInputs(fills));
          const b = applyAll(open(PROP_REQ), fillInputs(shuffled));
          expect(a.ok && b.ok).toBe(true);
          expect(b.record.filledQty).toBe(a.record.filledQty);
          expect(b.record.avgFillPaise).toBe(a.record.avgFillPaise);
          expect(b.record.execNotionalPaise).toBe(a.record.execNotionalPaise);
          expect(b.record.state).toBe(a.record.state);
        },
      ),
    );
  });

  it('terminal states absorb every input except late fills', () => {
    fc.assert(
      fc.property(fc.array(inputArb(), { maxLength: 30 }), inputArb(), (prefix, next) => {
        const r = applyAllLenient(createOrderRecord(PROP_REQ, 'ENTRY', 0), prefix);
        if (!isTerminal(r.state)) return;
        const res = transition(r, next);
        expect(isTerminal(res.record.state)).toBe(true);
        if (res.ok && res.changed) {
          // Only more fills (an execution or a broker report of more filled) or clearing a marker.
          const moreFilled = res.record.filledQty > r.filledQty || res.record.execFilledQty > r.execFilledQty;
          const markerCleared = r.pendingModify !== null && res.record.pendingModify === null;
          expect(moreFilled || markerCleared).toBe(true);
          if (r.state === 'FILLED') expect(res.record.state).toBe('FILLED');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function applyAllLenient(record: OrderRecord, inputs: readonly OrderInput[]): OrderRecord {
  let r = record;
  for (const input of inputs) r = transition(r, input).record;
  return r;
}
