import { describe, expect, it } from 'vitest';
import { benchIndicators } from '../../bench/indicators';

// bench/run.ts writes these keys to bench/results.json (`indicators.<name>.{ours,…}`): the shape
// is an interface, so it is pinned here (timings themselves are not asserted; see the bench).
describe('benchIndicators', () => {
  it('reports ns per update for every indicator, null only where a library lacks it', () => {
    const r = benchIndicators({ updates: 2_000, runs: 1 });
    expect(Object.keys(r)).toEqual(['ema', 'sma', 'rsi', 'atr', 'vwap', 'macd', 'zeroLagMacd', 'bollinger', 'swing']);
    for (const [name, t] of Object.entries(r)) {
      expect(t.ours, name).toBeGreaterThan(0);
      expect(t.tradingSignals, name).toBeGreaterThan(0);
      if (name === 'zeroLagMacd' || name === 'swing') expect(t.technicalIndicators).toBeNull();
      else expect(t.technicalIndicators, name).toBeGreaterThan(0);
    }
  });
});
