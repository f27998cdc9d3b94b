import type { TradeRecord } from '../domain/events';
import { toRupees } from '../domain/money';

export interface TradeStats {
  readonly trades: number;
  /** Share of trades with positive net P&L, 0..1 (0 when there are no trades). */
  readonly winRate: number;
  /** Gross wins ÷ gross losses on net P&L; null when there are no losing trades. */
  readonly profitFactor: number | null;
  readonly totalR: number;
  /** Rupees, after costs. */
  readonly netPnl: number;
  /** Largest peak-to-trough fall of cumulative net P&L, rupees (≥ 0). */
  readonly maxDrawdown: number;
  /** Annualised Sharpe of daily net P&L (√252, no risk-free rate); null with < 2 days or no variance. */
  readonly sharpe: number | null;
}

/**
 * Summary statistics of a run. `dailyNetPaise` has one entry per session traded (zero days
 * included), so Sharpe reflects idle days too.
 */
export function computeStats(trades: readonly TradeRecord[], dailyNetPaise: readonly number[]): TradeStats {
  const ordered = [...trades].sort((a, b) => a.exitTimeMs - b.exitTimeMs || a.tradeId.localeCompare(b.tradeId));
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let totalR = 0;
  let cum = 0;
  let peak = 0;
  let maxDd = 0;
  for (const t of ordered) {
    if (t.netPaise > 0) {
      wins += 1;
      grossWin += t.netPaise;
    } else if (t.netPaise < 0) {
      grossLoss -= t.netPaise;
    }
    totalR += t.r;
    cum += t.netPaise;
    if (cum > peak) peak = cum;
    if (peak - cum > maxDd) maxDd = peak - cum;
  }
  return {
    trades: ordered.length,
    winRate: ordered.length === 0 ? 0 : wins / ordered.length,
    profitFactor: grossLoss === 0 ? null : grossWin / grossLoss,
    totalR: round6(totalR),
    netPnl: toRupees(cum),
    maxDrawdown: toRupees(maxDd),
    sharpe: sharpe(dailyNetPaise),
  };
}

function sharpe(daily: readonly number[]): number | null {
  if (daily.length < 2) return null;
  const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
  const variance = daily.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (daily.length - 1);
  if (variance === 0) return null;
  return round6((mean / Math.sqrt(variance)) * Math.sqrt(252));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
