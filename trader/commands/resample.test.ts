import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, type CliIo } from '../cli/errors';
import { istTimeOnDate } from '../domain/time';
import { resample } from './resample';

function io(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { cwd, out, err, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
}

function fiveMinuteCsv(format: 'iso' | 'epoch-s' | 'epoch-ms', withVolume: boolean): string {
  const lines = [withVolume ? 'time,open,high,low,close,volume' : 'time,open,high,low,close'];
  // 09:08 pre-open print, six 5-minute bars, a 15:30 closing print.
  const rows: [string, number, number, number, number, number][] = [
    ['09:08', 100, 100, 100, 100, 7],
    ['09:15', 22448.75, 22495.9, 22440.9, 22474.75, 1],
    ['09:20', 22474.95, 22509.05, 22469.35, 22487.35, 2],
    ['09:25', 22486.25, 22487.45, 22462.15, 22470.05, 3],
    ['09:30', 22469.4, 22484.3, 22465.85, 22473.15, 4],
    ['09:35', 22473.1, 22480.1, 22471.2, 22479.9, 5],
    ['15:25', 22500.05, 22510.1, 22490.3, 22501.1, 6],
    ['15:30', 22501.1, 22501.1, 22501.1, 22501.1, 9],
  ];
  for (const [hhmm, o, h, l, c, v] of rows) {
    const ms = istTimeOnDate('2024-05-21', hhmm);
    const time = format === 'iso' ? `2024-05-21T${hhmm}:00+05:30` : format === 'epoch-s' ? String(ms / 1000) : String(ms);
    lines.push([time, o, h, l, c, ...(withVolume ? [v] : [])].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('tfl resample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfl-resample-'));

  it('writes 15-minute bars in the input time format, without a volume column when the input had none', async () => {
    writeFileSync(join(dir, 'in.csv'), fiveMinuteCsv('iso', false));
    const cli = io(dir);
    expect(await resample(['--data', 'in.csv', '--timeframe', '15m', '--out', 'out.csv'], cli)).toBe(0);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe(
      [
        'time,open,high,low,close',
        '2024-05-21T09:15:00+05:30,22448.75,22509.05,22440.9,22470.05',
        '2024-05-21T09:30:00+05:30,22469.4,22484.3,22465.85,22479.9',
        '2024-05-21T15:15:00+05:30,22500.05,22510.1,22490.3,22501.1',
        '',
      ].join('\n'),
    );
    expect(cli.out.join('')).toMatch(/resampled 6 5m bars into 3 15m bars.*PRE_OPEN 1, POST_CLOSE 1/);
  });

  it.each(['epoch-s', 'epoch-ms'] as const)('keeps %s times and sums volume', async (format) => {
    writeFileSync(join(dir, `in-${format}.csv`), fiveMinuteCsv(format, true));
    expect(await resample([`--data=in-${format}.csv`, '--timeframe=1h', `--out=out-${format}.csv`], io(dir))).toBe(0);
    const lines = readFileSync(join(dir, `out-${format}.csv`), 'utf8').trim().split('\n');
    const first = istTimeOnDate('2024-05-21', '09:15');
    expect(lines).toEqual([
      'time,open,high,low,close,volume',
      `${format === 'epoch-s' ? first / 1000 : first},22448.75,22509.05,22440.9,22479.9,15`,
      `${format === 'epoch-s' ? istTimeOnDate('2024-05-21', '15:15') / 1000 : istTimeOnDate('2024-05-21', '15:15')},22500.05,22510.1,22490.3,22501.1,6`,
    ]);
  });

  it.each([
    [['--timeframe', '15m', '--out', 'x.csv'], '--data', /required/],
    [['--data', 'in.csv', '--timeframe', '15x', '--out', 'x.csv'], '--timeframe', /not a timeframe/],
    [['--data', 'in.csv', '--timeframe', '7m', '--out', 'x.csv'], '--timeframe', /not a multiple/],
    [['--data', 'in.csv', '--timeframe', '15m', '--out', 'x.csv', '--speed', '2'], '--speed', /unknown/],
    [['--data', '--timeframe', '15m', '--out', 'x.csv'], '--data', /needs a value/],
    [['--data', 'in.csv', '--data', 'in.csv', '--timeframe', '15m', '--out', 'x.csv'], '--data', /twice/],
  ])('rejects %j as bad input naming %s', async (argv, field, msg) => {
    writeFileSync(join(dir, 'in.csv'), fiveMinuteCsv('iso', false));
    const e = await inputError(resample(argv, io(dir)));
    expect(e.location.field).toBe(field);
    expect(e.message).toMatch(msg);
  });

  it('names the file and line of a bad input row', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,10,9,8,9.5\n');
    const e = await inputError(resample(['--data', 'bad.csv', '--timeframe', '15m', '--out', 'x.csv'], io(dir)));
    expect(e.location).toEqual({ file: join(dir, 'bad.csv'), line: 2, field: 'high' });
    const missing = await inputError(resample(['--data', 'nope.csv', '--timeframe', '15m', '--out', 'x.csv'], io(dir)));
    expect(missing.location.file).toBe(join(dir, 'nope.csv'));
  });
});
