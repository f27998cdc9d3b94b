import { z } from 'zod';
import type { Paise } from '../domain/money';
import { parseHhmm } from '../domain/time';

/**
 * Risk rules shared by every profile (strategies.md §4, sizing from §1), parsed once at the
 * boundary. Money in the profile is in rupees (what an operator writes); the gate works in
 * paise, so `resolveRiskConfig` converts once and inner code never sees a rupee float.
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const hhmm = z.string().regex(HHMM, { message: "expected an IST time 'HH:MM'" });

const RupeesOrR = z.discriminatedUnion('kind', [
  /** A multiple of the risk per trade (R). */
  z.strictObject({ kind: z.literal('R'), r: z.number().positive() }),
  z.strictObject({ kind: z.literal('rupees'), rupees: z.number().positive() }),
]);

export const RiskConfigSchema = z
  .strictObject({
    /** Trading capital. No default: sizing real money needs it said out loud. */
    capitalRupees: z.number().positive(),
    /** Intraday leverage the allocation cap may use, 1–10×. */
    leverage: z.number().min(1).max(10).default(1),
    /** Capital allocation cap per position: this percent of capital × leverage, divided by price. */
    allocationPct: z.number().gt(0).max(100).default(25),
    /** R: the rupees one trade may lose at its initial stop. */
    riskPerTrade: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('rupees'), rupees: z.number().positive() }),
        z.strictObject({ kind: z.literal('percentOfCapital'), pct: z.number().gt(0).max(100) }),
      ])
      .default({ kind: 'rupees', rupees: 6500 }),
    /** Total risk of open positions (and entries being approved) at their current stops, in R. */
    openRiskBudgetR: z.number().positive().default(5),
    /** Loss (realised + unrealised, as a positive amount) at which everything is flattened and the day halted. */
    dailyLossLimit: RupeesOrR.default({ kind: 'R', r: 5 }),
    /** Optional daily profit lock: the same flatten-and-halt on the way up. Off by default. */
    dailyProfitLock: RupeesOrR.nullable().default(null),
    maxOpenPositions: z.number().int().min(1).default(5),
    maxTradesPerDay: z.number().int().min(1).default(10),
    maxTradesPerSymbolPerDay: z.number().int().min(1).default(2),
    /** Entries per strategy id per day; a strategy not listed has no limit of its own. */
    maxUsesPerStrategyPerDay: z.record(z.string(), z.number().int().min(0)).default({}),
    /** New entries only between these IST minutes, both inclusive (14:30 admits until 14:30:59.999). */
    entryWindow: z
      .strictObject({ start: hhmm.default('09:15'), end: hhmm.default('14:30') })
      .refine((w) => !(HHMM.test(w.start) && HHMM.test(w.end) && parseHhmm(w.start) > parseHhmm(w.end)), {
        message: 'start must not be after end',
        path: ['end'],
      })
      .default({ start: '09:15', end: '14:30' }),
    /** §1/§5: no bias published for the day means no entries. `false` only for research runs. */
    requireBias: z.boolean().default(true),
  });

export type RiskConfig = z.output<typeof RiskConfigSchema>;
export type RiskConfigInput = z.input<typeof RiskConfigSchema>;

export function parseRiskConfig(input: unknown): RiskConfig {
  return RiskConfigSchema.parse(input);
}

/** The config in the gate's units: integer paise and minutes of the IST day. */
export interface ResolvedRiskConfig {
  readonly config: RiskConfig;
  readonly capitalPaise: Paise;
  /** 1 R. */
  readonly riskPerTradePaise: Paise;
  readonly openRiskBudgetPaise: Paise;
  /** Positive: the loss that halts the day. */
  readonly dailyLossLimitPaise: Paise;
  readonly dailyProfitLockPaise: Paise | null;
  /** capital × allocation % × leverage: the most one position may be worth. */
  readonly allocationPaise: Paise;
  readonly windowStartMinute: number;
  readonly windowEndMinute: number;
}

export function resolveRiskConfig(config: RiskConfig): ResolvedRiskConfig {
  const capitalPaise = Math.round(config.capitalRupees * 100);
  const rpt = config.riskPerTrade;
  const riskPerTradePaise = rpt.kind === 'rupees' ? Math.round(rpt.rupees * 100) : Math.floor((capitalPaise * rpt.pct) / 100);
  const amount = (a: z.infer<typeof RupeesOrR>): Paise => (a.kind === 'R' ? Math.round(a.r * riskPerTradePaise) : Math.round(a.rupees * 100));
  return {
    config,
    capitalPaise,
    riskPerTradePaise,
    openRiskBudgetPaise: Math.round(config.openRiskBudgetR * riskPerTradePaise),
    dailyLossLimitPaise: amount(config.dailyLossLimit),
    dailyProfitLockPaise: config.dailyProfitLock === null ? null : amount(config.dailyProfitLock),
    allocationPaise: Math.floor((capitalPaise * config.allocationPct * config.leverage) / 100),
    windowStartMinute: parseHhmm(config.entryWindow.start),
    windowEndMinute: parseHhmm(config.entryWindow.end),
  };
}
