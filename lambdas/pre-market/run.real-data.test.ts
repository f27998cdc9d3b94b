import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test/support/shared-data';
import { historicalBias } from '../../trader/commands/bias';
import { parseNiftyDaily, parseVixDaily } from '../../trader/commands/bias-csv';

/**
 * run()'s rules on real NIFTY/VIX closes 2016–2025 (the data file is the trading-day calendar,
 * see trader/commands/bias.ts). Prints the distribution; the first 60 sessions of 2016 lack
 * history and days where the VIX file misses the previous session are stale (NO_TRADES, alert).
 */
describe.skipIf(!hasSharedData)('pre-market bias on real daily data 2016–2025', () => {
  it('gives a plausible distribution, and NO_TRADES in the March 2020 crash', async () => {
    const nifty = parseNiftyDaily(await readFile(sharedDataPath('nifty50-close-2016_2025.csv'), 'utf8'), 'nifty50-close-2016_2025.csv');
    const vix = parseVixDaily(await readFile(sharedDataPath('indiavix-close-2016_2025.csv'), 'utf8'), 'indiavix-close-2016_2025.csv');
    const counts: Record<string, number> = {};
    const byDate = new Map<string, string>();
    for (const { date } of nifty) {
      const out = await historicalBias(nifty, vix, date, () => 0);
      const first = out.reasons[0] ?? '';
      const bucket =
        out.bias !== 'NO_TRADES'
          ? String(out.bias)
          : out.inputs === null
            ? 'NO_TRADES (missing/stale data)'
            : first.includes(' > ')
              ? 'NO_TRADES (volatility)'
              : 'NO_TRADES (no trend)';
      counts[bucket] = (counts[bucket] ?? 0) + 1;
      byDate.set(date, String(out.bias));
    }
    console.log(`[bias 2016–2025] ${nifty.length} sessions:`, JSON.stringify(counts));
    expect(byDate.get('2020-03-24')).toBe('NO_TRADES');
    expect(byDate.get('2020-03-23')).toBe('NO_TRADES');
    expect(counts.LONGS_ONLY ?? 0).toBeGreaterThan(400);
    expect(counts.SHORTS_ONLY ?? 0).toBeGreaterThan(100);
    expect(counts['NO_TRADES (volatility)'] ?? 0).toBeGreaterThan(10);
  });
});
