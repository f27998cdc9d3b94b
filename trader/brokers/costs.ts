import { z } from 'zod';
import type { Instrument, InstrumentType } from '../domain/instrument';
import type { Paise } from '../domain/money';
import type { Fill, Side } from '../domain/order';

/**
 * Indian intraday charges, computed in integer paise.
 *
 * Default rates (configurable; verify against the broker's and NSE's current circulars before
 * trading real money): NSE transaction charges as revised from 2024-10-01 (NSE circular of
 * 2024-09, flat rates), STT as per the Finance (No. 2) Act 2024 from 2024-10-01 (options 0.1 %
 * of sell premium, futures 0.02 % of sell turnover), stamp duty under the Indian Stamp Act
 * schedule in force since 2020-07-01, SEBI turnover fee ₹10 per crore, GST 18 %, discount-broker
 * brokerage (₹20 or 0.03 % per executed order, whichever is lower; ₹20 flat for options).
 * `asOf` records the date the schedule was last checked.
 *
 * Rounding (all amounts are positive, so "half up" = half away from zero):
 * - every component is a function of the ORDER's cumulative filled turnover T, each rounded
 *   half up to the paisa: brokerage(T) = flat ? (T > 0 ? cap : 0) : min(cap, round(pct·T));
 *   stt(T), transaction(T), sebi(T), stamp(T) = round(rate·T) on the sides they apply to;
 *   gst(T) = round(18 % · (brokerage(T) + transaction(T) + sebi(T))).
 * - a fill pays each component's increment f(T_before + fill) − f(T_before). The fills of one
 *   order therefore sum to exactly the order's charge whatever the split, and brokerage (a
 *   per-order fee) is paid once: by the first fill for flat brokerage, and up to the cap across
 *   the fills for percentage brokerage.
 * - Contract notes round some components per day and scrip (STT and stamp to the rupee); we do
 *   not, so a day's total here may differ from the contract note by under ₹1 per component.
 *
 * Arithmetic is exact: rates are held as integers per 10⁹ and products are taken in BigInt.
 */

/** Which schedule applies. Equity here means intraday (MIS); delivery (CNC) is out of scope. */
export type CostSegment = 'EQUITY_INTRADAY' | 'OPTIONS' | 'FUTURES';

const pct = z.number().min(0).max(100);

export const segmentChargesSchema = z.strictObject({
  /** Brokerage per executed order: a flat fee, or the lower of the fee and a % of turnover. */
  brokerageRupees: z.number().min(0),
  /** null = flat `brokerageRupees`; else min(brokerageRupees, brokeragePct % of turnover). */
  brokeragePct: pct.nullable(),
  sttBuyPct: pct,
  sttSellPct: pct,
  transactionPct: pct,
  sebiRupeesPerCrore: z.number().min(0),
  stampBuyPct: pct,
});
export type SegmentCharges = z.infer<typeof segmentChargesSchema>;

export const DEFAULT_EQUITY_INTRADAY: SegmentCharges = {
  brokerageRupees: 20,
  brokeragePct: 0.03,
  sttBuyPct: 0,
  sttSellPct: 0.025,
  transactionPct: 0.00297,
  sebiRupeesPerCrore: 10,
  stampBuyPct: 0.003,
};
export const DEFAULT_OPTIONS: SegmentCharges = {
  brokerageRupees: 20,
  brokeragePct: null,
  sttBuyPct: 0,
  sttSellPct: 0.1,
  transactionPct: 0.03503,
  sebiRupeesPerCrore: 10,
  stampBuyPct: 0.003,
};
/** Futures brokerage is not in the brief's list: the common discount-broker ₹20 / 0.03 % is assumed. */
export const DEFAULT_FUTURES: SegmentCharges = {
  brokerageRupees: 20,
  brokeragePct: 0.03,
  sttBuyPct: 0,
  sttSellPct: 0.02,
  transactionPct: 0.00173,
  sebiRupeesPerCrore: 10,
  stampBuyPct: 0.002,
};

export const costConfigSchema = z.strictObject({
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2024-10-01'),
  gstPct: pct.default(18),
  equityIntraday: segmentChargesSchema.default(DEFAULT_EQUITY_INTRADAY),
  options: segmentChargesSchema.default(DEFAULT_OPTIONS),
  futures: segmentChargesSchema.default(DEFAULT_FUTURES),
});
export type CostConfig = z.infer<typeof costConfigSchema>;
export type CostConfigInput = z.input<typeof costConfigSchema>;

/** What one fill costs, by component, integer paise. `totalPaise` is their sum. */
export interface ChargesBreakdown {
  readonly brokeragePaise: Paise;
  readonly sttPaise: Paise;
  readonly transactionPaise: Paise;
  readonly sebiPaise: Paise;
  readonly gstPaise: Paise;
  readonly stampPaise: Paise;
  readonly totalPaise: Paise;
}

export const ZERO_CHARGES: ChargesBreakdown = {
  brokeragePaise: 0,
  sttPaise: 0,
  transactionPaise: 0,
  sebiPaise: 0,
  gstPaise: 0,
  stampPaise: 0,
  totalPaise: 0,
};

/** A rate as an integer numerator over 10⁹. */
const SCALE = 1_000_000_000n;

interface CompiledSegment {
  readonly brokerageCapPaise: bigint;
  /** null = flat brokerage. */
  readonly brokerageRate: bigint | null;
  readonly sttBuyRate: bigint;
  readonly sttSellRate: bigint;
  readonly transactionRate: bigint;
  readonly sebiRate: bigint;
  readonly stampBuyRate: bigint;
}

export interface CostModel {
  readonly config: CostConfig;
  /** Charges for a whole order (or the part filled so far) of `turnoverPaise`. */
  orderCharges(segment: CostSegment, side: Side, turnoverPaise: number): ChargesBreakdown;
  /**
   * Charges for one fill of an order: the increment from the order's filled turnover before this
   * fill (0 for the first fill; the state machine's `execNotionalPaise`) to after it.
   */
  fillCharges(fill: FillCostInput): ChargesBreakdown;
  /**
   * Convenience for the order manager: charges for a broker fill of `instrument`, given the
   * order's filled notional before it (the state machine's `execNotionalPaise` before applying
   * the fill). Zero for an index (not tradable).
   */
  chargesForFill(instrument: Instrument, fill: Fill, orderTurnoverBeforePaise: number): ChargesBreakdown;
}

export interface FillCostInput {
  readonly segment: CostSegment;
  readonly side: Side;
  readonly qty: number;
  readonly pricePaise: Paise;
  /** Σ qty × price of this order's earlier fills (0 for its first fill). */
  readonly orderTurnoverBeforePaise: number;
}

/** Which schedule an instrument trades under. Index "instruments" are not tradable. */
export function costSegmentOf(type: InstrumentType): CostSegment | null {
  switch (type) {
    case 'EQUITY':
      return 'EQUITY_INTRADAY';
    case 'OPTION':
      return 'OPTIONS';
    case 'FUTURE':
      return 'FUTURES';
    case 'INDEX':
      return null;
  }
}

/** Parse (zod, with defaults) and compile a cost model. Throws a ZodError on a bad config. */
export function createCostModel(input: CostConfigInput = {}): CostModel {
  const config = costConfigSchema.parse(input);
  const gstRate = pctToRate(config.gstPct, 'gstPct');
  const segments: Record<CostSegment, CompiledSegment> = {
    EQUITY_INTRADAY: compile(config.equityIntraday, 'equityIntraday'),
    OPTIONS: compile(config.options, 'options'),
    FUTURES: compile(config.futures, 'futures'),
  };

  function orderCharges(segment: CostSegment, side: Side, turnoverPaise: number): ChargesBreakdown {
    if (!Number.isSafeInteger(turnoverPaise) || turnoverPaise < 0) {
      throw new RangeError(`turnover must be a non-negative integer of paise, got ${turnoverPaise}`);
    }
    if (turnoverPaise === 0) return ZERO_CHARGES;
    const s = segments[segment];
    const t = BigInt(turnoverPaise);
    const brokerage = s.brokerageRate === null ? s.brokerageCapPaise : min(s.brokerageCapPaise, mulRate(t, s.brokerageRate));
    const stt = mulRate(t, side === 'BUY' ? s.sttBuyRate : s.sttSellRate);
    const transaction = mulRate(t, s.transactionRate);
    const sebi = mulRate(t, s.sebiRate);
    const gst = mulRate(brokerage + transaction + sebi, gstRate);
    const stamp = side === 'BUY' ? mulRate(t, s.stampBuyRate) : 0n;
    return breakdown(brokerage, stt, transaction, sebi, gst, stamp);
  }

  function fillCharges(fill: FillCostInput): ChargesBreakdown {
    if (!Number.isInteger(fill.qty) || fill.qty <= 0 || !Number.isInteger(fill.pricePaise) || fill.pricePaise < 0) {
      throw new RangeError(`fill must have a positive integer qty and integer paise price, got ${fill.qty} @ ${fill.pricePaise}`);
    }
    const before = orderCharges(fill.segment, fill.side, fill.orderTurnoverBeforePaise);
    const after = orderCharges(fill.segment, fill.side, fill.orderTurnoverBeforePaise + fill.qty * fill.pricePaise);
    return subtract(after, before);
  }

  function chargesForFill(instrument: Instrument, fill: Fill, orderTurnoverBeforePaise: number): ChargesBreakdown {
    const segment = costSegmentOf(instrument.type);
    if (segment === null) return ZERO_CHARGES;
    return fillCharges({ segment, side: fill.side, qty: fill.qty, pricePaise: fill.pricePaise, orderTurnoverBeforePaise });
  }

  return { config, orderCharges, fillCharges, chargesForFill };
}

function compile(s: SegmentCharges, path: string): CompiledSegment {
  return {
    brokerageCapPaise: BigInt(Math.round(s.brokerageRupees * 100)),
    brokerageRate: s.brokeragePct === null ? null : pctToRate(s.brokeragePct, `${path}.brokeragePct`),
    sttBuyRate: pctToRate(s.sttBuyPct, `${path}.sttBuyPct`),
    sttSellRate: pctToRate(s.sttSellPct, `${path}.sttSellPct`),
    transactionRate: pctToRate(s.transactionPct, `${path}.transactionPct`),
    // ₹X per crore = X / 10⁷ of turnover = X·100 per 10⁹.
    sebiRate: toScaled(s.sebiRupeesPerCrore * 100, `${path}.sebiRupeesPerCrore`),
    stampBuyRate: pctToRate(s.stampBuyPct, `${path}.stampBuyPct`),
  };
}

/** p % → integer per 10⁹ (p/100·10⁹ = p·10⁷); at most 7 decimals of a percent are representable. */
function pctToRate(p: number, path: string): bigint {
  return toScaled(p * 1e7, path);
}

function toScaled(x: number, path: string): bigint {
  const n = Math.round(x);
  if (Math.abs(x - n) > 1e-6) throw new RangeError(`${path}: ${x / 1e7}: too many decimal places for the cost model`);
  return BigInt(n);
}

/** round half up (a, rate ≥ 0) of a · rate / 10⁹. */
function mulRate(a: bigint, rate: bigint): bigint {
  return (a * rate + SCALE / 2n) / SCALE;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function breakdown(brokerage: bigint, stt: bigint, transaction: bigint, sebi: bigint, gst: bigint, stamp: bigint): ChargesBreakdown {
  const b = Number(brokerage);
  const s = Number(stt);
  const t = Number(transaction);
  const e = Number(sebi);
  const g = Number(gst);
  const d = Number(stamp);
  return { brokeragePaise: b, sttPaise: s, transactionPaise: t, sebiPaise: e, gstPaise: g, stampPaise: d, totalPaise: b + s + t + e + g + d };
}

export function subtract(a: ChargesBreakdown, b: ChargesBreakdown): ChargesBreakdown {
  return {
    brokeragePaise: a.brokeragePaise - b.brokeragePaise,
    sttPaise: a.sttPaise - b.sttPaise,
    transactionPaise: a.transactionPaise - b.transactionPaise,
    sebiPaise: a.sebiPaise - b.sebiPaise,
    gstPaise: a.gstPaise - b.gstPaise,
    stampPaise: a.stampPaise - b.stampPaise,
    totalPaise: a.totalPaise - b.totalPaise,
  };
}

export function addCharges(a: ChargesBreakdown, b: ChargesBreakdown): ChargesBreakdown {
  return {
    brokeragePaise: a.brokeragePaise + b.brokeragePaise,
    sttPaise: a.sttPaise + b.sttPaise,
    transactionPaise: a.transactionPaise + b.transactionPaise,
    sebiPaise: a.sebiPaise + b.sebiPaise,
    gstPaise: a.gstPaise + b.gstPaise,
    stampPaise: a.stampPaise + b.stampPaise,
    totalPaise: a.totalPaise + b.totalPaise,
  };
}
