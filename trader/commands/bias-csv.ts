import { InputError } from '../cli/errors';

/**
 * Daily series loaders for `tfl bias` (formats of ../shared/data, see its README). Only the
 * date and close are used by the bias rules; every row is still checked (date, ascending order,
 * a positive close) and a bad row is an InputError naming the file, line and field.
 */

export interface DailyClose {
  readonly date: string;
  readonly value: number;
}

interface Format {
  readonly name: string;
  readonly header: string;
  readonly dateField: string;
  readonly closeField: string;
  readonly closeIndex: number;
  readonly columns: number;
  readonly date: 'iso' | 'mdy';
}

const NIFTY_FORMATS: readonly Format[] = [
  { name: 'yahoo daily', header: 'Date,Open,High,Low,Close,Adj Close,Volume', dateField: 'Date', closeField: 'Close', closeIndex: 4, columns: 7, date: 'iso' },
  { name: 'daily close', header: 'date,spot_price', dateField: 'date', closeField: 'spot_price', closeIndex: 1, columns: 2, date: 'iso' },
  { name: 'daily ohlcv', header: 'date,o,h,l,c,v', dateField: 'date', closeField: 'c', closeIndex: 4, columns: 6, date: 'iso' },
];

const VIX_FORMATS: readonly Format[] = [
  { name: 'vix close', header: 'date,vix_value', dateField: 'date', closeField: 'vix_value', closeIndex: 1, columns: 2, date: 'iso' },
  // open/high/low are 0 on two rows of the real file; only the close is used, so those rows are fine.
  {
    name: 'vix ohlc',
    header: 'Date,Open,High,Low,Close,PrevClose,Change,Pchange',
    dateField: 'Date',
    closeField: 'Close',
    closeIndex: 4,
    columns: 8,
    date: 'mdy',
  },
];

/** NIFTY closes snap to the 0.05 tick (the files carry float32 artefacts such as 7791.2998046875). */
export function parseNiftyDaily(text: string, file: string): DailyClose[] {
  return parseSeries(text, file, NIFTY_FORMATS, (x) => Math.round(x * 20) / 20);
}

/** VIX closes keep 4 decimals (its tick is 0.0025), which removes the float32 artefacts. */
export function parseVixDaily(text: string, file: string): DailyClose[] {
  return parseSeries(text, file, VIX_FORMATS, (x) => Math.round(x * 10_000) / 10_000);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function parseSeries(text: string, file: string, formats: readonly Format[], snap: (x: number) => number): DailyClose[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  const format = formats.find((f) => f.header === header);
  if (!format) {
    throw new InputError(`unknown header '${header}'; expected one of: ${formats.map((f) => `'${f.header}'`).join(', ')}`, { file, line: 1 });
  }
  const out: DailyClose[] = [];
  let previous = '';
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = raw.split(',');
    if (cells.length !== format.columns) {
      throw new InputError(`expected ${format.columns} columns (${format.name}), got ${cells.length}`, { file, line });
    }
    const date = toDate(cells[0]?.trim() ?? '', format.date);
    if (date === null) throw new InputError(`not a valid date: '${cells[0] ?? ''}'`, { file, line, field: format.dateField });
    if (date <= previous) {
      throw new InputError(`date ${date} is not after the previous row's ${previous} (duplicate or out of order)`, { file, line, field: format.dateField });
    }
    const cell = cells[format.closeIndex]?.trim() ?? '';
    const close = NUMBER.test(cell) ? Number(cell) : NaN;
    if (!Number.isFinite(close) || close <= 0) {
      throw new InputError(`close must be a positive number, got '${cell}'`, { file, line, field: format.closeField });
    }
    out.push({ date, value: snap(close) });
    previous = date;
  }
  if (out.length === 0) throw new InputError('no data rows', { file });
  return out;
}

function toDate(s: string, kind: 'iso' | 'mdy'): string | null {
  let y: number;
  let m: number;
  let d: number;
  if (kind === 'iso') {
    const g = ISO.exec(s);
    if (!g) return null;
    [y, m, d] = [Number(g[1]), Number(g[2]), Number(g[3])];
  } else {
    const g = MDY.exec(s);
    if (!g) return null;
    [m, d, y] = [Number(g[1]), Number(g[2]), Number(g[3])];
  }
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const utc = Date.UTC(y, m - 1, d);
  return new Date(utc).toISOString().slice(0, 10) === iso ? iso : null;
}
