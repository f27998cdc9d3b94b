import type { NseCalendar } from '../domain/calendar';
import type { InstrumentRef } from '../domain/instrument';
import { TICK_REJECT_REASONS, type TickRejectReason } from '../domain/tick';

const REASON_INDEX: Readonly<Record<TickRejectReason, number>> = {
  MALFORMED: 0,
  NON_POSITIVE_PRICE: 1,
  UNKNOWN_SYMBOL: 2,
  DUPLICATE: 3,
  OUT_OF_ORDER: 4,
  OUTSIDE_SESSION: 5,
};

/**
 * The boundary every tick passes before it can reach bars or a strategy. Registered instruments
 * get dense indices 0..n-1 in registration order; `accept` answers with the index, or -1 after
 * counting why the tick was dropped. O(1), no allocation, never throws.
 *
 * Checks, in order (the first failing one is counted):
 *  MALFORMED          a required field is missing or non-finite; an optional one (volume, bid,
 *                     ask) is present but non-finite or negative; volume not an integer
 *  NON_POSITIVE_PRICE price ≤ 0
 *  UNKNOWN_SYMBOL     symbol/exchange not registered
 *  OUTSIDE_SESSION    the calendar says the instant is not inside a trading segment
 *  OUT_OF_ORDER       earlier than the symbol's last accepted tick
 *  DUPLICATE          same time, price and volume as the symbol's last accepted tick
 * Rejected ticks leave the per-symbol state untouched. Volume `undefined` (no volume in the feed)
 * and volume 0 are different values for the duplicate test.
 */
export class TickGate {
  readonly size: number;
  private readonly byExchange = new Map<string, Map<string, number>>();
  private readonly refs: InstrumentRef[];
  private readonly lastTime: Float64Array;
  private readonly lastPrice: Float64Array;
  /** Last accepted volume; NaN encodes "absent" (never a valid volume). */
  private readonly lastVolume: Float64Array;
  private readonly seen: Uint8Array;
  private readonly rejects = new Float64Array(TICK_REJECT_REASONS.length);
  private acceptedCount = 0;
  // One cached trading segment makes the session test two comparisons for almost every tick.
  private segOpenMs = 0;
  private segCloseMs = 0;

  constructor(
    instruments: readonly InstrumentRef[],
    private readonly calendar: NseCalendar,
  ) {
    this.refs = [];
    for (const ref of instruments) {
      let bySymbol = this.byExchange.get(ref.exchange);
      if (!bySymbol) {
        bySymbol = new Map();
        this.byExchange.set(ref.exchange, bySymbol);
      }
      if (bySymbol.has(ref.symbol)) throw new Error(`tick gate: ${ref.exchange}:${ref.symbol} registered twice`);
      bySymbol.set(ref.symbol, this.refs.length);
      this.refs.push({ symbol: ref.symbol, exchange: ref.exchange });
    }
    this.size = this.refs.length;
    this.lastTime = new Float64Array(this.size);
    this.lastPrice = new Float64Array(this.size);
    this.lastVolume = new Float64Array(this.size);
    this.seen = new Uint8Array(this.size);
  }

  /** Dense index of a registered instrument, or -1. */
  indexOf(symbol: string, exchange: string): number {
    const bySymbol = this.byExchange.get(exchange);
    if (bySymbol === undefined) return -1;
    const i = bySymbol.get(symbol);
    return i === undefined ? -1 : i;
  }

  instrument(index: number): InstrumentRef {
    const ref = this.refs[index];
    if (!ref) throw new Error(`tick gate: no instrument at index ${index}`);
    return ref;
  }

  instruments(): readonly InstrumentRef[] {
    return this.refs;
  }

  /** Validate one decoded tick; returns its symbol index, or -1 when it was dropped (and counted). */
  accept(
    symbol: string | undefined,
    exchange: string | undefined,
    timeMs: number,
    price: number,
    volume?: number,
    bid?: number,
    ask?: number,
  ): number {
    if (
      typeof symbol !== 'string' ||
      typeof exchange !== 'string' ||
      !Number.isFinite(timeMs) ||
      !Number.isFinite(price) ||
      (volume !== undefined && !(Number.isInteger(volume) && volume >= 0)) ||
      (bid !== undefined && !(Number.isFinite(bid) && bid >= 0)) ||
      (ask !== undefined && !(Number.isFinite(ask) && ask >= 0))
    ) {
      return this.reject(0);
    }
    if (price <= 0) return this.reject(1);
    const i = this.indexOf(symbol, exchange);
    if (i < 0) return this.reject(2);
    return this.admit(i, timeMs, price, volume);
  }

  /**
   * The same checks for a tick whose instrument is already resolved to its dense index (replay of
   * bar files, where the symbol is known per series): no name lookups on the hot path.
   */
  acceptIndex(index: number, timeMs: number, price: number, volume?: number, bid?: number, ask?: number): number {
    if (
      !Number.isFinite(timeMs) ||
      !Number.isFinite(price) ||
      (volume !== undefined && !(Number.isInteger(volume) && volume >= 0)) ||
      (bid !== undefined && !(Number.isFinite(bid) && bid >= 0)) ||
      (ask !== undefined && !(Number.isFinite(ask) && ask >= 0))
    ) {
      return this.reject(0);
    }
    if (price <= 0) return this.reject(1);
    if (!(index >= 0 && index < this.size)) return this.reject(2);
    return this.admit(index, timeMs, price, volume);
  }

  private admit(i: number, timeMs: number, price: number, volume: number | undefined): number {
    if (!this.inSession(timeMs)) return this.reject(5);
    if (this.seen[i] === 1) {
      const last = this.lastTime[i] ?? 0;
      if (timeMs < last) return this.reject(4);
      if (timeMs === last && price === this.lastPrice[i]) {
        const lv = this.lastVolume[i] ?? 0;
        if (volume === undefined ? Number.isNaN(lv) : volume === lv) return this.reject(3);
      }
    }
    this.seen[i] = 1;
    this.lastTime[i] = timeMs;
    this.lastPrice[i] = price;
    this.lastVolume[i] = volume === undefined ? NaN : volume;
    this.acceptedCount++;
    return i;
  }

  /** Time of the symbol's last accepted tick, or NaN before the first one. */
  lastAcceptedTimeMs(index: number): number {
    return this.seen[index] === 1 ? (this.lastTime[index] ?? NaN) : NaN;
  }

  get accepted(): number {
    return this.acceptedCount;
  }

  rejected(reason: TickRejectReason): number {
    return this.rejects[REASON_INDEX[reason]] ?? 0;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const v of this.rejects) n += v;
    return n;
  }

  /** Counters for the day summary (allocates; not for the hot path). */
  rejectCounts(): Record<TickRejectReason, number> {
    const out = {} as Record<TickRejectReason, number>;
    for (const r of TICK_REJECT_REASONS) out[r] = this.rejected(r);
    return out;
  }

  private reject(reasonIndex: number): number {
    this.rejects[reasonIndex] = (this.rejects[reasonIndex] ?? 0) + 1;
    return -1;
  }

  private inSession(timeMs: number): boolean {
    if (timeMs >= this.segOpenMs && timeMs < this.segCloseMs) return true;
    let session;
    try {
      session = this.calendar.sessionAt(timeMs);
    } catch {
      // Outside the calendar's years (e.g. a seconds timestamp read as ms): not a session.
      return false;
    }
    if (session === null) return false;
    for (const seg of session.segments) {
      if (timeMs >= seg.openMs && timeMs < seg.closeMs) {
        this.segOpenMs = seg.openMs;
        this.segCloseMs = seg.closeMs;
        return true;
      }
    }
    return false;
  }
}
