import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../trader/cli';
import type { CliIo } from '../trader/cli/errors';
import { hasSharedData, sharedDataPath } from './support/shared-data';

function io(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

describe('tfl command line', () => {
  it('exits 2 with the usage for an unknown command', async () => {
    const x = io();
    expect(await runCli(['frobnicate'], x)).toBe(2);
    expect(x.err()).toMatch(/unknown command 'frobnicate'/);
  });

  it('exits 2 naming the flag for a bad or unknown flag', async () => {
    const a = io();
    expect(await runCli(['paper', '--speed', 'warp'], a)).toBe(2);
    expect(a.err()).toMatch(/field '--speed'/);
    const b = io();
    expect(await runCli(['backtest', '--data', 'X=y.csv', '--strategy', 'tfl', '--colour', 'red'], b)).toBe(2);
    expect(b.err()).toMatch(/colour/);
    const c = io();
    expect(await runCli(['backtest', '--data', 'X=y.csv', '--strategy', 'other'], c)).toBe(2);
    expect(c.err()).toMatch(/field '--strategy'/);
    const d = io();
    expect(await runCli(['backtest', '--data', 'X=y.csv', '--strategy', 'tfl', '--from', '2025-02-30'], d)).toBe(2);
    expect(d.err()).toMatch(/field '--from'.*not a calendar date/);
  });

  it('trade idles on an NSE holiday: exit 0 with a clear line, no broker contacted', async () => {
    const x = io();
    const dir = mkdtempSync(join(tmpdir(), 'tfl-cli-'));
    // 2025-08-15 is Independence Day; the URLs point nowhere, so any broker call would fail.
    const code = await runCli(['trade', '--api-url', 'http://127.0.0.1:9/api/v1', '--ws-url', 'ws://127.0.0.1:9/ws', '--api-key', 'k', '--data-dir', dir, '--date', '2025-08-15', '--store', 'memory'], x);
    expect(code).toBe(0);
    expect(x.err()).toMatch(/2025-08-15 is not an NSE trading day/);
  });

  it('exits 2 naming the file, line and field of a bad CSV row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-cli-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,100,101,99,100.5\n2024-05-21T09:20:00+05:30,100,99,98,abc\n');
    const x = io();
    expect(await runCli(['backtest', '--data', `AAA=${file}`, '--strategy', 'tfl'], x)).toBe(2);
    expect(x.err()).toContain('bad.csv');
    expect(x.err()).toMatch(/line 3/);
    expect(x.err()).toMatch(/field '(close|high)'/);
  });

  it.skipIf(!hasSharedData)('writes the backtest JSON contract (reads ../shared/data)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tfl-cli-')), 'bt.json');
    const x = io();
    const code = await runCli(
      ['backtest', '--data', `NIFTY=${sharedDataPath('nifty50-5m-2024-05-21_2025-06-18.csv')}`, '--strategy', 'tfl', '--from', '2024-06-01', '--to', '2024-08-31', '--json', out],
      x,
    );
    expect(code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['trades', 'stats', 'sessions', 'ticksProcessed', 'rejectedTicks']));
    const stats = j.stats as Record<string, unknown>;
    expect(Object.keys(stats).sort()).toEqual(['maxDrawdown', 'netPnl', 'profitFactor', 'sharpe', 'totalR', 'trades', 'winRate']);
    const trades = j.trades as Record<string, unknown>[];
    expect(trades.length).toBe(stats.trades);
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      expect(Object.keys(t).sort()).toEqual(['entryPrice', 'entryTime', 'exitPrice', 'exitReason', 'exitTime', 'pnl', 'qty', 'r', 'side', 'symbol']);
      expect(t.entryTime).toMatch(/^2024-0[678]-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+05:30$/);
    }
    expect(j.sessions).toBe(62); // 65 weekdays less Bakri Id, Moharram and Independence Day
    expect(x.out()).toMatch(/win rate/);
  });
});
