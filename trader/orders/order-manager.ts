import type { JournalEvent } from '../domain/events';
import type { Instrument } from '../domain/instrument';
import type { Direction, ExitReason } from '../domain/intent';
import type { BrokerEvent, BrokerOrderView, Fill, OrderPurpose, OrderRequest, Product, SubmitOutcome } from '../domain/order';
import { istDateNumber, istDayNumber, istMinuteOfDay } from '../domain/time';
import type { BrokerPort } from '../brokers/port';
import type { Clock } from '../engine/clock';
import type { OrderPort } from '../engine/engine';
import type { FaultHooks } from '../engine/faults';
import type { Logger } from '../observability/log';
import { createOrderRecord, isTerminal, transition, type OrderInput, type OrderRecord } from './state-machine';

/** One of our orders: the state machine's (immutable) record plus what only we know about it. */
export interface TrackedOrder {
  record: OrderRecord;
  readonly symbol: number;
  exitReason: ExitReason | null;
  /** Signal bar of the position this order belongs to (part of its client order id). */
  readonly signalBarMs: number;
  /** Stop the entry was sized against (the position's initial stop). */
  readonly plannedStopPaise: number;
}

/** The protective state of a symbol's position, saved so a restart continues what was under way. */
export interface ProtectiveState {
  readonly symbol: number;
  readonly stopPaise: number;
  readonly exitingReason: ExitReason | null;
}

/**
 * Where orders are made durable. Paper and backtest runs journal them; live runs write them to
 * the state store. `created` must resolve before the order is sent (no broker call without a
 * saved intent) and reject when the intent could not be saved.
 */
export interface OrderPersistence {
  created(order: TrackedOrder): Promise<void>;
  /** A state change of an order; `previousVersion` is the version the store holds. Ordered per order. */
  changed(order: TrackedOrder, previousVersion: number): void;
  fill(fill: Fill, costsPaise: number): void;
  /** Saved before an exit starts cancelling the stop; resolves once durable. */
  protective(state: ProtectiveState): Promise<void>;
}

/** Paper and backtest: the journal already records every change; intents wait for it to flush. */
export function journalPersistence(flush: () => Promise<void>): OrderPersistence {
  return {
    created: () => flush(),
    changed: () => undefined,
    fill: () => undefined,
    protective: () => Promise.resolve(),
  };
}

/** The recovery view of a stored order (see persistence/state-store.ts StoredOrder). */
export interface StoredOrderLike {
  readonly record: OrderRecord;
  readonly exitReason: ExitReason | null;
  readonly plannedStopPaise: number;
  readonly signalBarMs: number;
}

export interface ReconcileReport {
  readonly adopted: number;
  readonly resubmitted: number;
  readonly abandoned: number;
  readonly fillsApplied: number;
  readonly stopsPlaced: number;
  readonly exitsContinued: number;
  readonly unknownBrokerOrders: number;
}

/** What the order manager tells the engine. */
export interface OrderListener {
  onFill(symbol: number, fill: Fill, costsPaise: number, isEntry: boolean, exitReason: ExitReason | null, stopPaise: number): void;
  onEntryComplete(symbol: number, direction: Direction, qty: number, entryTimeMs: number, stopPaise: number): void;
  onEntryAbandoned(symbol: number, reason: string): void;
  onStopMoved(symbol: number, stopPaise: number): void;
  record(event: JournalEvent): void;
  /** Signed position on the symbol as booked from fills. */
  positionQty(symbol: number): number;
  /** Whether this execution is already booked (recovery: the record may list it, the books may not). */
  isBooked(executionId: string): boolean;
  /** What the strategy has been told about the symbol. */
  deliveredState(symbol: number): 'FLAT' | 'PENDING' | 'OPEN';
}

/** Charges for one fill, paise; the order's turnover before the fill lets per-order brokerage be charged once. */
export type CostFn = (fill: Fill, instrument: Instrument, orderTurnoverBeforePaise: number) => number;

export interface OrderManagerDeps {
  readonly broker: BrokerPort;
  readonly clock: Clock;
  readonly instruments: readonly Instrument[];
  readonly strategyId: string;
  readonly product: Product;
  readonly costs: CostFn;
  readonly log: Logger;
  readonly persistence: OrderPersistence;
  /** Crash points for the crash suite; a no-op otherwise. */
  readonly faults?: FaultHooks;
}

interface SymbolOrders {
  direction: Direction | null;
  entry: TrackedOrder | null;
  stop: TrackedOrder | null;
  /** The protective level we want at the broker (may run ahead of the stop order while a modify is in flight). */
  stopPaise: number;
  exits: TrackedOrder[];
  exitReason: ExitReason | null;
  exiting: boolean;
  signalBarMs: number;
  stopSeq: number;
  exitSeq: number;
  entryCompleteSent: boolean;
}

/** Field by field rather than Object.assign of a fresh slot: a generic builtin less on a cold entry decision. */
function resetSlot(slot: SymbolOrders): void {
  slot.direction = null;
  slot.entry = null;
  slot.stop = null;
  slot.stopPaise = 0;
  slot.exits = [];
  slot.exitReason = null;
  slot.exiting = false;
  slot.signalBarMs = 0;
  slot.stopSeq = 0;
  slot.exitSeq = 0;
  slot.entryCompleteSent = false;
}

function emptySlot(): SymbolOrders {
  return {
    direction: null,
    entry: null,
    stop: null,
    stopPaise: 0,
    exits: [],
    exitReason: null,
    exiting: false,
    signalBarMs: 0,
    stopSeq: 0,
    exitSeq: 0,
    entryCompleteSent: false,
  };
}

/**
 * Intents → orders, and everything that keeps a position protected:
 * - an entry is a market order with a deterministic client order id (strategy, symbol, signal bar,
 *   purpose), journaled before it is sent and sent once;
 * - as soon as an entry fills, a stop-market order sits at the broker for the filled quantity;
 * - trailing modifies that stop (never loosens it);
 * - an exit cancels the stop, verifies the cancel, then sends a market order for what is left;
 * - an unknown outcome (timeout, 5xx) is looked up at the broker, never blindly resent;
 * - broker events that arrive before the placement's acknowledgement are buffered, not dropped.
 */
export class OrderManager implements OrderPort {
  private readonly slots: SymbolOrders[];
  private readonly byClientId = new Map<string, TrackedOrder>();
  private readonly byBrokerId = new Map<string, string>();
  private readonly early = new Map<string, BrokerEvent[]>();
  private readonly symbolIndex = new Map<string, number>();
  private listenerRef: OrderListener | null = null;
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly deps: OrderManagerDeps) {
    this.slots = deps.instruments.map(() => emptySlot());
    deps.instruments.forEach((inst, i) => this.symbolIndex.set(inst.symbol, i));
    deps.broker.onEvent((e) => this.onBrokerEvent(e));
  }

  attach(listener: OrderListener): void {
    this.listenerRef = listener;
  }

  get inFlight(): number {
    return this.pending;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Orders still working at the broker (or not yet settled). */
  workingCount(): number {
    let n = 0;
    for (const t of this.byClientId.values()) if (!isTerminal(t.record.state)) n++;
    return n;
  }

  /** Every order we know, for audits and the ledger. */
  orders(): OrderRecord[] {
    return [...this.byClientId.values()].map((v) => v.record);
  }

  // ---- OrderPort ---------------------------------------------------------------------------

  enter(symbol: number, direction: Direction, qty: number, stopPaise: number, signalBarMs: number): void {
    const slot = this.slot(symbol);
    const inst = this.inst(symbol);
    const clientOrderId = this.clientId(inst.symbol, signalBarMs, 'E');
    if (this.byClientId.has(clientOrderId)) {
      this.deps.log.warn('duplicate entry decision ignored', { clientOrderId });
      return;
    }
    // A new position: its orders are numbered from 1 (the signal bar in the id keeps them unique).
    resetSlot(slot);
    slot.direction = direction;
    slot.stopPaise = stopPaise;
    slot.signalBarMs = signalBarMs;
    const req = this.request(inst, clientOrderId, direction === 'LONG' ? 'BUY' : 'SELL', qty, 'MARKET', 0, 0);
    const t = this.track(symbol, req, 'ENTRY');
    slot.entry = t;
    this.run(() => this.submit(t));
  }

  moveStop(symbol: number, stopPaise: number, reason: string): void {
    const slot = this.slot(symbol);
    if (slot.exiting || slot.direction === null) return;
    const tighter = slot.direction === 'LONG' ? stopPaise > slot.stopPaise : stopPaise < slot.stopPaise;
    if (!tighter) return; // never loosen
    slot.stopPaise = stopPaise;
    const stop = slot.stop;
    if (stop === null || stop.record.brokerOrderId === null || isTerminal(stop.record.state)) return; // applied once the stop is acknowledged
    this.run(() => this.modifyStop(stop, reason));
  }

  exit(symbol: number, fraction: number, reason: ExitReason): void {
    const slot = this.slot(symbol);
    if (slot.exiting) return;
    if (fraction >= 1) {
      slot.exiting = true;
      slot.exitReason = reason;
      this.run(() => this.exitAll(symbol, reason));
    } else {
      this.run(() => this.exitPart(symbol, fraction, reason));
    }
  }

  cancelEntries(): void {
    this.slots.forEach((slot, symbol) => {
      const e = slot.entry;
      if (e !== null && e.record.brokerOrderId !== null && !isTerminal(e.record.state)) {
        this.run(async () => {
          await this.cancel(e);
        });
      }
      void symbol;
    });
  }

  // ---- recovery ----------------------------------------------------------------------------

  /**
   * Rebuild from stored orders after a restart (no broker calls). The portfolio must already be
   * restored from the stored fills: each symbol's current position group is the newest signal
   * bar with orders, and it is live only while a position is open or an order of it is working.
   */
  restore(orders: readonly StoredOrderLike[], positions: readonly { symbol: string; stopPaise: number; exitingReason: ExitReason | null }[]): void {
    const sorted = [...orders].sort((a, b) => a.record.createdMs - b.record.createdMs || a.record.request.clientOrderId.localeCompare(b.record.request.clientOrderId));
    for (const o of sorted) {
      const symbol = this.symbolIndex.get(o.record.request.symbol);
      if (symbol === undefined) throw new Error(`stored order ${o.record.request.clientOrderId} is for ${o.record.request.symbol}, which this profile does not trade`);
      const t: TrackedOrder = { record: o.record, symbol, exitReason: o.exitReason, signalBarMs: o.signalBarMs, plannedStopPaise: o.plannedStopPaise };
      this.byClientId.set(o.record.request.clientOrderId, t);
      if (o.record.brokerOrderId !== null) this.bindBrokerId(t, o.record.brokerOrderId);
    }
    const bySymbol = new Map<number, TrackedOrder[]>();
    for (const t of this.byClientId.values()) bySymbol.set(t.symbol, [...(bySymbol.get(t.symbol) ?? []), t]);
    for (const [symbol, mine] of bySymbol) {
      const slot = this.slot(symbol);
      const seqOf = (t: TrackedOrder): number => Number(/-[SX](\d+)$/.exec(t.record.request.clientOrderId)?.[1] ?? 0);
      const latest = Math.max(...mine.map((t) => t.signalBarMs));
      const group = mine.filter((t) => t.signalBarMs === latest);
      const pos = this.listener.positionQty(symbol);
      const working = group.some((t) => !isTerminal(t.record.state));
      slot.signalBarMs = latest;
      slot.entry = group.find((t) => t.record.purpose === 'ENTRY') ?? null;
      const stops = group.filter((t) => t.record.purpose === 'STOP').sort((a, b) => seqOf(a) - seqOf(b));
      slot.stop = stops[stops.length - 1] ?? null;
      slot.exits = group.filter((t) => t.record.purpose === 'EXIT').sort((a, b) => seqOf(a) - seqOf(b));
      slot.stopSeq = stops.length > 0 ? Math.max(...stops.map(seqOf)) : 0;
      slot.exitSeq = slot.exits.length > 0 ? Math.max(...slot.exits.map(seqOf)) : 0;
      const entry = slot.entry;
      slot.direction = entry === null || (pos === 0 && !working) ? null : entry.record.request.side === 'BUY' ? 'LONG' : 'SHORT';
      const stored = positions.find((p) => p.symbol === this.inst(symbol).symbol);
      slot.stopPaise = stored?.stopPaise ?? slot.stop?.record.request.triggerPaise ?? entry?.plannedStopPaise ?? 0;
      slot.exitReason = stored?.exitingReason ?? null;
      slot.exiting = slot.direction !== null && slot.exitReason !== null;
      slot.entryCompleteSent = this.listener.deliveredState(symbol) === 'OPEN';
    }
  }

  /**
   * Bring our orders in line with the broker before anything trades (issue 3 §4): orders we
   * know are updated to the broker's state; intents that may or may not have been sent are looked
   * up, never blindly resent (found: adopted; not found: a protective order or a still-valid
   * entry is sent once, a stale entry abandoned); every broker fill of our orders is applied once
   * by execution id; open positions without a working stop get one; exits under way continue.
   */
  async reconcile(nowMs: number, entryValidityMs: number): Promise<ReconcileReport> {
    const report = { adopted: 0, resubmitted: 0, abandoned: 0, fillsApplied: 0, stopsPlaced: 0, exitsContinued: 0, unknownBrokerOrders: 0 };
    const book = await this.deps.broker.orderBook();
    const byId = new Map(book.map((v) => [v.brokerOrderId, v]));
    for (const t of [...this.byClientId.values()]) {
      if (isTerminal(t.record.state) && t.record.brokerOrderId !== null) {
        const v = byId.get(t.record.brokerOrderId);
        if (v !== undefined) this.applyView(t, v);
        continue;
      }
      if (t.record.brokerOrderId !== null) {
        const v = byId.get(t.record.brokerOrderId);
        if (v !== undefined) this.applyView(t, v);
        continue;
      }
      if (isTerminal(t.record.state)) continue;
      // PENDING_SUBMIT or UNKNOWN: it may or may not have reached the broker.
      const found = await this.deps.broker.findOrder(t.record.request, t.record.createdMs);
      if (found === 'ambiguous') throw new Error(`cannot tell which broker order ${t.record.request.clientOrderId} is: reconcile by hand`);
      if (found !== 'none') {
        this.bindBrokerId(t, found.brokerOrderId);
        this.step(t, { kind: 'SUBMIT_ACCEPTED', brokerOrderId: found.brokerOrderId, timeMs: nowMs });
        this.applyView(t, found);
        report.adopted++;
        continue;
      }
      const stale = t.record.purpose === 'ENTRY' && nowMs - t.record.createdMs > entryValidityMs;
      if (stale) {
        this.step(t, { kind: 'RECONCILED_NOT_FOUND', then: 'ABANDON', timeMs: nowMs });
        this.afterTerminal(t);
        report.abandoned++;
        continue;
      }
      if (t.record.state === 'UNKNOWN') this.step(t, { kind: 'RECONCILED_NOT_FOUND', then: 'RESUBMIT', timeMs: nowMs });
      report.resubmitted++;
      this.run(() => this.submit(t));
    }
    await this.idle();
    const linked = new Set(this.byBrokerId.keys());
    report.unknownBrokerOrders = book.filter((v) => !linked.has(v.brokerOrderId)).length;
    const fills = await this.deps.broker.tradeBook();
    for (const f of fills) {
      const t = this.lookupBroker(f.brokerOrderId);
      // The books are the test, not the record: after a crash the record may list an execution
      // the books never saw (and the other way round is impossible: booking follows the record).
      if (t === undefined || this.listener.isBooked(f.executionId)) continue;
      this.applyFill(t, f);
      report.fillsApplied++;
    }
    await this.idle();
    for (let symbol = 0; symbol < this.slots.length; symbol++) {
      const slot = this.slot(symbol);
      const pos = this.listener.positionQty(symbol);
      const entry = slot.entry;
      // Entries that completed, or died, while we were down: tell the strategy now (once).
      if (entry !== null && slot.direction !== null && pos !== 0 && !slot.entryCompleteSent && (entry.record.state === 'FILLED' || isTerminal(entry.record.state))) {
        slot.entryCompleteSent = true;
        this.listener.onEntryComplete(symbol, slot.direction, Math.abs(pos), entry.record.updatedMs, slot.stopPaise);
      } else if (entry !== null && pos === 0 && isTerminal(entry.record.state) && entry.record.filledQty === 0 && this.listener.deliveredState(symbol) === 'PENDING') {
        slot.direction = null;
        this.listener.onEntryAbandoned(symbol, `${entry.record.state} while the trader was down`);
      }
      if (pos === 0) continue;
      if (slot.exiting) {
        slot.exiting = false;
        this.exit(symbol, 1, slot.exitReason ?? 'RECONCILED');
        report.exitsContinued++;
        continue;
      }
      const stop = slot.stop;
      if (stop === null || isTerminal(stop.record.state)) {
        // A stop sent while the store was down has no record: adopt it rather than send a second.
        const inst = this.inst(symbol);
        const side = pos > 0 ? 'SELL' : 'BUY';
        const orphan = book.find(
          (v) =>
            !linked.has(v.brokerOrderId) &&
            v.symbol === inst.symbol &&
            v.exchange === inst.exchange &&
            v.side === side &&
            (v.priceType === 'SL-M' || v.priceType === 'SL') &&
            !isTerminal(v.state) &&
            v.qty === Math.abs(pos),
        );
        if (orphan !== undefined) {
          this.adoptStop(symbol, orphan, nowMs);
          report.adopted++;
        } else if (this.placeStop(symbol)) {
          report.stopsPlaced++;
        }
      }
    }
    await this.idle();
    return report;
  }

  /** Track a working stop found at the broker without a record (sent while the store was down). */
  private adoptStop(symbol: number, view: BrokerOrderView, nowMs: number): void {
    const slot = this.slot(symbol);
    const inst = this.inst(symbol);
    slot.stopSeq += 1;
    const req = this.request(inst, this.clientId(inst.symbol, slot.signalBarMs, `S${slot.stopSeq}`), view.side, view.qty, view.priceType, view.pricePaise, view.triggerPaise, view.product);
    const t = this.track(symbol, req, 'STOP');
    slot.stop = t;
    slot.stopPaise = view.triggerPaise;
    this.bindBrokerId(t, view.brokerOrderId);
    this.run(async () => {
      await this.deps.persistence.created(t);
      this.step(t, { kind: 'SUBMIT_ACCEPTED', brokerOrderId: view.brokerOrderId, timeMs: nowMs });
      this.applyView(t, view);
    });
  }

  // ---- broker events -----------------------------------------------------------------------

  onBrokerEvent(event: BrokerEvent): void {
    const cid = event.kind === 'order' ? event.order.clientOrderId : event.fill.clientOrderId;
    const brokerId = event.kind === 'order' ? event.order.brokerOrderId : event.fill.brokerOrderId;
    const known = (cid !== undefined ? this.byClientId.get(cid) : undefined) ?? this.lookupBroker(brokerId);
    if (known === undefined) {
      // Fill or update before we saw the placement's acknowledgement: keep it until the ack
      // tells us which of our orders this broker id is (reliability case 20).
      const list = this.early.get(brokerId) ?? [];
      list.push(event);
      this.early.set(brokerId, list);
      return;
    }
    if (known.record.brokerOrderId === null && brokerId !== '') this.bindBrokerId(known, brokerId);
    if (event.kind === 'order') this.applyView(known, event.order);
    else this.applyFill(known, event.fill);
  }

  // ---- flows -------------------------------------------------------------------------------

  private async submit(t: TrackedOrder): Promise<void> {
    const sentAt = this.deps.clock.nowMs();
    try {
      await this.deps.persistence.created(t);
    } catch (err) {
      // No broker call without a saved intent.
      this.step(t, { kind: 'SUBMIT_REJECTED', reason: `not sent: intent could not be saved (${String(err)})`, timeMs: sentAt });
      this.afterTerminal(t);
      return;
    }
    this.deps.faults?.at('after_intent');
    let outcome: SubmitOutcome;
    try {
      outcome = await this.deps.broker.placeOrder(t.record.request);
    } catch (err) {
      outcome = { kind: 'unknown', reason: err instanceof Error ? err.message : String(err) };
    }
    await this.onSubmitOutcome(t, outcome, sentAt);
  }

  private async onSubmitOutcome(t: TrackedOrder, outcome: SubmitOutcome, sentAt: number): Promise<void> {
    const now = this.deps.clock.nowMs();
    switch (outcome.kind) {
      case 'accepted':
        this.deps.faults?.at('after_accept');
        this.bindBrokerId(t, outcome.brokerOrderId);
        this.step(t, { kind: 'SUBMIT_ACCEPTED', brokerOrderId: outcome.brokerOrderId, timeMs: now });
        this.drainEarly(outcome.brokerOrderId);
        break;
      case 'rejected':
        this.step(t, { kind: 'SUBMIT_REJECTED', reason: outcome.reason, timeMs: now });
        this.afterTerminal(t);
        break;
      case 'unknown': {
        this.step(t, { kind: 'SUBMIT_UNKNOWN', reason: outcome.reason, timeMs: now });
        const found = await this.deps.broker.findOrder(t.record.request, sentAt);
        if (found === 'none') {
          // It never reached the broker. A stale entry signal is abandoned, not resent.
          this.step(t, { kind: 'RECONCILED_NOT_FOUND', then: 'ABANDON', timeMs: this.deps.clock.nowMs() });
          this.afterTerminal(t);
        } else if (found === 'ambiguous') {
          this.deps.log.error('order outcome ambiguous at the broker; left UNKNOWN until reconciled', {
            clientOrderId: t.record.request.clientOrderId,
          });
        } else {
          this.bindBrokerId(t, found.brokerOrderId);
          this.applyView(t, found);
          this.drainEarly(found.brokerOrderId);
        }
        break;
      }
    }
    // A stop placed while the strategy moved its level: bring the broker up to date.
    const slot = this.slot(t.symbol);
    const r = t.record;
    if (t === slot.stop && r.brokerOrderId !== null && !isTerminal(r.state) && r.request.triggerPaise !== slot.stopPaise && !slot.exiting) {
      await this.modifyStop(t, 'catch-up');
    }
  }

  /** Places the protective stop for the position; false when there is no position to protect. */
  private placeStop(symbol: number): boolean {
    const slot = this.slot(symbol);
    const inst = this.inst(symbol);
    const pos = this.listener.positionQty(symbol);
    if (pos === 0) return false;
    if (slot.direction === null) {
      // Not expected (every path that opens a position sets it), but a position is never left
      // without a stop for it: its side follows from the position.
      this.deps.log.error('position without a direction: protecting it by its sign', { symbol: inst.symbol, qty: pos });
      slot.direction = pos > 0 ? 'LONG' : 'SHORT';
    }
    slot.stopSeq += 1;
    const req = this.request(inst, this.clientId(inst.symbol, slot.signalBarMs, `S${slot.stopSeq}`), pos > 0 ? 'SELL' : 'BUY', Math.abs(pos), 'SL-M', 0, slot.stopPaise);
    const t = this.track(symbol, req, 'STOP');
    slot.stop = t;
    this.run(() => this.submit(t));
    return true;
  }

  private async modifyStop(t: TrackedOrder, why: string): Promise<void> {
    const slot = this.slot(t.symbol);
    const brokerOrderId = t.record.brokerOrderId;
    if (brokerOrderId === null || isTerminal(t.record.state)) return;
    const target = slot.stopPaise;
    const qty = Math.abs(this.listener.positionQty(t.symbol));
    if (qty === 0) return;
    const change = { triggerPaise: target, qty };
    this.step(t, { kind: 'MODIFY_REQUESTED', change, timeMs: this.deps.clock.nowMs() });
    let outcome: SubmitOutcome;
    try {
      outcome = await this.deps.broker.modifyOrder(brokerOrderId, change);
    } catch (err) {
      outcome = { kind: 'unknown', reason: String(err) };
    }
    const now = this.deps.clock.nowMs();
    if (outcome.kind === 'accepted') {
      this.step(t, { kind: 'MODIFY_CONFIRMED', timeMs: now });
      this.listener.onStopMoved(t.symbol, target);
    } else {
      this.step(t, { kind: 'MODIFY_FAILED', reason: outcome.reason, timeMs: now });
      this.deps.log.warn('stop modify failed; the broker keeps the previous stop', { why, reason: outcome.reason });
    }
  }

  private async exitAll(symbol: number, reason: ExitReason): Promise<void> {
    const slot = this.slot(symbol);
    await this.deps.persistence.protective({ symbol, stopPaise: slot.stopPaise, exitingReason: reason });
    const entry = slot.entry;
    if (entry !== null && entry.record.brokerOrderId !== null && !isTerminal(entry.record.state)) await this.cancel(entry);
    const stop = slot.stop;
    if (stop !== null && stop.record.brokerOrderId !== null && !isTerminal(stop.record.state)) {
      const cancelled = await this.cancel(stop);
      if (!cancelled && this.listener.positionQty(symbol) === 0) return; // the stop filled: flat already
      if (!cancelled) {
        this.deps.log.error('exit: stop could not be cancelled; not sending a market exit that could double the close', {
          clientOrderId: stop.record.request.clientOrderId,
        });
        slot.exiting = false;
        return;
      }
    }
    const pos = this.listener.positionQty(symbol);
    if (pos === 0) return;
    // Exits already working (an exit continued after a restart) cover part of the position:
    // send only the rest, never a second order for the same quantity.
    const covered = slot.exits.filter((x) => !isTerminal(x.record.state)).reduce((a, x) => a + x.record.request.qty - x.record.filledQty, 0);
    const remaining = Math.abs(pos) - covered;
    if (remaining <= 0) return;
    this.placeExit(symbol, remaining, pos > 0 ? 'SELL' : 'BUY', reason);
  }

  private async exitPart(symbol: number, fraction: number, reason: ExitReason): Promise<void> {
    const inst = this.inst(symbol);
    const pos = this.listener.positionQty(symbol);
    const qty = Math.floor((Math.abs(pos) * fraction) / inst.lotSize) * inst.lotSize;
    if (qty <= 0 || qty >= Math.abs(pos)) return;
    // Shrink the stop to what will remain first, so a stop hit can never over-close.
    const stop = this.slot(symbol).stop;
    if (stop !== null && stop.record.brokerOrderId !== null && !isTerminal(stop.record.state)) {
      const change = { qty: Math.abs(pos) - qty };
      this.step(stop, { kind: 'MODIFY_REQUESTED', change, timeMs: this.deps.clock.nowMs() });
      const outcome = await this.deps.broker.modifyOrder(stop.record.brokerOrderId, change);
      if (outcome.kind !== 'accepted') {
        this.step(stop, { kind: 'MODIFY_FAILED', reason: outcome.reason, timeMs: this.deps.clock.nowMs() });
        return;
      }
      this.step(stop, { kind: 'MODIFY_CONFIRMED', timeMs: this.deps.clock.nowMs() });
    }
    this.placeExit(symbol, qty, pos > 0 ? 'SELL' : 'BUY', reason);
  }

  private placeExit(symbol: number, qty: number, side: 'BUY' | 'SELL', reason: ExitReason): void {
    const slot = this.slot(symbol);
    const inst = this.inst(symbol);
    slot.exitSeq += 1;
    const req = this.request(inst, this.clientId(inst.symbol, slot.signalBarMs, `X${slot.exitSeq}`), side, qty, 'MARKET', 0, 0);
    const t = this.track(symbol, req, 'EXIT');
    t.exitReason = reason;
    slot.exits.push(t);
    this.run(() => this.submit(t));
  }

  /** Cancel and verify: true when the order ends CANCELLED. */
  private async cancel(t: TrackedOrder): Promise<boolean> {
    const id = t.record.brokerOrderId;
    if (id === null) return false;
    this.step(t, { kind: 'CANCEL_REQUESTED', timeMs: this.deps.clock.nowMs() });
    let outcome: SubmitOutcome;
    try {
      outcome = await this.deps.broker.cancelOrder(id);
    } catch (err) {
      outcome = { kind: 'unknown', reason: String(err) };
    }
    if (outcome.kind === 'accepted') {
      if (!isTerminal(t.record.state)) this.step(t, { kind: 'CANCEL_CONFIRMED', timeMs: this.deps.clock.nowMs() });
      if (t.record.state === 'CANCELLED') this.afterTerminal(t);
      return t.record.state === 'CANCELLED';
    }
    this.step(t, { kind: 'CANCEL_FAILED', reason: outcome.reason, timeMs: this.deps.clock.nowMs() });
    return false;
  }

  private applyView(t: TrackedOrder, view: BrokerOrderView): void {
    const wasTerminal = isTerminal(t.record.state);
    this.step(t, { kind: 'BROKER_UPDATE', view, timeMs: view.timeMs ?? this.deps.clock.nowMs() });
    if (!wasTerminal && isTerminal(t.record.state)) this.afterTerminal(t);
  }

  private applyFill(t: TrackedOrder, fill: Fill): void {
    // Charges are tiered on the order's turnover: a fill the record already lists (booked after a
    // restart) is charged as the order's latest execution, which is what it was.
    const listed = t.record.executionIds.includes(fill.executionId);
    const turnoverBefore = listed ? Math.max(0, t.record.execNotionalPaise - fill.qty * fill.pricePaise) : t.record.execNotionalPaise;
    // Applied to the record once per execution id; booked once per execution id. After a crash the
    // record may list an execution the books never saw: book it then, not twice.
    if (!this.step(t, { kind: 'FILL', fill, timeMs: fill.timeMs }) && this.listener.isBooked(fill.executionId)) return;
    const symbol = t.symbol;
    const costs = this.deps.costs(fill, this.inst(symbol), turnoverBefore);
    this.deps.faults?.at('after_fill');
    this.deps.persistence.fill(fill, costs);
    const slot = this.slot(symbol);
    const isEntry = t.record.purpose === 'ENTRY';
    const reason: ExitReason = t.record.purpose === 'STOP' ? 'STOP' : (t.exitReason ?? slot.exitReason ?? 'MANUAL');
    this.listener.onFill(symbol, fill, costs, isEntry, isEntry ? null : reason, slot.stopPaise);
    const pos = this.listener.positionQty(symbol);
    if (isEntry) {
      if (slot.exiting) {
        // An entry fill landing while we exit (a cancel raced the fill): close it too.
        if (pos !== 0) this.placeExit(symbol, Math.abs(pos), pos > 0 ? 'SELL' : 'BUY', slot.exitReason ?? 'MANUAL');
        return;
      }
      // An entry fill makes the position, whatever was known before it: after a restart that fell
      // between the entry's FILLED state and its fill being saved, the restored slot had no
      // position and so no direction, and the stop below would not have been placed.
      if (pos !== 0 && slot.direction === null) slot.direction = t.record.request.side === 'BUY' ? 'LONG' : 'SHORT';
      const stop = slot.stop;
      if (stop === null || isTerminal(stop.record.state)) this.placeStop(symbol);
      else if (stop.record.brokerOrderId !== null) this.run(() => this.modifyStop(stop, 'entry size grew'));
      if (t.record.state === 'FILLED' && !slot.entryCompleteSent && slot.direction !== null) {
        slot.entryCompleteSent = true;
        this.listener.onEntryComplete(symbol, slot.direction, Math.abs(pos), fill.timeMs, slot.stopPaise);
      }
    } else if (pos === 0) {
      this.onFlat(symbol);
    }
  }

  /** Position is flat: nothing may stay working at the broker for it. */
  private onFlat(symbol: number): void {
    const slot = this.slot(symbol);
    for (const t of [slot.stop, slot.entry, ...slot.exits]) {
      if (t !== null && t.record.brokerOrderId !== null && !isTerminal(t.record.state)) {
        this.run(async () => {
          await this.cancel(t);
        });
      }
    }
    slot.direction = null;
    slot.exiting = false;
  }

  private afterTerminal(t: TrackedOrder): void {
    const symbol = t.symbol;
    const slot = this.slot(symbol);
    const r = t.record;
    if (r.purpose === 'ENTRY' && t === slot.entry) {
      if (r.filledQty === 0) {
        slot.direction = null;
        this.listener.onEntryAbandoned(symbol, `${r.state}: ${r.rejectReason ?? r.lastError ?? 'no fill'}`);
      } else if (r.state === 'CANCELLED' && !slot.entryCompleteSent && slot.direction !== null) {
        // Partly filled, rest cancelled: the position is what filled.
        slot.entryCompleteSent = true;
        this.listener.onEntryComplete(symbol, slot.direction, Math.abs(this.listener.positionQty(symbol)), r.updatedMs, slot.stopPaise);
      }
      return;
    }
    const open = this.listener.positionQty(symbol) !== 0;
    if (r.purpose === 'STOP' && r.state === 'REJECTED' && t === slot.stop && open && !slot.exiting) {
      // A position without a protective stop must not exist: get out.
      this.deps.log.error('protective stop rejected; exiting the position at market', {
        clientOrderId: r.request.clientOrderId,
        reason: r.rejectReason,
      });
      this.exit(symbol, 1, 'STOP');
    } else if (r.purpose === 'EXIT' && r.state === 'REJECTED' && open) {
      this.deps.log.error('exit order rejected; position still open', { clientOrderId: r.request.clientOrderId, reason: r.rejectReason });
      slot.exiting = false;
    }
  }

  // ---- bookkeeping --------------------------------------------------------------------------

  private track(symbol: number, req: OrderRequest, purpose: OrderPurpose): TrackedOrder {
    const slot = this.slot(symbol);
    const t: TrackedOrder = {
      record: createOrderRecord(req, purpose, this.deps.clock.nowMs()),
      symbol,
      exitReason: null,
      signalBarMs: slot.signalBarMs,
      plannedStopPaise: slot.stopPaise,
    };
    this.byClientId.set(req.clientOrderId, t);
    this.listener.record({
      type: 'ORDER',
      timeMs: t.record.createdMs,
      request: req,
      brokerOrderId: null,
      from: null,
      to: t.record.state,
      filledQty: 0,
      avgFillPaise: null,
    });
    return t;
  }

  /** Apply one input through the state machine and journal the change. False when nothing changed. */
  private step(t: TrackedOrder, input: OrderInput): boolean {
    const res = transition(t.record, input);
    if (!res.ok) {
      this.deps.log.warn('order input not applied', { clientOrderId: t.record.request.clientOrderId, error: res.error.message });
      return false;
    }
    if (!res.changed) return false;
    if (res.lateFill) this.deps.log.warn('fill after cancel/reject applied (cancel raced a fill)', { clientOrderId: t.record.request.clientOrderId });
    const previousVersion = t.record.version;
    t.record = res.record;
    this.deps.persistence.changed(t, previousVersion);
    this.listener.record({
      type: 'ORDER',
      timeMs: t.record.updatedMs,
      request: t.record.request,
      brokerOrderId: t.record.brokerOrderId,
      from: res.from,
      to: res.to,
      filledQty: t.record.filledQty,
      avgFillPaise: t.record.avgFillPaise,
      note: input.kind,
    });
    return true;
  }

  private bindBrokerId(t: TrackedOrder, brokerOrderId: string): void {
    this.byBrokerId.set(brokerOrderId, t.record.request.clientOrderId);
  }

  private lookupBroker(brokerOrderId: string): TrackedOrder | undefined {
    const cid = this.byBrokerId.get(brokerOrderId);
    return cid === undefined ? undefined : this.byClientId.get(cid);
  }

  private drainEarly(brokerOrderId: string): void {
    const list = this.early.get(brokerOrderId);
    if (list === undefined) return;
    this.early.delete(brokerOrderId);
    for (const e of list) this.onBrokerEvent(e);
  }

  /**
   * Order work runs one task at a time, in the order the engine decided it: broker calls reach
   * the broker in decision order (deterministic broker ids and fills, one order in flight per
   * decision as brokers.md §4.1 advises), and no two flows interleave on the same position.
   */
  private readonly tasks: (() => Promise<void>)[] = [];
  private draining = false;

  /**
   * Queue a task; one drain loop runs the queue. Handing off costs an array push, so a decision
   * pays for no promise chain (then/catch/finally per task was the costliest part of a cold
   * stop move).
   */
  private run(task: () => Promise<void>): void {
    this.pending += 1;
    this.tasks.push(task);
    if (!this.draining) {
      this.draining = true;
      void this.drainTasks();
    }
  }

  private async drainTasks(): Promise<void> {
    try {
      // A task never starts inside the call that queued it: the engine finishes its tick first.
      await Promise.resolve();
      for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) {
        try {
          await task();
        } catch (err: unknown) {
          this.deps.log.error('order task failed', { err });
        } finally {
          this.pending -= 1;
          if (this.pending === 0) {
            const w = this.waiters.splice(0);
            for (const resolve of w) resolve();
          }
        }
      }
    } finally {
      // Even if logging a failure threw: the next run() starts a new loop for what is left.
      this.draining = false;
    }
  }

  private clientId(symbol: string, signalBarMs: number, suffix: string): string {
    // e.g. tfl-RELIANCE-202405211030-E: strategy, symbol, signal bar (IST), purpose.
    return `${this.deps.strategyId}-${symbol}-${this.stamp(signalBarMs)}-${suffix}`;
  }

  private stampDay = Number.NaN;
  private stampDate = '';
  /** YYYYMMDDHHmm of an instant in IST; the date part is formatted once per day. */
  private stamp(epochMs: number): string {
    const day = istDayNumber(epochMs);
    if (day !== this.stampDay) {
      this.stampDay = day;
      this.stampDate = String(istDateNumber(epochMs));
    }
    const m = istMinuteOfDay(epochMs);
    const hh = Math.floor(m / 60);
    const mm = m % 60;
    return `${this.stampDate}${hh < 10 ? '0' : ''}${hh}${mm < 10 ? '0' : ''}${mm}`;
  }

  /** One of our orders' terms; prices in paise, 0 where unused. */
  private request(inst: Instrument, clientOrderId: string, side: OrderRequest['side'], qty: number, priceType: OrderRequest['priceType'], pricePaise: number, triggerPaise: number, product: OrderRequest['product'] = this.deps.product): OrderRequest {
    return { clientOrderId, strategy: this.deps.strategyId, symbol: inst.symbol, exchange: inst.exchange, side, qty, product, priceType, pricePaise, triggerPaise };
  }

  private get listener(): OrderListener {
    if (this.listenerRef === null) throw new Error('order manager has no listener attached');
    return this.listenerRef;
  }

  private slot(symbol: number): SymbolOrders {
    const s = this.slots[symbol];
    if (s === undefined) throw new Error(`unknown symbol index ${symbol}`);
    return s;
  }

  private inst(symbol: number): Instrument {
    const i = this.deps.instruments[symbol];
    if (i === undefined) throw new Error(`unknown symbol index ${symbol}`);
    return i;
  }
}

