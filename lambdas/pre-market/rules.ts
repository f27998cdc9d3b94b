import type { Bias } from '../../trader/domain/intent';

/**
 * strategies.md §5, steps 2–4, as a pure function of already-validated inputs. Step 1 (trading
 * day) and the freshness checks live in run.ts because they need the calendar.
 *
 * Exact definitions (part of the rule version; change them only with a new version):
 * - VIX gate: last close > max(25, 1.3 × SMA20), SMA20 = mean of the last 20 closes including
 *   the last one.
 * - EMA(20) over exactly the last 60 NIFTY closes, seeded with the SMA of the first 20 of them
 *   (so the value never depends on how much older history a source happened to return);
 *   "5 sessions earlier" is the EMA at the 6th-last close.
 * - Breadth: advancers / (advancers + decliners); LONGS_ONLY needs ≥ 40 %, SHORTS_ONLY ≤ 60 %.
 */
export const RULE_VERSION = 'bias-v1';

export const NIFTY_LOOKBACK = 60;
export const VIX_LOOKBACK = 30;
export const EMA_PERIOD = 20;
export const SLOPE_SESSIONS = 5;
export const VIX_MEAN_PERIOD = 20;
export const VIX_FLOOR = 25;
export const VIX_SPIKE_FACTOR = 1.3;
export const BREADTH_LONG_MIN = 0.4;
export const BREADTH_SHORT_MAX = 0.6;

export interface Breadth {
  /** Session the counts describe (the previous session). */
  readonly date: string;
  readonly advancers: number;
  readonly decliners: number;
}

/** What the rules looked at; stored and printed with the bias so a day can be audited. */
export interface BiasInputs {
  readonly niftyFrom: string;
  readonly niftyTo: string;
  readonly niftySessions: number;
  readonly lastClose: number;
  readonly ema20: number;
  readonly ema20FiveSessionsAgo: number;
  readonly vixFrom: string;
  readonly vixTo: string;
  readonly vixSessions: number;
  readonly lastVix: number;
  readonly vixMean20: number;
  readonly vixThreshold: number;
  readonly breadth: { readonly date: string; readonly advancers: number; readonly decliners: number; readonly advancersPct: number } | null;
}

export interface RuleOutcome {
  readonly bias: Bias;
  readonly reasons: readonly string[];
  readonly inputs: BiasInputs;
}

export interface DatedValue {
  readonly date: string;
  readonly value: number;
}

/**
 * Caller guarantees: `closes` has ≥ NIFTY_LOOKBACK items and `vix` ≥ VIX_LOOKBACK, both
 * ascending by date, all finite and positive (run.ts checks and turns violations into NO_TRADES).
 */
export function applyRules(closes: readonly DatedValue[], vix: readonly DatedValue[], breadth: Breadth | null): RuleOutcome {
  const nifty = closes.slice(-NIFTY_LOOKBACK);
  const vixWindow = vix.slice(-VIX_LOOKBACK);
  const emaSeries = ema(nifty.map((c) => c.value), EMA_PERIOD);
  const emaNow = at(emaSeries, emaSeries.length - 1);
  const emaThen = at(emaSeries, emaSeries.length - 1 - SLOPE_SESSIONS);
  const lastClose = at(nifty, nifty.length - 1).value;
  const lastVix = at(vixWindow, vixWindow.length - 1).value;
  const vixMean = mean(vixWindow.slice(-VIX_MEAN_PERIOD).map((v) => v.value));
  const vixThreshold = Math.max(VIX_FLOOR, VIX_SPIKE_FACTOR * vixMean);
  const advPct = breadth === null ? null : breadth.advancers / Math.max(1, breadth.advancers + breadth.decliners);

  const inputs: BiasInputs = {
    niftyFrom: at(nifty, 0).date,
    niftyTo: at(nifty, nifty.length - 1).date,
    niftySessions: nifty.length,
    lastClose: round(lastClose, 2),
    ema20: round(emaNow, 2),
    ema20FiveSessionsAgo: round(emaThen, 2),
    vixFrom: at(vixWindow, 0).date,
    vixTo: at(vixWindow, vixWindow.length - 1).date,
    vixSessions: vixWindow.length,
    lastVix: round(lastVix, 2),
    vixMean20: round(vixMean, 2),
    vixThreshold: round(vixThreshold, 2),
    breadth:
      breadth === null || advPct === null
        ? null
        : { date: breadth.date, advancers: breadth.advancers, decliners: breadth.decliners, advancersPct: round(advPct * 100, 1) },
  };

  const reasons: string[] = [];
  if (lastVix > vixThreshold) {
    reasons.push(`VIX ${fmt(lastVix)} > ${fmt(vixThreshold)} (max(25, 1.3×SMA20 ${fmt(vixMean)}))`);
    return { bias: 'NO_TRADES', reasons, inputs };
  }
  reasons.push(`VIX ${fmt(lastVix)} <= ${fmt(vixThreshold)}`);

  const rising = emaNow > emaThen;
  const falling = emaNow < emaThen;
  let trend: Bias;
  if (lastClose > emaNow && rising) {
    trend = 'LONGS_ONLY';
    reasons.push(`close ${fmt(lastClose)} > EMA20 ${fmt(emaNow)}, EMA20 rising (5 sessions ago ${fmt(emaThen)})`);
  } else if (lastClose < emaNow && falling) {
    trend = 'SHORTS_ONLY';
    reasons.push(`close ${fmt(lastClose)} < EMA20 ${fmt(emaNow)}, EMA20 falling (5 sessions ago ${fmt(emaThen)})`);
  } else {
    reasons.push(
      `no trend: close ${fmt(lastClose)} vs EMA20 ${fmt(emaNow)}, EMA20 ${rising ? 'rising' : falling ? 'falling' : 'flat'} (5 sessions ago ${fmt(emaThen)})`,
    );
    return { bias: 'NO_TRADES', reasons, inputs };
  }

  if (advPct === null) {
    reasons.push('breadth not available');
    return { bias: trend, reasons, inputs };
  }
  const pct = `${fmt(advPct * 100, 1)}%`;
  if (trend === 'LONGS_ONLY' && advPct < BREADTH_LONG_MIN) {
    reasons.push(`breadth: advancers ${pct} < 40% for longs`);
    return { bias: 'NO_TRADES', reasons, inputs };
  }
  if (trend === 'SHORTS_ONLY' && advPct > BREADTH_SHORT_MAX) {
    reasons.push(`breadth: advancers ${pct} > 60% for shorts`);
    return { bias: 'NO_TRADES', reasons, inputs };
  }
  reasons.push(`breadth: advancers ${pct} confirms`);
  return { bias: trend, reasons, inputs };
}

/** EMA with an SMA seed: entry i (i ≥ period-1) is defined; the returned array starts there. */
export function ema(values: readonly number[], period: number): number[] {
  if (values.length < period) throw new Error(`ema: ${values.length} values < period ${period}`);
  const k = 2 / (period + 1);
  let e = mean(values.slice(0, period));
  const out = [e];
  for (let i = period; i < values.length; i++) {
    e = (at(values, i) - e) * k + e;
    out.push(e);
  }
  return out;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function at<T>(xs: readonly T[], i: number): T {
  const v = xs[i];
  if (v === undefined) throw new Error(`index ${i} out of range (${xs.length})`);
  return v;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(x: number, digits = 2): string {
  return x.toFixed(digits);
}
