import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { compute } from '../../lambdas/pre-market/run';
import type { BiasRecord, DailySeriesSource, TradingDays } from '../../lambdas/pre-market/run';
import { NseCalendar } from '../domain/calendar';
import { NSE_CALENDAR_YEARS } from '../domain/nse-calendar-data';
import { InputError } from '../cli/errors';
import type { CliIo, Command } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { parseNiftyDaily, parseVixDaily } from './bias-csv';
import type { DailyClose } from './bias-csv';

/**
 * `tfl bias --daily PATH --vix PATH --date YYYY-MM-DD [--json OUT]`: the pre-market bias of any
 * past (or the next) day from CSV files, computed by the same code as the Lambda
 * (lambdas/pre-market/run.ts `compute`), printed as `{ date, bias, reasons, inputs, ruleVersion }`.
 *
 * Trading days: the NSE calendar in trader/domain covers only recent years, so for history the
 * daily file itself is the calendar — a date present in it was a trading day, a date inside its
 * range but absent was not, and the previous session is the previous row. A date after the file's
 * last row falls back to the NSE calendar when it covers the year (the "compute tomorrow's bias
 * from today's export" case); anything else is an error naming --date.
 */
const flagsSchema = z.object({
  daily: z.string().min(1, 'required: path of the NIFTY daily CSV'),
  vix: z.string().min(1, 'required: path of the India VIX daily CSV'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  json: z.string().min(1).optional(),
});

export interface BiasOutput {
  readonly date: string;
  readonly bias: BiasRecord['bias'] | null;
  readonly reasons: readonly string[];
  readonly inputs: BiasRecord['inputs'];
  readonly ruleVersion: string;
}

export const bias: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const flags = parseFlags(
    'bias',
    argv,
    { daily: { type: 'string' }, vix: { type: 'string' }, date: { type: 'string' }, json: { type: 'string' } },
    flagsSchema,
  );
  const dailyPath = resolve(io.cwd, flags.daily);
  const vixPath = resolve(io.cwd, flags.vix);
  const nifty = parseNiftyDaily(await readText(dailyPath, '--daily'), dailyPath);
  const vix = parseVixDaily(await readText(vixPath, '--vix'), vixPath);
  const out = await historicalBias(nifty, vix, flags.date, () => Date.now());
  const text = `${JSON.stringify(out, null, 2)}\n`;
  io.stdout.write(text);
  if (flags.json !== undefined) await writeFile(resolve(io.cwd, flags.json), text);
  return 0;
};

/** The bias of `date` from parsed series; also used by the real-data distribution test. */
export async function historicalBias(
  nifty: readonly DailyClose[],
  vix: readonly DailyClose[],
  date: string,
  nowMs: () => number,
  calendar: TradingDays = dataTradingDays(nifty, date),
): Promise<BiasOutput> {
  if (!calendar.isTradingDay(date)) {
    return { date, bias: null, reasons: [`${date} is not a trading day: no bias`], inputs: null, ruleVersion: 'n/a' };
  }
  const record = await compute({ clock: { nowMs }, calendar, nifty: seriesSource(nifty), vix: seriesSource(vix) }, date);
  return { date, bias: record.bias, reasons: record.reasons, inputs: record.inputs, ruleVersion: record.ruleVersion };
}

/** Trading days from the daily file (see the module comment). */
export function dataTradingDays(nifty: readonly DailyClose[], date: string): TradingDays {
  const first = nifty[0];
  const last = nifty[nifty.length - 1];
  if (!first || !last) throw new InputError('no data rows', { field: '--daily' });
  if (date < first.date) throw new InputError(`${date} is before the first row of the daily file (${first.date})`, { field: '--date' });
  if (date > last.date) {
    const year = Number(date.slice(0, 4));
    if (year < NSE_CALENDAR_YEARS.first || year > NSE_CALENDAR_YEARS.last) {
      throw new InputError(
        `${date} is after the daily file (last row ${last.date}) and outside the NSE calendar (${NSE_CALENDAR_YEARS.first}–${NSE_CALENDAR_YEARS.last})`,
        { field: '--date' },
      );
    }
    const cal = new NseCalendar();
    return { isTradingDay: (d) => cal.isTradingDay(d), previousTradingDay: (d) => cal.previousSessionBefore(d)?.date ?? null };
  }
  const dates = nifty.map((c) => c.date);
  const index = new Map(dates.map((d, i) => [d, i]));
  return {
    isTradingDay: (d) => index.has(d),
    previousTradingDay: (d) => {
      const i = index.get(d);
      return i === undefined || i === 0 ? null : (dates[i - 1] ?? null);
    },
  };
}

/** Closes strictly before a date from an ascending in-memory series (binary search). */
export function seriesSource(series: readonly DailyClose[]): DailySeriesSource {
  return {
    closesBefore(date: string, count: number) {
      let lo = 0;
      let hi = series.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((series[mid]?.date ?? '') < date) lo = mid + 1;
        else hi = mid;
      }
      return Promise.resolve(series.slice(Math.max(0, lo - count), lo));
    },
  };
}

async function readText(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(`cannot read file (${code})`, { file: path, field });
  }
}
