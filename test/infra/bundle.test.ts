import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, bundlePreMarket, bundleTrader, traderEntryExists, writeSizes } from '../../scripts/bundle';

/**
 * Both things that run in AWS bundle with esbuild, and their sizes go to bench/bundle-sizes.json
 * (bench/run.ts copies them into bench/results.json as bundleBytes.trader / bundleBytes.preMarket).
 * The trader entry is built as it is; only a missing trader/main.ts is tolerated (size null).
 */
describe('esbuild bundles', () => {
  it('builds the pre-market Lambda and the trader and records their sizes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tfl-bundles-'));
    const pre = bundlePreMarket(join(out, 'pre-market'));
    expect(pre.bytes).toBeGreaterThan(10_000);
    expect(pre.bytes).toBeLessThan(2_000_000);
    let trader: number | null = null;
    if (traderEntryExists()) {
      trader = bundleTrader(join(out, 'trader')).bytes;
      expect(trader).toBeGreaterThan(1_000);
    }
    writeSizes(join(ROOT, 'bench', 'bundle-sizes.json'), { trader, preMarket: pre.bytes });
    // The Lambda bundle loads: its module graph resolves (the handler itself needs its env).
    const mod = (await import(pre.file).catch((err: unknown) => err)) as unknown;
    expect(String(mod)).toMatch(/pre-market environment: .*TABLE_NAME/s);
  });
});
