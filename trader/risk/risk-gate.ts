import { z } from 'zod';
import type { DenialReason } from '../domain/events';
import type { Bias, Intent } from '../domain/intent';
import type { Paise } from '../domain/money';
import { toRupees } from '../domain/money';
import { formatHhmm, istMinuteOfDay } from '../domain/time';
import type { KillSwitchState } from './kill-switch';
import type { ResolvedRiskConfig, RiskConfig } from './risk-config';
import { resolveRiskConfig } from './risk-config';

/**
 * The pre-trade risk gate (strategies.md §4, sizing and ranking from §1). Pure decision code:
 * no clock, no I/O; the engine passes the book and the time, and journals what comes back.
 * A denial is a value with a reason, never an exception.
 *
 * Trading state, per day:
 *
 *   ACTIVE ──kill switch 'stop'──▶ REDUCING   no new entries; open positions still managed
 *     ▲  ◀──kill switch 'off'────────┘
 *     │
 *     └─(either)── daily loss limit, profit lock, kill switch 'flatten' ──▶ HALTED
 *                  flatten everything; no entries for the rest of the day (until startSession)
 */

export type EnterIntent = Extract<Intent, { kind: 'ENTER' }>;

export interface EntryCandidate {
  readonly intent: EnterIntent;
  /** From the instrument master (1 for cash equities). */
  readonly lotSize: number;
}

/**
 * What the engine knows when it asks. Entries already approved but not yet filled count as open
 * positions, open risk and trades, so two batches in a row cannot overshoot a limit.
 */
export interface BookState {
  /** The day's published bias; null when none. */
  readonly bias: Bias | null;
  readonly openPositions: number;
  /** Symbols with an open position or an approved entry still pending (only `has` is asked). */
  readonly openSymbols: { has(symbol: string): boolean };
  /**
   * Σ qty × distance from the current price basis to the current stop on the losing side, per
   * open position (0 once the stop is at or beyond breakeven), plus approved pending entries'
   * risk. The engine's definition; the gate only budgets against it.
   */
  readonly openRiskPaise: Paise;
  /** Entries taken today (filled or pending), in total, per symbol and per strategy id. */
  readonly tradesToday: number;
  readonly tradesBySymbol: ReadonlyMap<string, number>;
  readonly tradesByStrategy: ReadonlyMap<string, number>;
}

export type RiskVerdict<C extends EntryCandidate = EntryCandidate> =
  | {
      readonly kind: 'approved';
      readonly candidate: C;
      /** 1-based position in the ranking of this batch. */
      readonly rank: number;
      /** Units, a multiple of the lot size. */
      readonly qty: number;
      /** qty × risk per unit at the reference price: what this entry adds to open risk. */
      readonly riskPaise: Paise;
      /** Smart-resized down to fit the remaining risk budget. */
      readonly resized: boolean;
    }
  | {
      readonly kind: 'denied';
      readonly candidate: C;
      readonly rank: number;
      readonly reason: DenialReason;
      readonly detail: string;
    };

export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';
export type HaltReason = 'DAILY_LOSS_LIMIT' | 'PROFIT_LOCK' | 'KILL_SWITCH';

/**
 * Simultaneous-trigger ranking (§1): smaller range % first, then higher relative volume (the
 * strategy reports 1 when volume is absent, so absent volumes compare equal), then symbol name,
 * then strategy id so the order is total and replays are identical.
 */
export function compareCandidates(a: EntryCandidate, b: EntryCandidate): number {
  const x = a.intent;
  const y = b.intent;
  if (x.rangePct !== y.rangePct) return x.rangePct < y.rangePct ? -1 : 1;
  if (x.relVolume !== y.relVolume) return x.relVolume > y.relVolume ? -1 : 1;
  if (x.symbol !== y.symbol) return x.symbol < y.symbol ? -1 : 1;
  if (x.strategy !== y.strategy) return x.strategy < y.strategy ? -1 : 1;
  return 0;
}

export class RiskGate {
  readonly config: RiskConfig;
  private readonly r: ResolvedRiskConfig;
  private tradingState: TradingState = 'ACTIVE';
  private halt: HaltReason | null = null;
  private killSwitch: KillSwitchState = 'off';
  private dateKey: string | null = null;

  constructor(config: RiskConfig) {
    this.config = config;
    this.r = resolveRiskConfig(config);
  }

  get state(): TradingState {
    return this.tradingState;
  }

  /** Why the day is halted (null unless HALTED). */
  get haltReason(): HaltReason | null {
    return this.halt;
  }

  /** 1 R in paise, for the engine's R accounting. */
  get riskPerTradePaise(): Paise {
    return this.r.riskPerTradePaise;
  }

  /**
   * A new trading day: ACTIVE again, unless the kill switch still says otherwise. A repeated
   * call for the running day is a no-op (so restore-then-start keeps a halt).
   */
  startSession(dateKey: string): void {
    if (dateKey === this.dateKey) return;
    this.dateKey = dateKey;
    this.tradingState = 'ACTIVE';
    this.halt = null;
    this.applyKillSwitch(this.killSwitch);
  }

  /**
   * The operator's kill switch changed (or was polled). Returns true when this call halted
   * trading: the engine must now flatten everything and cancel resting entries.
   */
  setKillSwitch(state: KillSwitchState): boolean {
    this.killSwitch = state;
    return this.applyKillSwitch(state);
  }

  /**
   * The day's P&L so far (both signed, integer paise). Returns true when this call crossed the
   * daily loss limit (or the optional profit lock) and halted trading: the engine must flatten
   * everything now. Later calls return false; `state` stays HALTED for the rest of the day.
   */
  onMarkToMarket(realisedPaise: Paise, unrealisedPaise: Paise): boolean {
    if (this.tradingState === 'HALTED') return false;
    const total = realisedPaise + unrealisedPaise;
    if (total <= -this.r.dailyLossLimitPaise) return this.haltFor('DAILY_LOSS_LIMIT');
    const lock = this.r.dailyProfitLockPaise;
    if (lock !== null && total >= lock) return this.haltFor('PROFIT_LOCK');
    return false;
  }

  /**
   * Rank simultaneous entry candidates, size each, and admit them in order while the open-risk
   * budget allows; the first that does not fit is resized down if at least one lot still fits,
   * and every later one is denied RISK_BUDGET. Results come back in rank order.
   *
   * Sizing happens before the fill, so risk per unit is |refPrice − stop| (the trigger close);
   * the position's real R is fixed later from the fill price.
   */
  evaluate<C extends EntryCandidate>(candidates: readonly C[], book: BookState, nowMs: number): RiskVerdict<C>[] {
    // A decision runs cold (a few times a day), so this allocates only what it returns: no sort,
    // set or map for the usual single candidate, and plain arrays (a handful of names) otherwise.
    const ranked = candidates.length > 1 ? candidates.slice().sort(compareCandidates) : candidates;
    const results: RiskVerdict<C>[] = [];
    let admitted = 0;
    let admittedRisk = 0;
    let budgetClosed = false;
    /** Symbols and strategies admitted earlier in this batch, one entry per admission. */
    const takenSymbols: string[] = [];
    const takenStrategies: string[] = [];

    for (let i = 0; i < ranked.length; i++) {
      const candidate = ranked[i];
      if (candidate === undefined) continue;
      const rank = i + 1;
      const intent = candidate.intent;
      const deny = (reason: DenialReason, detail: string): void => {
        results.push({ kind: 'denied', candidate, rank, reason, detail });
      };
      const extraForSymbol = countOf(takenSymbols, intent.symbol);

      // 1. halted / kill switch
      if (this.tradingState === 'HALTED') {
        deny(this.halt === 'KILL_SWITCH' ? 'KILL_SWITCH' : 'HALTED', `trading halted for the day (${this.halt ?? 'unknown'})`);
        continue;
      }
      if (this.tradingState === 'REDUCING') {
        deny('KILL_SWITCH', "kill switch 'stop': no new entries");
        continue;
      }
      // 2. bias
      const bias = book.bias;
      if (bias === null) {
        if (this.config.requireBias) {
          deny('NO_BIAS', 'no bias published for the day');
          continue;
        }
      } else if (bias === 'NO_TRADES' || (bias === 'LONGS_ONLY') !== (intent.direction === 'LONG')) {
        deny('BIAS', `bias ${bias} does not allow a ${intent.direction.toLowerCase()} entry`);
        continue;
      }
      // 3. window
      const minute = istMinuteOfDay(nowMs);
      if (minute < this.r.windowStartMinute || minute > this.r.windowEndMinute) {
        deny(
          'OUTSIDE_WINDOW',
          `${formatHhmm(minute)} is outside the entry window ${this.config.entryWindow.start}–${this.config.entryWindow.end}`,
        );
        continue;
      }
      // 4. open positions
      const open = book.openPositions + admitted;
      if (open >= this.config.maxOpenPositions) {
        deny('MAX_OPEN_POSITIONS', `${open} open of at most ${this.config.maxOpenPositions}`);
        continue;
      }
      // 5. trades per day
      const trades = book.tradesToday + admitted;
      if (trades >= this.config.maxTradesPerDay) {
        deny('MAX_TRADES_PER_DAY', `${trades} trades today of at most ${this.config.maxTradesPerDay}`);
        continue;
      }
      // 6. per symbol (and one position per symbol)
      const symbolTrades = (book.tradesBySymbol.get(intent.symbol) ?? 0) + extraForSymbol;
      if (symbolTrades >= this.config.maxTradesPerSymbolPerDay) {
        deny('MAX_TRADES_PER_SYMBOL', `${symbolTrades} trades today on ${intent.symbol} of at most ${this.config.maxTradesPerSymbolPerDay}`);
        continue;
      }
      if (book.openSymbols.has(intent.symbol) || extraForSymbol > 0) {
        deny('POSITION_OPEN', `a position or entry on ${intent.symbol} is already open`);
        continue;
      }
      // 7. per strategy
      const strategyLimit = this.config.maxUsesPerStrategyPerDay[intent.strategy];
      const strategyUses = (book.tradesByStrategy.get(intent.strategy) ?? 0) + countOf(takenStrategies, intent.strategy);
      if (strategyLimit !== undefined && strategyUses >= strategyLimit) {
        deny('STRATEGY_DAILY_USE', `strategy ${intent.strategy} used ${strategyUses} times today of at most ${strategyLimit}`);
        continue;
      }
      // 8. invalid stop
      const refPaise = intent.refPricePaise;
      const riskPerUnit = intent.direction === 'LONG' ? refPaise - intent.stopPaise : intent.stopPaise - refPaise;
      if (!(refPaise > 0) || !Number.isInteger(riskPerUnit) || riskPerUnit <= 0) {
        deny(
          'INVALID_STOP',
          `${intent.direction.toLowerCase()} at ${rupees(refPaise)} with stop ${rupees(intent.stopPaise)}: risk per unit ${rupees(riskPerUnit)}`,
        );
        continue;
      }
      // 9. size: floor(R / risk per unit) in lots, capped by the allocation
      const lot = candidate.lotSize;
      if (!Number.isInteger(lot) || lot < 1) {
        deny('SIZE_BELOW_ONE_LOT', `invalid lot size ${lot} for ${intent.symbol}`);
        continue;
      }
      const lotsByRisk = Math.floor(Math.floor(this.r.riskPerTradePaise / riskPerUnit) / lot);
      const lotsByAllocation = Math.floor(Math.floor(this.r.allocationPaise / refPaise) / lot);
      const lots = Math.min(lotsByRisk, lotsByAllocation);
      if (lots < 1) {
        deny(
          'SIZE_BELOW_ONE_LOT',
          lotsByRisk < 1
            ? `one lot of ${lot} risks ${rupees(lot * riskPerUnit)}, more than R ${rupees(this.r.riskPerTradePaise)}`
            : `one lot of ${lot} at ${rupees(refPaise)} exceeds the allocation ${rupees(this.r.allocationPaise)}`,
        );
        continue;
      }
      // 10. open-risk budget, with smart resizing of the first candidate that does not fit
      const remaining = this.r.openRiskBudgetPaise - book.openRiskPaise - admittedRisk;
      if (budgetClosed) {
        deny('RISK_BUDGET', `risk budget taken by higher-ranked candidates (remaining ${rupees(Math.max(0, remaining))})`);
        continue;
      }
      let qty = lots * lot;
      let resized = false;
      if (qty * riskPerUnit > remaining) {
        budgetClosed = true;
        const fitLots = remaining > 0 ? Math.floor(remaining / (riskPerUnit * lot)) : 0;
        if (fitLots < 1) {
          deny(
            'RISK_BUDGET',
            `needs ${rupees(lot * riskPerUnit)} for one lot; ${rupees(Math.max(0, remaining))} of ${rupees(this.r.openRiskBudgetPaise)} budget left`,
          );
          continue;
        }
        qty = fitLots * lot;
        resized = true;
      }
      const riskPaise = qty * riskPerUnit;
      admitted += 1;
      admittedRisk += riskPaise;
      takenSymbols.push(intent.symbol);
      takenStrategies.push(intent.strategy);
      results.push({ kind: 'approved', candidate, rank, qty, riskPaise, resized });
    }
    return results;
  }

  snapshot(): RiskGateSnapshot {
    return { version: 1, dateKey: this.dateKey, state: this.tradingState, haltReason: this.halt, killSwitch: this.killSwitch };
  }

  /** Restores the day's trading state, so a restart after a halt stays halted. */
  restore(snapshot: RiskGateSnapshot): void {
    const s = RiskGateSnapshotSchema.parse(snapshot);
    this.dateKey = s.dateKey;
    this.tradingState = s.state;
    this.halt = s.haltReason;
    this.killSwitch = s.killSwitch;
  }

  private applyKillSwitch(state: KillSwitchState): boolean {
    switch (state) {
      case 'flatten':
        return this.tradingState === 'HALTED' ? false : this.haltFor('KILL_SWITCH');
      case 'stop':
        if (this.tradingState === 'ACTIVE') this.tradingState = 'REDUCING';
        return false;
      case 'off':
        if (this.tradingState === 'REDUCING') this.tradingState = 'ACTIVE';
        return false;
    }
  }

  private haltFor(reason: HaltReason): true {
    this.tradingState = 'HALTED';
    this.halt = reason;
    return true;
  }
}

function countOf(names: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < names.length; i++) if (names[i] === name) n++;
  return n;
}

function rupees(paise: number): string {
  return `₹${toRupees(paise).toFixed(2)}`;
}

export const RiskGateSnapshotSchema = z
  .strictObject({
    version: z.literal(1),
    dateKey: z.string().nullable(),
    state: z.enum(['ACTIVE', 'REDUCING', 'HALTED']),
    haltReason: z.enum(['DAILY_LOSS_LIMIT', 'PROFIT_LOCK', 'KILL_SWITCH']).nullable(),
    killSwitch: z.enum(['off', 'stop', 'flatten']),
  })
  .refine((s) => (s.state === 'HALTED') === (s.haltReason !== null), {
    message: 'haltReason must be set exactly when the state is HALTED',
    path: ['haltReason'],
  });

export type RiskGateSnapshot = z.infer<typeof RiskGateSnapshotSchema>;
