import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Bar } from '../domain/bar';
import type { NseCalendar, TradingSession } from '../domain/calendar';
import { NSE_SPECIAL_SESSIONS } from '../domain/nse-calendar-data';
import { formatIst, istDateKey, istDayNumber } from '../domain/time';
import { InputError } from '../cli/errors';
import { ColumnarBarsBuilder, type ColumnarBars } from '../bars/columnar';

/**
 * Bar CSV files in TradingView's export format: a header naming `time,open,high,low,close` and
 * optionally `volume` (any order, any case, extra columns ignored), one bar per line, labelled
 * by its start. Times are ISO-8601 with an explicit offset, epoch seconds or epoch milliseconds;
 * the first row decides and a file that mixes formats is rejected.
 *
 * Bad rows are errors (InputError naming file, line and field): the whole file is refused rather
 * than partially trusted. Rows that are well-formed but outside the session calendar (pre-open
 * and closing-auction prints, post-close trades, holidays, special sessions the profile did not
 * opt in to) are dropped and counted by reason: they are real data, just not tradable bars.
 */
export type CsvTimeFormat = 'iso' | 'epoch-s' | 'epoch-ms';

export type CsvDropReason = 'PRE_OPEN' | 'POST_CLOSE' | 'BETWEEN_SEGMENTS' | 'SPECIAL_SESSION' | 'CLOSED_DAY';
export const CSV_DROP_REASONS: readonly CsvDropReason[] = ['PRE_OPEN', 'POST_CLOSE', 'BETWEEN_SEGMENTS', 'SPECIAL_SESSION', 'CLOSED_DAY'];

export interface CsvBars {
  readonly file: string;
  /** The in-session bars, columnar, strictly increasing `startMs`. */
  readonly bars: ColumnarBars;
  /** Whether the file had a volume column (when false, `bars.volume` is all zeros). */
  readonly hasVolume: boolean;
  /** How the file wrote its times, so that derived files can be written the same way. */
  readonly timeFormat: CsvTimeFormat;
  /** Data rows read (every line after the header that is not blank). */
  readonly rows: number;
  /** Rows dropped by the session calendar, by reason; rows = bars.length + sum(dropped). */
  readonly dropped: Readonly<Record<CsvDropReason, number>>;
}

// ---- field validation: a zod schema (the specification) and the fast path that the parser uses.
// csv-bars.test.ts proves they accept and reject the same rows with the same values.

/** Plain decimal text: optional minus, digits, optional fraction. No exponent, no spaces, no '.5'. */
export const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

const decimal = z.string().regex(DECIMAL_TEXT, 'not a decimal number').transform(Number);
const price = decimal.pipe(z.number().finite().positive());
const volume = decimal.pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));

/** The row schema over the raw text of the value fields (time is parsed separately: its format is per file). */
export const CsvBarFieldsSchema = z
  .object({ open: price, high: price, low: price, close: price, volume: volume.optional() })
  .superRefine((r, ctx) => {
    if (r.high < Math.max(r.open, r.close)) ctx.addIssue({ code: 'custom', path: ['high'], message: 'high is below open or close' });
    if (r.low > Math.min(r.open, r.close)) ctx.addIssue({ code: 'custom', path: ['low'], message: 'low is above open or close' });
  });

export interface CsvBarFieldsText {
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume?: string | undefined;
}

/** Values of the last row `checkBarFields` accepted (reused, so the parser allocates nothing per row). */
export interface BarFieldValues {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface FieldProblem {
  readonly field: 'open' | 'high' | 'low' | 'close' | 'volume';
  readonly message: string;
}

/** `Number(text)` when the text matches DECIMAL_TEXT, else NaN (a char scan: the regex is the spec). */
function decimalValue(text: string): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const intStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (i === intStart) return Number.NaN;
  if (i < n) {
    if (text.charCodeAt(i) !== 46 /* . */) return Number.NaN;
    const fracStart = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === fracStart || i !== n) return Number.NaN;
  }
  return Number(text);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The fast path: validates the value fields into `out`; returns null when valid, else the first
 * problem (fields in the order open, high, low, close, volume, then the high/low consistency).
 */
export function checkBarFields(t: CsvBarFieldsText, out: BarFieldValues): FieldProblem | null {
  const open = decimalValue(t.open);
  if (!(open > 0 && open < Infinity)) return priceProblem('open', t.open);
  const high = decimalValue(t.high);
  if (!(high > 0 && high < Infinity)) return priceProblem('high', t.high);
  const low = decimalValue(t.low);
  if (!(low > 0 && low < Infinity)) return priceProblem('low', t.low);
  const close = decimalValue(t.close);
  if (!(close > 0 && close < Infinity)) return priceProblem('close', t.close);
  let vol = 0;
  if (t.volume !== undefined) {
    vol = decimalValue(t.volume);
    if (!Number.isSafeInteger(vol) || vol < 0) {
      return { field: 'volume', message: `volume must be a whole number >= 0, got '${t.volume}'` };
    }
  }
  if (high < open || high < close) return { field: 'high', message: `high ${high} is below open ${open} or close ${close}` };
  if (low > open || low > close) return { field: 'low', message: `low ${low} is above open ${open} or close ${close}` };
  out.open = open;
  out.high = high;
  out.low = low;
  out.close = close;
  out.volume = vol;
  return null;
}

function priceProblem(field: FieldProblem['field'], text: string): FieldProblem {
  return { field, message: `${field} must be a finite positive decimal number, got '${text}'` };
}

// ---- times

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/;
const EPOCH = /^\d{1,16}$/;
/** Epoch values below this are seconds (up to year 5138), at or above it milliseconds (from 1973). */
const EPOCH_MS_THRESHOLD = 1e11;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function classifyTime(text: string): CsvTimeFormat | null {
  if (text.length >= 16 && text.charCodeAt(4) === 45 /* - */) return 'iso';
  if (EPOCH.test(text)) return Number(text) < EPOCH_MS_THRESHOLD ? 'epoch-s' : 'epoch-ms';
  return null;
}

/** Epoch ms of an ISO-8601 time with offset; a string describing the problem otherwise. */
function parseIsoTime(text: string): number | string {
  const m = ISO_TIME.exec(text);
  if (!m) return `not an ISO-8601 time: '${text}'`;
  const [, ys, mos, ds, hs, mis, ss, fs, zulu, sign, ohs, oms] = m;
  if (zulu === undefined && sign === undefined) return `time '${text}' has no UTC offset (write +05:30 or Z)`;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  const frac = fs === undefined ? 0 : Number(fs.padEnd(3, '0'));
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = mo === 2 && !leap ? 28 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || s > 59) return `not a valid date/time: '${text}'`;
  let offsetMin = 0;
  if (sign !== undefined) {
    const oh = Number(ohs);
    const om = Number(oms);
    if (oh > 14 || om > 59) return `not a valid UTC offset: '${text}'`;
    offsetMin = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, frac) - offsetMin * 60_000;
}

/**
 * Fast path for the layout every real export uses, 'YYYY-MM-DDTHH:MM:SS+HH:MM': the date and
 * offset are validated by `parseIsoTime` once per distinct value and cached; only the clock time
 * is decoded per row. Returns NaN when the text does not have that layout (the caller then uses
 * `parseIsoTime`, which is also the only source of error messages).
 */
class IsoTimeCache {
  private datePart = '';
  private offsetPart = '';
  private dayUtcMs = 0;
  private offsetMs = 0;

  parse(text: string): number {
    if (
      text.length !== 25 ||
      text.charCodeAt(10) !== 84 /* T */ ||
      text.charCodeAt(13) !== 58 ||
      text.charCodeAt(16) !== 58 ||
      text.charCodeAt(22) !== 58
    ) {
      return Number.NaN;
    }
    const h = digits2(text, 11);
    const mi = digits2(text, 14);
    const sec = digits2(text, 17);
    if (!(h <= 23 && mi <= 59 && sec <= 59)) return Number.NaN;
    if (!text.startsWith(this.datePart) || this.datePart === '') {
      const day = parseIsoTime(`${text.slice(0, 10)}T00:00:00Z`);
      if (typeof day === 'string') return Number.NaN;
      this.datePart = text.slice(0, 10);
      this.dayUtcMs = day;
    }
    if (!text.endsWith(this.offsetPart) || this.offsetPart === '') {
      const zero = parseIsoTime(`1970-01-01T00:00:00${text.slice(19)}`);
      if (typeof zero === 'string') return Number.NaN;
      this.offsetPart = text.slice(19);
      this.offsetMs = -zero;
    }
    return this.dayUtcMs + ((h * 60 + mi) * 60 + sec) * 1000 - this.offsetMs;
  }
}

/** Two ASCII digits at `i` as a number, or NaN. */
function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

// ---- the parser

interface Columns {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number | undefined;
  readonly count: number;
}

const REQUIRED = ['time', 'open', 'high', 'low', 'close'] as const;

function parseHeader(line: string, file: string): Columns {
  const names = line.replace(/^\uFEFF/, '').split(',').map((n) => n.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (n !== '' && index.has(n)) throw new InputError(`duplicate column '${n}' in the header`, { file, line: 1, field: n });
    index.set(n, i);
  });
  const col = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) {
      throw new InputError(`header must name time, open, high, low, close (and optionally volume); '${name}' is missing`, { file, line: 1, field: name });
    }
    return i;
  };
  const [time, open, high, low, close] = REQUIRED.map(col) as [number, number, number, number, number];
  return { time, open, high, low, close, volume: index.get('volume'), count: names.length };
}

const SPECIAL_DATES: ReadonlySet<string> = new Set(NSE_SPECIAL_SESSIONS.map((s) => s.date));

/** Parses the text of a bar CSV file; `file` is only used in messages. */
export function parseCsvBars(text: string, file: string, calendar: NseCalendar): CsvBars {
  const lines = text.split('\n');
  const headerLine = lines[0];
  if (headerLine === undefined || headerLine.trim() === '') throw new InputError('empty file: expected a header line', { file, line: 1 });
  const cols = parseHeader(stripCr(headerLine), file);
  const hasVolume = cols.volume !== undefined;
  const builder = new ColumnarBarsBuilder(Math.ceil(text.length / 48));
  const dropped: Record<CsvDropReason, number> = { PRE_OPEN: 0, POST_CLOSE: 0, BETWEEN_SEGMENTS: 0, SPECIAL_SESSION: 0, CLOSED_DAY: 0 };
  const values: BarFieldValues = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
  const fieldsText = { open: '', high: '', low: '', close: '', volume: undefined as string | undefined };
  const iso = new IsoTimeCache();
  // Only the columns up to the last one we read are located; extra trailing columns are ignored.
  const maxCols = Math.max(cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume ?? 0) + 1;
  const starts = new Int32Array(maxCols);
  const ends = new Int32Array(maxCols);
  let format: CsvTimeFormat | null = null;
  let formatLine = 0;
  let rows = 0;
  let prevTime = Number.NEGATIVE_INFINITY;
  let prevLine = 0;
  let cachedDay = Number.NaN;
  let session: TradingSession | null = null;
  let closedReason: CsvDropReason = 'CLOSED_DAY';

  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = stripCr(raw);
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    rows++;
    // Field k is line[starts[k], ends[k]); no per-line array from split().
    let nf = 0;
    let from = 0;
    while (nf < maxCols) {
      const comma = line.indexOf(',', from);
      starts[nf] = from;
      ends[nf] = comma === -1 ? line.length : comma;
      nf++;
      if (comma === -1) break;
      from = comma + 1;
    }
    if (nf === maxCols && nf < cols.count) {
      // Count (without storing) the extra columns the header promised.
      let c = ends[nf - 1] ?? line.length;
      while (c < line.length && nf < cols.count) {
        nf++;
        c = line.indexOf(',', c + 1);
        if (c === -1) break;
      }
    }
    if (nf < cols.count) {
      throw new InputError(`expected ${cols.count} columns as in the header, got ${nf}`, { file, line: lineNo });
    }
    const timeText = line.slice(starts[cols.time], ends[cols.time]).trim();
    const kind = classifyTime(timeText);
    if (kind === null) throw new InputError(`not an ISO-8601 time or epoch seconds/milliseconds: '${timeText}'`, { file, line: lineNo, field: 'time' });
    if (format === null) {
      format = kind;
      formatLine = lineNo;
    } else if (kind !== format) {
      throw new InputError(`file mixes time formats: ${kind} here, ${format} on line ${formatLine}`, { file, line: lineNo, field: 'time' });
    }
    let timeMs: number;
    if (kind === 'iso') {
      timeMs = iso.parse(timeText);
      if (Number.isNaN(timeMs)) {
        const parsed = parseIsoTime(timeText);
        if (typeof parsed === 'string') throw new InputError(parsed, { file, line: lineNo, field: 'time' });
        timeMs = parsed;
      }
    } else {
      timeMs = kind === 'epoch-s' ? Number(timeText) * 1000 : Number(timeText);
    }
    if (!(timeMs > prevTime)) {
      throw new InputError(`time ${formatIst(timeMs)} is not after the previous row's (line ${prevLine}): rows must be strictly increasing`, {
        file,
        line: lineNo,
        field: 'time',
      });
    }
    prevTime = timeMs;
    prevLine = lineNo;

    fieldsText.open = line.slice(starts[cols.open], ends[cols.open]);
    fieldsText.high = line.slice(starts[cols.high], ends[cols.high]);
    fieldsText.low = line.slice(starts[cols.low], ends[cols.low]);
    fieldsText.close = line.slice(starts[cols.close], ends[cols.close]);
    fieldsText.volume = cols.volume === undefined ? undefined : line.slice(starts[cols.volume], ends[cols.volume]);
    const problem = checkBarFields(fieldsText, values);
    if (problem !== null) throw new InputError(problem.message, { file, line: lineNo, field: problem.field });

    const day = istDayNumber(timeMs);
    if (day !== cachedDay) {
      cachedDay = day;
      try {
        session = calendar.sessionAt(timeMs);
      } catch (e) {
        throw new InputError(e instanceof Error ? e.message : String(e), { file, line: lineNo, field: 'time' });
      }
      closedReason = session === null && SPECIAL_DATES.has(istDateKey(timeMs)) ? 'SPECIAL_SESSION' : 'CLOSED_DAY';
    }
    const reason = session === null ? closedReason : sessionReason(session, timeMs);
    if (reason !== null) {
      dropped[reason]++;
      continue;
    }
    builder.push(timeMs, values.open, values.high, values.low, values.close, values.volume);
  }
  if (format === null) throw new InputError('no data rows after the header', { file, line: 2 });
  return { file, bars: builder.finish(), hasVolume, timeFormat: format, rows, dropped };
}

function sessionReason(session: TradingSession, t: number): CsvDropReason | null {
  if (t < session.openMs) return 'PRE_OPEN';
  if (t >= session.closeMs) return 'POST_CLOSE';
  for (const seg of session.segments) if (t >= seg.openMs && t < seg.closeMs) return null;
  return 'BETWEEN_SEGMENTS';
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** Reads and parses a bar CSV file; an unreadable file is an InputError naming it. */
export async function readCsvBars(path: string, calendar: NseCalendar): Promise<CsvBars> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the file: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  return parseCsvBars(text, path, calendar);
}

// ---- writing

/** A price as short decimal text without float artefacts (22474.750000000004 → '22474.75'); 4 decimals at most. */
export function formatPrice(x: number): string {
  return String(Math.round(x * 10_000) / 10_000);
}

export function formatCsvTime(startMs: number, format: CsvTimeFormat): string {
  switch (format) {
    case 'iso':
      return formatIst(startMs);
    case 'epoch-s':
      return String(Math.floor(startMs / 1000));
    case 'epoch-ms':
      return String(startMs);
  }
}

/** CSV text `time,open,high,low,close[,volume]` (trailing newline), times written in `format`. */
export function formatCsvBars(bars: readonly Bar[], format: CsvTimeFormat, withVolume: boolean): string {
  const out: string[] = [withVolume ? 'time,open,high,low,close,volume' : 'time,open,high,low,close'];
  for (const b of bars) {
    const base = `${formatCsvTime(b.startMs, format)},${formatPrice(b.open)},${formatPrice(b.high)},${formatPrice(b.low)},${formatPrice(b.close)}`;
    out.push(withVolume ? `${base},${b.volume}` : base);
  }
  return `${out.join('\n')}\n`;
}
