import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../cli/errors';
import { barsFromColumnar } from '../bars/columnar';
import { NseCalendar } from '../domain/calendar';
import { istTimeOnDate } from '../domain/time';
import {
  CsvBarFieldsSchema,
  checkBarFields,
  formatCsvBars,
  formatPrice,
  parseCsvBars,
  readCsvBars,
  type BarFieldValues,
} from './csv-bars';

const cal = new NseCalendar();
const D = '2024-05-21';
const t = (hhmm: string, date = D): number => istTimeOnDate(date, hhmm);

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const ISO = `time,open,high,low,close,volume
2024-05-21T09:15:00+05:30,100,101,99,100.5,10
2024-05-21T09:20:00+05:30,100.5,102,100,101,20
`;

describe('parseCsvBars', () => {
  it('reads ISO-8601 times with an offset, labelled by the bar start', () => {
    const r = parseCsvBars(ISO, 'a.csv', cal);
    expect(r.timeFormat).toBe('iso');
    expect(r.hasVolume).toBe(true);
    expect(barsFromColumnar(r.bars)).toEqual([
      { startMs: t('09:15'), open: 100, high: 101, low: 99, close: 100.5, volume: 10 },
      { startMs: t('09:20'), open: 100.5, high: 102, low: 100, close: 101, volume: 20 },
    ]);
  });

  it('reads the same bars from epoch seconds, epoch milliseconds and a UTC (Z) time', () => {
    const s = `time,open,high,low,close\n${t('09:15') / 1000},1,2,0.5,1.5\n`;
    const ms = `time,open,high,low,close\n${t('09:15')},1,2,0.5,1.5\n`;
    const z = `time,open,high,low,close\n2024-05-21T03:45:00Z,1,2,0.5,1.5\n`;
    const a = parseCsvBars(s, 's.csv', cal);
    const b = parseCsvBars(ms, 'ms.csv', cal);
    const c = parseCsvBars(z, 'z.csv', cal);
    expect([a.timeFormat, b.timeFormat, c.timeFormat]).toEqual(['epoch-s', 'epoch-ms', 'iso']);
    expect(barsFromColumnar(a.bars)).toEqual(barsFromColumnar(b.bars));
    expect(barsFromColumnar(a.bars)).toEqual(barsFromColumnar(c.bars));
    expect(a.hasVolume).toBe(false);
    expect(a.bars.volume[0]).toBe(0);
  });

  it('finds columns by header name in any order and case, ignores extra columns, CRLF and a BOM', () => {
    const text = '\uFEFFClose,Volume,Time,Low,High,Open,Extra\r\n100.5,10,2024-05-21T09:15:00+05:30,99,101,100,x\r\n';
    const r = parseCsvBars(text, 'b.csv', cal);
    expect(barsFromColumnar(r.bars)).toEqual([{ startMs: t('09:15'), open: 100, high: 101, low: 99, close: 100.5, volume: 10 }]);
  });

  it('drops and counts rows outside the session calendar instead of failing', () => {
    const text = `time,open,high,low,close,volume
2021-04-01T09:08:00+05:30,10,10,10,10,5
2021-04-01T09:15:00+05:30,10,11,9,10,5
2021-04-01T15:29:00+05:30,10,11,9,10,5
2021-04-01T15:30:00+05:30,10,10,10,10,5
2021-04-01T15:40:00+05:30,10,10,10,10,5
2021-04-02T10:00:00+05:30,10,10,10,10,5
2021-04-03T10:00:00+05:30,10,10,10,10,5
2021-11-04T18:15:00+05:30,10,10,10,10,5
`;
    const r = parseCsvBars(text, 'c.csv', cal);
    expect(r.bars.length).toBe(2);
    expect(r.rows).toBe(8);
    expect(r.dropped).toEqual({ PRE_OPEN: 1, POST_CLOSE: 2, BETWEEN_SEGMENTS: 0, SPECIAL_SESSION: 1, CLOSED_DAY: 2 });
    const muhurat = parseCsvBars(text, 'c.csv', new NseCalendar({ specialSessions: ['MUHURAT'] }));
    expect(muhurat.bars.length).toBe(3);
  });

  it('counts rows in the gap of a DR-drill session', () => {
    const text = `time,open,high,low,close\n2024-03-02T09:15:00+05:30,1,1,1,1\n2024-03-02T10:30:00+05:30,1,1,1,1\n2024-03-02T11:30:00+05:30,1,1,1,1\n`;
    const r = parseCsvBars(text, 'd.csv', new NseCalendar({ specialSessions: ['DR_DRILL'] }));
    expect(r.bars.length).toBe(2);
    expect(r.dropped.BETWEEN_SEGMENTS).toBe(1);
  });

  const bad: [string, string, number, string | undefined, RegExp][] = [
    ['missing column', 'time,open,high,close\n', 1, 'low', /missing/],
    ['duplicate column', 'time,open,high,low,close,close\n', 1, 'close', /duplicate/],
    ['no rows', 'time,open,high,low,close\n\n', 2, undefined, /no data rows/],
    ['short row', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1\n', 2, undefined, /columns/],
    ['no offset', 'time,open,high,low,close\n2024-05-21T09:15:00,1,1,1,1\n', 2, 'time', /offset/],
    ['impossible date', 'time,open,high,low,close\n2024-02-30T09:15:00+05:30,1,1,1,1\n', 2, 'time', /valid/],
    ['garbage time', 'time,open,high,low,close\nyesterday,1,1,1,1\n', 2, 'time', /time/],
    ['zero price', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,0,1,1,1\n', 2, 'open', /positive/],
    ['negative price', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1,-1,1\n', 2, 'low', /positive/],
    ['empty price', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,,1,1\n', 2, 'high', /positive/],
    ['NaN price', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1,1,NaN\n', 2, 'close', /positive/],
    ['high below close', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1.5,1,2\n', 2, 'high', /below/],
    ['low above open', 'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,2,1.5,2\n', 2, 'low', /above/],
    ['fractional volume', 'time,open,high,low,close,volume\n2024-05-21T09:15:00+05:30,1,1,1,1,2.5\n', 2, 'volume', /whole/],
    ['negative volume', 'time,open,high,low,close,volume\n2024-05-21T09:15:00+05:30,1,1,1,1,-2\n', 2, 'volume', /whole/],
    [
      'repeated time',
      'time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1,1,1\n2024-05-21T09:15:00+05:30,1,1,1,1\n',
      3,
      'time',
      /strictly increasing/,
    ],
    [
      'mixed formats',
      `time,open,high,low,close\n2024-05-21T09:15:00+05:30,1,1,1,1\n${t('09:20')},1,1,1,1\n`,
      3,
      'time',
      /mixes time formats/,
    ],
    [
      'seconds then milliseconds',
      `time,open,high,low,close\n${t('09:15') / 1000},1,1,1,1\n${t('09:20')},1,1,1,1\n`,
      3,
      'time',
      /mixes/,
    ],
    ['year outside the calendar', 'time,open,high,low,close\n2019-05-21T09:15:00+05:30,1,1,1,1\n', 2, 'time', /outside/],
  ];
  it.each(bad)('rejects %s with an InputError naming file, line and field', (_name, text, line, field, msg) => {
    const e = inputError(() => parseCsvBars(text, 'bad.csv', cal));
    expect(e.location.file).toBe('bad.csv');
    expect(e.location.line).toBe(line);
    expect(e.location.field).toBe(field);
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(/^bad\.csv, line/);
  });

  it('reads a file from disk and names an unreadable one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-csv-'));
    const path = join(dir, 'x.csv');
    writeFileSync(path, ISO);
    expect((await readCsvBars(path, cal)).bars.length).toBe(2);
    await expect(readCsvBars(join(dir, 'missing.csv'), cal)).rejects.toThrow(InputError);
  });
});

describe('the fast field check agrees with the zod schema', () => {
  const num = fc.oneof(
    fc.integer({ min: -5, max: 300 }).map(String),
    fc.double({ min: -10, max: 300, noNaN: true }).map(String),
    fc.integer({ min: 0, max: 30_000 }).map((k) => (k / 100).toFixed(2)),
    fc.constantFrom('', ' 1', '1 ', '1e3', '.5', '5.', '0x10', 'NaN', 'Infinity', '-0', '00.50', '1,5', '+1', '9007199254740993'),
  );
  it('accepts and rejects the same rows, with the same values, and names a field zod also flags', () => {
    fc.assert(
      fc.property(num, num, num, num, fc.option(num, { nil: undefined }), (open, high, low, close, volume) => {
        const text = { open, high, low, close, volume };
        const out: BarFieldValues = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
        const fast = checkBarFields(text, out);
        const ref = CsvBarFieldsSchema.safeParse(text);
        expect(fast === null).toBe(ref.success);
        if (ref.success) {
          expect(out).toEqual({ ...ref.data, volume: ref.data.volume ?? 0 });
        } else if (fast !== null) {
          expect(ref.error.issues.map((i) => i.path[0])).toContain(fast.field);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('writing bars', () => {
  it('prints prices without float artefacts', () => {
    expect(formatPrice(22474.750000000004)).toBe('22474.75');
    expect(formatPrice(0.1 + 0.2)).toBe('0.3');
    expect(formatPrice(14798.4)).toBe('14798.4');
  });

  it('round-trips through parse in each time format', () => {
    const bars = barsFromColumnar(parseCsvBars(ISO, 'a.csv', cal).bars);
    for (const format of ['iso', 'epoch-s', 'epoch-ms'] as const) {
      const text = formatCsvBars(bars, format, true);
      const back = parseCsvBars(text, 'b.csv', cal);
      expect(back.timeFormat).toBe(format);
      expect(barsFromColumnar(back.bars)).toEqual(bars);
    }
    expect(formatCsvBars(bars, 'iso', false).split('\n')[1]).toBe('2024-05-21T09:15:00+05:30,100,101,99,100.5');
  });
});
