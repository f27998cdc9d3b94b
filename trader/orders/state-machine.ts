import type { Paise } from '../domain/money';
import type { BrokerOrderView, Fill, OrderChange, OrderPurpose, OrderRequest, OrderState } from '../domain/order';

/**
 * The order state machine: a pure reducer over one order's record. It never throws and never
 * reads a clock: every input carries its time, and an input that makes no sense in the current
 * state comes back as an error result naming from/to, with the record untouched.
 *
 * Truth rules (reliability.md §0):
 * - a fill applies once per `executionId`; a repeat is a reported no-op;
 * - fills are never lost: a fill after a confirmed cancel (the cancel raced the exchange) or after
 *   a "not found" rejection is still applied, because the position at the broker beats our view;
 * - a broker order view is adopted, except that it can never lower the filled quantity nor pull a
 *   terminal order back to a working state (a stale poll arriving after the push).
 */

/** Filled notional and quantity from the executions we applied, plus what the broker reported. */
export interface OrderRecord {
  /** The order's current terms: the original request, with confirmed modifications applied. */
  readonly request: OrderRequest;
  readonly purpose: OrderPurpose;
  readonly state: OrderState;
  readonly brokerOrderId: string | null;
  /** Authoritative filled quantity: max(executions applied, broker-reported). Never decreases. */
  readonly filledQty: number;
  /** Sum of the quantities of the executions applied (≤ filledQty). */
  readonly execFilledQty: number;
  /** Σ qty × price over the executions applied, integer paise (exact). */
  readonly execNotionalPaise: number;
  /**
   * Volume-weighted average fill price: execNotionalPaise / execFilledQty when the executions
   * cover the filled quantity, else the broker's reported average. May be fractional (e.g. 102.5
   * paise); it is the exact quotient, never rounded; P&L should use execNotionalPaise.
   */
  readonly avgFillPaise: number | null;
  /** Execution ids applied, in arrival order (an array, so the record serialises as JSON). */
  readonly executionIds: readonly string[];
  /** Increments on every change; unchanged by no-ops and errors. */
  readonly version: number;
  readonly pendingCancel: boolean;
  /** The modification sent and not yet confirmed or failed. */
  readonly pendingModify: OrderChange | null;
  readonly rejectReason: string | null;
  /** Last failure note (unknown submit, cancel or modify failure), for the journal. */
  readonly lastError: string | null;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** Everything that can happen to an order. */
export type OrderInput =
  | { readonly kind: 'SUBMIT_ACCEPTED'; readonly timeMs: number; readonly brokerOrderId: string }
  | { readonly kind: 'SUBMIT_REJECTED'; readonly timeMs: number; readonly reason: string; readonly brokerOrderId?: string }
  | { readonly kind: 'SUBMIT_UNKNOWN'; readonly timeMs: number; readonly reason: string }
  | { readonly kind: 'BROKER_UPDATE'; readonly timeMs: number; readonly view: BrokerOrderView }
  /** `timeMs` defaults to the fill's own time. */
  | { readonly kind: 'FILL'; readonly fill: Fill; readonly timeMs?: number }
  | { readonly kind: 'CANCEL_REQUESTED'; readonly timeMs: number }
  | { readonly kind: 'CANCEL_CONFIRMED'; readonly timeMs: number }
  | { readonly kind: 'CANCEL_FAILED'; readonly timeMs: number; readonly reason: string }
  | { readonly kind: 'MODIFY_REQUESTED'; readonly timeMs: number; readonly change: OrderChange }
  | { readonly kind: 'MODIFY_CONFIRMED'; readonly timeMs: number }
  | { readonly kind: 'MODIFY_FAILED'; readonly timeMs: number; readonly reason: string }
  /**
   * A reconciliation (after `submitUnknown`, or a working order missing from the broker's book)
   * found nothing. RESUBMIT: back to PENDING_SUBMIT so the manager may send once more with the
   * same client order id; ABANDON (the default): REJECTED (or CANCELLED when something had filled).
   */
  | { readonly kind: 'RECONCILED_NOT_FOUND'; readonly timeMs: number; readonly then?: 'RESUBMIT' | 'ABANDON' };

export type OrderInputKind = OrderInput['kind'];

export type TransitionErrorCode = 'INVALID_TRANSITION' | 'OVERFILL' | 'MISMATCH' | 'INVALID_CHANGE';

export interface TransitionError {
  readonly code: TransitionErrorCode;
  readonly input: OrderInputKind;
  readonly from: OrderState;
  /** The state the input would have led to, when there is one. */
  readonly to: OrderState | null;
  readonly message: string;
}

export type TransitionResult =
  | {
      readonly ok: true;
      readonly record: OrderRecord;
      /** False for a no-op (absorbed by a terminal state, idempotent repeat, duplicate fill). */
      readonly changed: boolean;
      /** The input was a fill whose executionId had already been applied. */
      readonly duplicate: boolean;
      /** A fill applied to a CANCELLED or REJECTED order (cancel raced a fill): alert-worthy. */
      readonly lateFill: boolean;
      readonly from: OrderState;
      readonly to: OrderState;
    }
  | { readonly ok: false; readonly record: OrderRecord; readonly error: TransitionError };

const WORKING: ReadonlySet<OrderState> = new Set(['OPEN', 'TRIGGER_PENDING', 'PARTIALLY_FILLED']);
const TERMINAL: ReadonlySet<OrderState> = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

export function isTerminal(state: OrderState): boolean {
  return TERMINAL.has(state);
}

export function isWorking(state: OrderState): boolean {
  return WORKING.has(state);
}

/** A new order, saved (journalled) before any network call. */
export function createOrderRecord(request: OrderRequest, purpose: OrderPurpose, timeMs: number): OrderRecord {
  return {
    request,
    purpose,
    state: 'PENDING_SUBMIT',
    brokerOrderId: null,
    filledQty: 0,
    execFilledQty: 0,
    execNotionalPaise: 0,
    avgFillPaise: null,
    executionIds: [],
    version: 0,
    pendingCancel: false,
    pendingModify: null,
    rejectReason: null,
    lastError: null,
    createdMs: timeMs,
    updatedMs: timeMs,
  };
}

/** The working state an accepted order rests in: stops wait for their trigger. */
export function restingState(request: OrderRequest): OrderState {
  return request.priceType === 'SL' || request.priceType === 'SL-M' ? 'TRIGGER_PENDING' : 'OPEN';
}

export function transition(record: OrderRecord, input: OrderInput): TransitionResult {
  switch (input.kind) {
    case 'SUBMIT_ACCEPTED':
      return onSubmitAccepted(record, input.brokerOrderId, input.timeMs);
    case 'SUBMIT_REJECTED':
      return onSubmitRejected(record, input.reason, input.brokerOrderId, input.timeMs);
    case 'SUBMIT_UNKNOWN':
      if (record.state !== 'PENDING_SUBMIT') return invalid(record, input.kind, 'UNKNOWN');
      return changed(record, { state: 'UNKNOWN', lastError: input.reason }, input.timeMs);
    case 'BROKER_UPDATE':
      return onBrokerUpdate(record, input.view, input.timeMs);
    case 'FILL':
      return onFill(record, input.fill, input.timeMs ?? input.fill.timeMs);
    case 'CANCEL_REQUESTED':
      if (!WORKING.has(record.state)) return invalid(record, input.kind, 'CANCELLED');
      if (record.pendingCancel) return noop(record);
      return changed(record, { pendingCancel: true }, input.timeMs);
    case 'CANCEL_CONFIRMED':
      if (TERMINAL.has(record.state)) return noop(record);
      if (!WORKING.has(record.state)) return invalid(record, input.kind, 'CANCELLED');
      return changed(record, { state: 'CANCELLED', pendingCancel: false, pendingModify: null }, input.timeMs);
    case 'CANCEL_FAILED':
      if (!record.pendingCancel) return noop(record);
      return changed(record, { pendingCancel: false, lastError: input.reason }, input.timeMs);
    case 'MODIFY_REQUESTED':
      return onModifyRequested(record, input.change, input.timeMs);
    case 'MODIFY_CONFIRMED':
      return onModifyConfirmed(record, input.timeMs);
    case 'MODIFY_FAILED':
      if (record.pendingModify === null) return noop(record);
      return changed(record, { pendingModify: null, lastError: input.reason }, input.timeMs);
    case 'RECONCILED_NOT_FOUND':
      return onNotFound(record, input.then ?? 'ABANDON', input.timeMs);
  }
}

/** Apply inputs in order; stops at (and returns) the first error. */
export function applyAll(record: OrderRecord, inputs: readonly OrderInput[]): TransitionResult {
  let result: TransitionResult = noop(record);
  for (const input of inputs) {
    result = transition(result.record, input);
    if (!result.ok) return result;
  }
  return result;
}

function onSubmitAccepted(r: OrderRecord, brokerOrderId: string, timeMs: number): TransitionResult {
  if (r.brokerOrderId !== null && r.brokerOrderId !== brokerOrderId) {
    return mismatch(r, 'SUBMIT_ACCEPTED', `accepted as ${brokerOrderId} but the order is ${r.brokerOrderId}`);
  }
  if (r.state === 'PENDING_SUBMIT' || r.state === 'UNKNOWN') {
    // A fill may already have arrived (fill before the POST response, reliability case 20).
    return changed(r, { state: stateForFills(r.request.qty, restingState(r.request), r.filledQty), brokerOrderId }, timeMs);
  }
  // The broker's push beat the HTTP answer: the order is already known, only the id may be new.
  if (r.state === 'REJECTED') return invalid(r, 'SUBMIT_ACCEPTED', restingState(r.request));
  if (r.brokerOrderId === null) return changed(r, { brokerOrderId }, timeMs);
  return noop(r);
}

function onSubmitRejected(r: OrderRecord, reason: string, brokerOrderId: string | undefined, timeMs: number): TransitionResult {
  if (r.state === 'REJECTED') return noop(r);
  if (r.state !== 'PENDING_SUBMIT' && r.state !== 'UNKNOWN') return invalid(r, 'SUBMIT_REJECTED', 'REJECTED');
  if (r.filledQty > 0) return invalid(r, 'SUBMIT_REJECTED', 'REJECTED');
  return changed(r, { state: 'REJECTED', rejectReason: reason, brokerOrderId: brokerOrderId ?? r.brokerOrderId }, timeMs);
}

function onFill(r: OrderRecord, fill: Fill, timeMs: number): TransitionResult {
  if (r.executionIds.includes(fill.executionId)) {
    return { ok: true, record: r, changed: false, duplicate: true, lateFill: false, from: r.state, to: r.state };
  }
  if (fill.side !== r.request.side || fill.symbol !== r.request.symbol) {
    return mismatch(r, 'FILL', `fill ${fill.executionId} is ${fill.side} ${fill.symbol}, order is ${r.request.side} ${r.request.symbol}`);
  }
  if (r.brokerOrderId !== null && fill.brokerOrderId !== r.brokerOrderId) {
    return mismatch(r, 'FILL', `fill ${fill.executionId} belongs to ${fill.brokerOrderId}, order is ${r.brokerOrderId}`);
  }
  if (!Number.isInteger(fill.qty) || fill.qty <= 0 || !Number.isInteger(fill.pricePaise)) {
    return mismatch(r, 'FILL', `fill ${fill.executionId} has qty ${fill.qty} at ${fill.pricePaise} paise`);
  }
  const execFilledQty = r.execFilledQty + fill.qty;
  if (execFilledQty > r.request.qty) {
    return {
      ok: false,
      record: r,
      error: {
        code: 'OVERFILL',
        input: 'FILL',
        from: r.state,
        to: null,
        message: `fill ${fill.executionId} of ${fill.qty} would take the order to ${execFilledQty} > ${r.request.qty}`,
      },
    };
  }
  const execNotionalPaise = r.execNotionalPaise + fill.qty * fill.pricePaise;
  const filledQty = Math.max(r.filledQty, execFilledQty);
  const avgFillPaise = execFilledQty >= filledQty ? execNotionalPaise / execFilledQty : (r.avgFillPaise ?? execNotionalPaise / execFilledQty);
  const lateFill = r.state === 'CANCELLED' || r.state === 'REJECTED';
  const to = stateForFills(r.request.qty, r.state, filledQty);
  const terminalNow = TERMINAL.has(to);
  const next = patch(
    r,
    {
      state: to,
      brokerOrderId: r.brokerOrderId ?? fill.brokerOrderId,
      filledQty,
      execFilledQty,
      execNotionalPaise,
      avgFillPaise,
      executionIds: [...r.executionIds, fill.executionId],
      pendingCancel: terminalNow ? false : r.pendingCancel,
      pendingModify: terminalNow ? null : r.pendingModify,
    },
    timeMs,
  );
  return { ok: true, record: next, changed: true, duplicate: false, lateFill, from: r.state, to };
}

/**
 * The state after the filled quantity becomes `filledQty`, starting from `base`. Full → FILLED
 * from anywhere (a cancel that lost the race, a late fill). Partial → PARTIALLY_FILLED from a
 * live or not-yet-acknowledged state; CANCELLED/REJECTED stay as they are (the rest is dead).
 */
function stateForFills(qty: number, base: OrderState, filledQty: number): OrderState {
  if (filledQty >= qty) return 'FILLED';
  if (filledQty === 0) return base;
  if (base === 'CANCELLED' || base === 'REJECTED' || base === 'FILLED') return base;
  return 'PARTIALLY_FILLED';
}

function onBrokerUpdate(r: OrderRecord, view: BrokerOrderView, timeMs: number): TransitionResult {
  if (r.brokerOrderId !== null && view.brokerOrderId !== r.brokerOrderId) {
    return mismatch(r, 'BROKER_UPDATE', `view of ${view.brokerOrderId} applied to ${r.brokerOrderId}`);
  }
  if (view.clientOrderId !== undefined && view.clientOrderId !== r.request.clientOrderId) {
    return mismatch(r, 'BROKER_UPDATE', `view for client id ${view.clientOrderId} applied to ${r.request.clientOrderId}`);
  }
  const wasTerminal = TERMINAL.has(r.state);
  // Terms the broker holds (e.g. a modification confirmed by push before its HTTP answer).
  const adoptTerms =
    !wasTerminal &&
    Number.isInteger(view.qty) &&
    view.qty > 0 &&
    view.qty >= r.execFilledQty &&
    (view.qty !== r.request.qty || view.pricePaise !== r.request.pricePaise || view.triggerPaise !== r.request.triggerPaise);
  const request = adoptTerms ? { ...r.request, qty: view.qty, pricePaise: view.pricePaise, triggerPaise: view.triggerPaise } : r.request;

  // What the broker says has filled: FILLED means the whole quantity whatever the number says.
  const reported = view.state === 'FILLED' ? view.qty : (view.filledQty ?? 0);
  const filledQty = Math.max(r.filledQty, Math.min(reported, request.qty));
  // A terminal order is absorbed, except that more fills (a cancel that raced the exchange) are truth.
  if (wasTerminal && filledQty === r.filledQty) return noop(r);
  const avgFillPaise = filledQty > r.execFilledQty && view.avgFillPaise !== null ? view.avgFillPaise : r.avgFillPaise;

  let base: OrderState;
  if (wasTerminal) base = r.state;
  else if (view.state === 'PENDING_SUBMIT' || view.state === 'UNKNOWN') base = r.state; // says nothing about the lifecycle
  else if (view.state === 'REJECTED' && filledQty > 0) base = 'CANCELLED'; // something filled: it was live
  else base = view.state;
  const to = stateForFills(request.qty, base, filledQty);
  const terminalNow = TERMINAL.has(to);
  const fields: Partial<OrderRecord> = {
    state: to,
    brokerOrderId: r.brokerOrderId ?? view.brokerOrderId,
    filledQty,
    avgFillPaise,
    request,
    pendingCancel: terminalNow ? false : r.pendingCancel,
    pendingModify: terminalNow ? null : r.pendingModify,
    rejectReason: to === 'REJECTED' && r.state !== 'REJECTED' ? (view.rejectReason ?? 'rejected by broker') : r.rejectReason,
  };
  if (!differs(r, fields)) return noop(r);
  const lateFill = (r.state === 'CANCELLED' || r.state === 'REJECTED') && filledQty > r.filledQty;
  const next = patch(r, fields, timeMs);
  return { ok: true, record: next, changed: true, duplicate: false, lateFill, from: r.state, to };
}

function onModifyRequested(r: OrderRecord, change: OrderChange, timeMs: number): TransitionResult {
  if (!WORKING.has(r.state)) return invalid(r, 'MODIFY_REQUESTED', r.state);
  if (r.pendingModify !== null) {
    return { ok: false, record: r, error: { code: 'INVALID_CHANGE', input: 'MODIFY_REQUESTED', from: r.state, to: r.state, message: 'a modification is already pending' } };
  }
  if (change.qty !== undefined && (!Number.isInteger(change.qty) || change.qty <= r.filledQty)) {
    return {
      ok: false,
      record: r,
      error: { code: 'INVALID_CHANGE', input: 'MODIFY_REQUESTED', from: r.state, to: r.state, message: `new qty ${change.qty} must exceed filled ${r.filledQty}` },
    };
  }
  return changed(r, { pendingModify: change }, timeMs);
}

function onModifyConfirmed(r: OrderRecord, timeMs: number): TransitionResult {
  const change = r.pendingModify;
  if (change === null) return noop(r);
  if (TERMINAL.has(r.state)) return changed(r, { pendingModify: null }, timeMs);
  const request: OrderRequest = {
    ...r.request,
    qty: change.qty === undefined ? r.request.qty : Math.max(change.qty, r.filledQty),
    pricePaise: change.pricePaise ?? r.request.pricePaise,
    triggerPaise: change.triggerPaise ?? r.request.triggerPaise,
  };
  const state = stateForFills(request.qty, r.state, r.filledQty);
  return changed(r, { request, pendingModify: null, state }, timeMs);
}

function onNotFound(r: OrderRecord, then: 'RESUBMIT' | 'ABANDON', timeMs: number): TransitionResult {
  if (TERMINAL.has(r.state)) return noop(r);
  if (then === 'RESUBMIT') {
    if (r.state !== 'UNKNOWN' && r.state !== 'PENDING_SUBMIT') return invalid(r, 'RECONCILED_NOT_FOUND', 'PENDING_SUBMIT');
    if (r.filledQty > 0) return invalid(r, 'RECONCILED_NOT_FOUND', 'PENDING_SUBMIT');
    return changed(r, { state: 'PENDING_SUBMIT', brokerOrderId: null }, timeMs);
  }
  const to: OrderState = r.filledQty > 0 ? 'CANCELLED' : 'REJECTED';
  return changed(r, { state: to, rejectReason: to === 'REJECTED' ? 'not found at broker' : r.rejectReason, pendingCancel: false, pendingModify: null }, timeMs);
}

// ----- helpers -----

function patch(r: OrderRecord, fields: Partial<OrderRecord>, timeMs: number): OrderRecord {
  return { ...r, ...fields, version: r.version + 1, updatedMs: Math.max(r.updatedMs, timeMs) };
}

function differs(r: OrderRecord, fields: Partial<OrderRecord>): boolean {
  for (const key of Object.keys(fields) as (keyof OrderRecord)[]) {
    if (fields[key] !== r[key]) return true;
  }
  return false;
}

function changed(r: OrderRecord, fields: Partial<OrderRecord>, timeMs: number): TransitionResult {
  if (!differs(r, fields)) return noop(r);
  const next = patch(r, fields, timeMs);
  return { ok: true, record: next, changed: true, duplicate: false, lateFill: false, from: r.state, to: next.state };
}

function noop(r: OrderRecord): TransitionResult {
  return { ok: true, record: r, changed: false, duplicate: false, lateFill: false, from: r.state, to: r.state };
}

function invalid(r: OrderRecord, input: OrderInputKind, to: OrderState): TransitionResult {
  return {
    ok: false,
    record: r,
    error: { code: 'INVALID_TRANSITION', input, from: r.state, to, message: `${input}: invalid transition ${r.state} → ${to}` },
  };
}

function mismatch(r: OrderRecord, input: OrderInputKind, message: string): TransitionResult {
  return { ok: false, record: r, error: { code: 'MISMATCH', input, from: r.state, to: null, message } };
}

/** Exact volume-weighted average of the applied executions, or null before the first. */
export function execAveragePaise(r: OrderRecord): Paise | null {
  return r.execFilledQty === 0 ? null : r.execNotionalPaise / r.execFilledQty;
}
