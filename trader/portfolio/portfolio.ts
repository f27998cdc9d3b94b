import { z } from 'zod';
import type { TradeRecord } from '../domain/events';
import type { Direction, ExitReason } from '../domain/intent';
import type { Paise } from '../domain/money';
import type { Side } from '../domain/order';

/**
 * Positions and P&L, exact in integer paise. One position per symbol (dense index) for the
 * profile's strategy. A trade is the round trip from flat to flat: entry fills open it (their
 * volume-weighted price is the entry), exit fills reduce it, and when it is flat again one
 * TradeRecord is produced with R measured against the risk the entry actually took
 * (abs(entry fill − initial stop) × entry quantity).
 *
 * Per-tick work (`mark`) is O(1) and allocation-free; everything else happens per fill.
 */
export interface FillApplied {
  /** The position went from flat to open with this fill. */
  readonly opened: boolean;
  /** The position went back to flat: the completed trade. */
  readonly closed: TradeRecord | null;
  /** Signed quantity after the fill. */
  readonly netQty: number;
}

interface PositionSlot {
  netQty: number;
  direction: Direction | null;
  /** Entry side: sums over entry fills for the VWAP entry price. */
  entryQty: number;
  entryNotionalPaise: number;
  entryTimeMs: number;
  /** Exit side: sums over exit fills. */
  exitQty: number;
  exitNotionalPaise: number;
  exitTimeMs: number;
  costsPaise: number;
  initialStopPaise: number;
  /** Realised on this trade so far (partial exits), gross of costs. */
  tradeRealisedPaise: number;
  /** Best and worst prices seen while open, for MAE/MFE. */
  highPaise: number;
  lowPaise: number;
  lastMarkPaise: number;
  unrealisedPaise: number;
  tradeSeq: number;
}

function emptySlot(): PositionSlot {
  return {
    netQty: 0,
    direction: null,
    entryQty: 0,
    entryNotionalPaise: 0,
    entryTimeMs: 0,
    exitQty: 0,
    exitNotionalPaise: 0,
    exitTimeMs: 0,
    costsPaise: 0,
    initialStopPaise: 0,
    tradeRealisedPaise: 0,
    highPaise: 0,
    lowPaise: 0,
    lastMarkPaise: 0,
    unrealisedPaise: 0,
    tradeSeq: 0,
  };
}

export interface PortfolioSnapshot {
  readonly realisedPaise: number;
  readonly costsPaise: number;
  readonly positions: readonly (PositionSlot & { readonly symbol: string })[];
}

export class Portfolio {
  private readonly slots: PositionSlot[] = [];
  private readonly symbols: string[] = [];
  /** Closed-trade P&L for the day, gross of costs. */
  private realisedGross = 0;
  private costs = 0;
  private unrealisedTotal = 0;
  private openCount = 0;

  constructor(private readonly strategyId: string) {}

  addSymbol(index: number, symbol: string): void {
    this.slots[index] = emptySlot();
    this.symbols[index] = symbol;
  }

  /** Net (after costs) realised P&L of the day, paise. Partial exits count when they happen. */
  get realisedNetPaise(): number {
    return this.realisedGross - this.costs;
  }
  get realisedGrossPaise(): number {
    return this.realisedGross;
  }
  get costsPaise(): number {
    return this.costs;
  }
  get unrealisedPaise(): number {
    return this.unrealisedTotal;
  }
  get openPositions(): number {
    return this.openCount;
  }

  netQty(symbol: number): number {
    return this.slot(symbol).netQty;
  }

  direction(symbol: number): Direction | null {
    return this.slot(symbol).direction;
  }

  /** Volume-weighted entry price of the open position (0 when flat). */
  entryPricePaise(symbol: number): number {
    const s = this.slot(symbol);
    return s.entryQty === 0 ? 0 : Math.round(s.entryNotionalPaise / s.entryQty);
  }

  /** The stop the trade was opened against; set by the order manager when the entry is placed. */
  setInitialStop(symbol: number, stopPaise: Paise): void {
    this.slot(symbol).initialStopPaise = stopPaise;
  }

  /** Mark an open position to the latest price. O(1), no allocation. */
  mark(symbol: number, pricePaise: Paise): void {
    const s = this.slots[symbol];
    if (s === undefined || s.netQty === 0) return;
    if (pricePaise > s.highPaise) s.highPaise = pricePaise;
    if (pricePaise < s.lowPaise) s.lowPaise = pricePaise;
    s.lastMarkPaise = pricePaise;
    const avg = s.entryNotionalPaise / s.entryQty;
    const u = Math.round((pricePaise - avg) * s.netQty);
    this.unrealisedTotal += u - s.unrealisedPaise;
    s.unrealisedPaise = u;
  }

  /**
   * Apply one execution. `reason` names why an exit fill happened (carried into the trade).
   * Throws on a fill that would flip the position through zero: the order manager never sends
   * such an order, so it means a broker or bookkeeping fault that must stop trading.
   */
  applyFill(
    symbol: number,
    side: Side,
    qty: number,
    pricePaise: Paise,
    costsPaise: Paise,
    timeMs: number,
    reason: ExitReason | null,
  ): FillApplied {
    if (!(qty > 0) || !Number.isInteger(qty)) throw new Error(`fill quantity must be a positive integer, got ${qty}`);
    const s = this.slot(symbol);
    const signed = side === 'BUY' ? qty : -qty;
    this.costs += costsPaise;
    s.costsPaise += costsPaise;

    if (s.netQty === 0) {
      // Flat → open.
      Object.assign(s, emptySlot(), { tradeSeq: s.tradeSeq + 1, initialStopPaise: s.initialStopPaise, costsPaise });
      s.direction = side === 'BUY' ? 'LONG' : 'SHORT';
      s.netQty = signed;
      s.entryQty = qty;
      s.entryNotionalPaise = qty * pricePaise;
      s.entryTimeMs = timeMs;
      s.highPaise = pricePaise;
      s.lowPaise = pricePaise;
      s.lastMarkPaise = pricePaise;
      this.openCount += 1;
      return { opened: true, closed: null, netQty: s.netQty };
    }

    const adding = Math.sign(signed) === Math.sign(s.netQty);
    if (adding) {
      s.netQty += signed;
      s.entryQty += qty;
      s.entryNotionalPaise += qty * pricePaise;
      this.mark(symbol, pricePaise);
      return { opened: false, closed: null, netQty: s.netQty };
    }

    const open = Math.abs(s.netQty);
    if (qty > open) {
      throw new Error(`fill of ${qty} on ${this.symbols[symbol] ?? symbol} would flip a position of ${s.netQty} through zero`);
    }
    // Reducing: realise against the average entry price, exactly (integer notional arithmetic).
    const entryAvgNotional = s.entryNotionalPaise; // over entryQty units
    const dir = s.netQty > 0 ? 1 : -1;
    const realised = dir * (qty * pricePaise) - dir * ((entryAvgNotional * qty) / s.entryQty);
    const realisedPaise = Math.round(realised);
    s.tradeRealisedPaise += realisedPaise;
    this.realisedGross += realisedPaise;
    s.exitQty += qty;
    s.exitNotionalPaise += qty * pricePaise;
    s.exitTimeMs = timeMs;
    s.netQty += signed;
    if (pricePaise > s.highPaise) s.highPaise = pricePaise;
    if (pricePaise < s.lowPaise) s.lowPaise = pricePaise;

    if (s.netQty !== 0) {
      this.mark(symbol, pricePaise);
      return { opened: false, closed: null, netQty: s.netQty };
    }

    // Flat again: the trade's gross is exactly exit notional − entry notional; per-exit
    // rounding of a fractional average entry is corrected here so fills and ledger agree to the paisa.
    const exact = dir * (s.exitNotionalPaise - s.entryNotionalPaise);
    const correction = exact - s.tradeRealisedPaise;
    s.tradeRealisedPaise += correction;
    this.realisedGross += correction;
    this.unrealisedTotal -= s.unrealisedPaise;
    s.unrealisedPaise = 0;
    this.openCount -= 1;
    const trade = this.closeTrade(symbol, s, reason ?? 'MANUAL');
    return { opened: false, closed: trade, netQty: 0 };
  }

  private closeTrade(symbol: number, s: PositionSlot, reason: ExitReason): TradeRecord {
    const direction = s.direction ?? 'LONG';
    const entryPrice = Math.round(s.entryNotionalPaise / s.entryQty);
    const exitPrice = Math.round(s.exitNotionalPaise / s.exitQty);
    const riskPerUnit = Math.abs(entryPrice - s.initialStopPaise);
    const initialRisk = riskPerUnit * s.entryQty;
    const gross = s.tradeRealisedPaise;
    const mae = direction === 'LONG' ? entryPrice - s.lowPaise : s.highPaise - entryPrice;
    const mfe = direction === 'LONG' ? s.highPaise - entryPrice : entryPrice - s.lowPaise;
    const sym = this.symbols[symbol] ?? String(symbol);
    const trade: TradeRecord = {
      tradeId: `${this.strategyId}.${sym}.${s.entryTimeMs}.${s.tradeSeq}`,
      strategy: this.strategyId,
      symbol: sym,
      direction,
      qty: s.entryQty,
      entryTimeMs: s.entryTimeMs,
      entryPricePaise: entryPrice,
      exitTimeMs: s.exitTimeMs,
      exitPricePaise: exitPrice,
      exitReason: reason,
      initialStopPaise: s.initialStopPaise,
      initialRiskPaise: initialRisk,
      grossPaise: gross,
      costsPaise: s.costsPaise,
      netPaise: gross - s.costsPaise,
      r: initialRisk > 0 ? gross / initialRisk : 0,
      maePaise: Math.max(0, mae),
      mfePaise: Math.max(0, mfe),
    };
    s.direction = null;
    s.entryQty = 0;
    s.entryNotionalPaise = 0;
    s.exitQty = 0;
    s.exitNotionalPaise = 0;
    s.tradeRealisedPaise = 0;
    s.costsPaise = 0;
    return trade;
  }

  /** Open risk of a position against a stop (0 when flat or when the stop is past breakeven). */
  openRiskPaise(symbol: number, stopPaise: Paise): number {
    const s = this.slot(symbol);
    if (s.netQty === 0) return 0;
    const avg = s.entryNotionalPaise / s.entryQty;
    const perUnit = s.netQty > 0 ? avg - stopPaise : stopPaise - avg;
    return perUnit > 0 ? Math.round(perUnit * Math.abs(s.netQty)) : 0;
  }

  /** Start of a new day: daily totals reset; open positions (none, intraday) would carry. */
  resetDay(): void {
    this.realisedGross = 0;
    this.costs = 0;
  }

  snapshot(): PortfolioSnapshot {
    return {
      realisedPaise: this.realisedGross,
      costsPaise: this.costs,
      positions: this.slots.map((s, i) => ({ ...s, symbol: this.symbols[i] ?? String(i) })),
    };
  }

  /** Resume from a snapshot of the same symbols (validated: a restart never trusts a bad item). */
  restore(snapshot: unknown): void {
    const s = PortfolioSnapshotSchema.parse(snapshot);
    if (s.positions.length !== this.slots.length) throw new Error(`portfolio snapshot has ${s.positions.length} symbols, expected ${this.slots.length}`);
    s.positions.forEach((p, i) => {
      if (p.symbol !== this.symbols[i]) throw new Error(`portfolio snapshot symbol ${i} is ${p.symbol}, expected ${this.symbols[i] ?? '?'}`);
      const { symbol: _symbol, ...slot } = p;
      this.slots[i] = { ...slot };
    });
    this.realisedGross = s.realisedPaise;
    this.costs = s.costsPaise;
    this.openCount = this.slots.filter((x) => x.netQty !== 0).length;
    this.unrealisedTotal = this.slots.reduce((a, x) => a + x.unrealisedPaise, 0);
  }

  private slot(symbol: number): PositionSlot {
    const s = this.slots[symbol];
    if (s === undefined) throw new Error(`unknown symbol index ${symbol}`);
    return s;
  }
}

const int = z.number().int();
const PositionSlotSchema = z.strictObject({
  symbol: z.string(),
  netQty: int,
  direction: z.enum(['LONG', 'SHORT']).nullable(),
  entryQty: int,
  entryNotionalPaise: z.number(),
  entryTimeMs: z.number(),
  exitQty: int,
  exitNotionalPaise: z.number(),
  exitTimeMs: z.number(),
  costsPaise: z.number(),
  initialStopPaise: z.number(),
  tradeRealisedPaise: z.number(),
  highPaise: z.number(),
  lowPaise: z.number(),
  lastMarkPaise: z.number(),
  unrealisedPaise: z.number(),
  tradeSeq: int,
});
export const PortfolioSnapshotSchema = z.strictObject({
  realisedPaise: z.number(),
  costsPaise: z.number(),
  positions: z.array(PositionSlotSchema),
});
