import { describe, expect, it } from 'vitest';
import type { TradeRecord } from '../domain/events';
import { computeStats } from './stats';

function trade(id: number, netPaise: number, r: number): TradeRecord {
  return {
    tradeId: `t${id}`, strategy: 'tfl', symbol: 'X', direction: 'LONG', qty: 1,
    entryTimeMs: id * 10, entryPricePaise: 100, exitTimeMs: id * 10 + 5, exitPricePaise: 100 + netPaise,
    exitReason: 'TARGET', initialStopPaise: 90, initialRiskPaise: 10, grossPaise: netPaise, costsPaise: 0,
    netPaise, r, maePaise: 0, mfePaise: 0,
  };
}

describe('computeStats', () => {
  it('computes win rate, profit factor, total R, net P&L and drawdown in trade order', () => {
    const s = computeStats([trade(1, 10_000, 1), trade(2, -5_000, -0.5), trade(3, -7_000, -0.7), trade(4, 20_000, 2)], [10_000, -12_000, 20_000]);
    expect(s.trades).toBe(4);
    expect(s.winRate).toBe(0.5);
    expect(s.profitFactor).toBeCloseTo(30_000 / 12_000, 12);
    expect(s.totalR).toBeCloseTo(1.8, 9);
    expect(s.netPnl).toBe(180);
    expect(s.maxDrawdown).toBe(120);
    expect(s.sharpe).not.toBeNull();
  });

  it('reports null profit factor without losses and null Sharpe without variance', () => {
    const s = computeStats([trade(1, 100, 1)], [100, 100]);
    expect(s.profitFactor).toBeNull();
    expect(s.sharpe).toBeNull();
    expect(computeStats([], []).winRate).toBe(0);
  });
});
