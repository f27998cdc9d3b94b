import type { DenialReason } from '../domain/events';
import type { TradeStats } from '../portfolio/stats';

/** Indian digit grouping for rupees: ₹1,23,456.78. */
export function rupees(x: number): string {
  const sign = x < 0 ? '-' : '';
  return `${sign}₹${Math.abs(x).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function progressBar(done: number, total: number, width = 30): string {
  const f = total === 0 ? 1 : done / total;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${Math.round(f * 100)
    .toString()
    .padStart(3)}%`;
}

export interface SummaryInput {
  readonly title: string;
  readonly stats: TradeStats;
  readonly denials: Readonly<Partial<Record<DenialReason, number>>>;
  readonly extra?: readonly string[];
}

/** The day (or run) summary a trader reads: trades, win rate, R, P&L, denials. */
export function formatDaySummary(s: SummaryInput): string {
  const st = s.stats;
  const denials = Object.entries(s.denials)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    '',
    s.title,
    `  trades        ${st.trades}`,
    `  win rate      ${(st.winRate * 100).toFixed(1)} %`,
    `  total R       ${st.totalR >= 0 ? '+' : ''}${st.totalR.toFixed(2)} R`,
    `  net P&L       ${rupees(st.netPnl)} (after charges)`,
    `  profit factor ${st.profitFactor === null ? 'n/a (no losing trade)' : st.profitFactor.toFixed(2)}`,
    `  max drawdown  ${rupees(st.maxDrawdown)}`,
    `  risk denials  ${denials === '' ? 'none' : denials}`,
    ...(s.extra ?? []).map((l) => `  ${l}`),
    '',
  ];
  return lines.join('\n');
}
