import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test/support/shared-data';
import type { CliIo } from '../cli/errors';
import { InputError } from '../cli/errors';
import { bias, historicalBias } from './bias';
import { parseNiftyDaily, parseVixDaily } from './bias-csv';

function memoryIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    cwd,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

/** 70 weekday sessions of a steady uptrend ending 2024-06-07, plus calm VIX. */
function writeFixtures(dir: string): void {
  const days: string[] = [];
  for (let t = Date.UTC(2024, 5, 7); days.length < 70; t -= 86_400_000) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) days.unshift(new Date(t).toISOString().slice(0, 10));
  }
  writeFileSync(join(dir, 'n.csv'), ['date,spot_price', ...days.map((d, i) => `${d},${20000 + i * 10}.0000001`)].join('\n'));
  writeFileSync(join(dir, 'v.csv'), ['date,vix_value', ...days.map((d) => `${d},14.260000228881836`)].join('\n'));
}

describe('tfl bias', () => {
  it('prints { date, bias, reasons, inputs, ruleVersion } and writes --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-bias-'));
    writeFixtures(dir);
    const io = memoryIo(dir);
    const code = await bias(['--daily', 'n.csv', '--vix', 'v.csv', '--date', '2024-06-10', '--json', 'out.json'], io);
    expect(code).toBe(0);
    const printed = JSON.parse(io.out()) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['date', 'bias', 'reasons', 'inputs', 'ruleVersion']);
    expect(printed).toMatchObject({ date: '2024-06-10', bias: 'LONGS_ONLY', ruleVersion: 'bias-v1', inputs: { niftyTo: '2024-06-07', lastVix: 14.26 } });
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual(printed);
  });

  it('a weekend inside the data range is not a trading day: no bias', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-bias-'));
    writeFixtures(dir);
    const io = memoryIo(dir);
    await bias(['--daily', 'n.csv', '--vix', 'v.csv', '--date', '2024-06-01'], io);
    expect(JSON.parse(io.out())).toMatchObject({ bias: null, inputs: null });
  });

  it('rejects a bad row naming file, line and field', () => {
    expect(() => parseNiftyDaily('date,spot_price\n2024-01-01,100\n2024-01-02,abc\n', 'n.csv')).toThrow(
      new InputError("close must be a positive number, got 'abc'", { file: 'n.csv', line: 3, field: 'spot_price' }),
    );
    expect(() => parseVixDaily('Date,Open,High,Low,Close,PrevClose,Change,Pchange\n2/30/2021,0,0,0,20,1,1,1\n', 'v.csv')).toThrow(
      /v\.csv, line 2, field 'Date': not a valid date/,
    );
    expect(() => parseNiftyDaily('date,spot_price\n2024-01-02,100\n2024-01-02,101\n', 'n.csv')).toThrow(/line 3, field 'date'.*duplicate/);
    expect(() => parseNiftyDaily('time,open\n', 'n.csv')).toThrow(/n\.csv, line 1: unknown header/);
  });

  it('rejects missing flags and a date outside the data with the flag named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-bias-'));
    writeFixtures(dir);
    await expect(bias(['--daily', 'n.csv', '--vix', 'v.csv'], memoryIo(dir))).rejects.toThrow(/--date/);
    await expect(bias(['--daily', 'n.csv', '--vix', 'v.csv', '--date', '2001-01-01'], memoryIo(dir))).rejects.toThrow(/--date/);
    await expect(bias(['--daily', 'missing.csv', '--vix', 'v.csv', '--date', '2024-06-10'], memoryIo(dir))).rejects.toThrow(/--daily/);
  });

  it('snaps NIFTY float32 artefacts to the 0.05 tick and reads the M/D/YYYY VIX file', () => {
    expect(parseNiftyDaily('date,spot_price\n2016-01-04,7791.2998046875\n', 'n')[0]).toEqual({ date: '2016-01-04', value: 7791.3 });
    expect(parseVixDaily('Date,Open,High,Low,Close,PrevClose,Change,Pchange\n2/12/2021,0,0,0,23.045,23.9525,-0.91,-3.79\n', 'v')[0]).toEqual({
      date: '2021-02-12',
      value: 23.045,
    });
  });
});

describe.skipIf(!hasSharedData)('tfl bias on the real files (../shared/data)', () => {
  it('reads every shipped daily format', async () => {
    const { readFile } = await import('node:fs/promises');
    const files: [string, 'nifty' | 'vix'][] = [
      ['nifty50-daily-2013_2023.csv', 'nifty'],
      ['nifty50-close-2016_2025.csv', 'nifty'],
      ['nifty-50-daily-2024-08_2025-08.csv', 'nifty'],
      ['indiavix-daily-2016_2023.csv', 'vix'],
      ['indiavix-close-2016_2025.csv', 'vix'],
    ];
    for (const [f, kind] of files) {
      const text = await readFile(sharedDataPath(f), 'utf8');
      const rows = kind === 'nifty' ? parseNiftyDaily(text, f) : parseVixDaily(text, f);
      expect(rows.length).toBeGreaterThan(200);
    }
  });

  it('2020-03-24 (the week VIX reached 83) is NO_TRADES', async () => {
    const { readFile } = await import('node:fs/promises');
    const nifty = parseNiftyDaily(await readFile(sharedDataPath('nifty50-close-2016_2025.csv'), 'utf8'), 'nifty');
    const vix = parseVixDaily(await readFile(sharedDataPath('indiavix-close-2016_2025.csv'), 'utf8'), 'vix');
    const out = await historicalBias(nifty, vix, '2020-03-24', () => 0);
    expect(out.bias).toBe('NO_TRADES');
    expect(out.reasons[0]).toMatch(/^VIX \d+\.\d+ > /);
  });
});
