import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, type CliIo, type Command } from '../cli/errors';
import { barsFromColumnar } from '../bars/columnar';
import { detectTimeframeMinutes, resampleBars } from '../bars/resample';
import { formatTimeframe, parseTimeframeMinutes } from '../bars/timeframe';
import { NseCalendar } from '../domain/calendar';
import { CSV_DROP_REASONS, formatCsvBars, readCsvBars } from '../market-data/csv-bars';

const USAGE = 'usage: tfl resample --data PATH --timeframe 15m --out PATH';
const FLAGS = ['--data', '--timeframe', '--out'] as const;
type Flag = (typeof FLAGS)[number];

function parseFlags(argv: readonly string[]): Record<Flag, string> {
  const seen = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!(FLAGS as readonly string[]).includes(name)) throw new InputError(`unknown argument '${arg}' (${USAGE})`, { field: name });
    const flag = name as Flag;
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === '' || value.startsWith('--')) throw new InputError(`${flag} needs a value (${USAGE})`, { field: flag });
    if (seen.has(flag)) throw new InputError(`${flag} given twice`, { field: flag });
    seen.set(flag, value);
  }
  const get = (f: Flag): string => {
    const v = seen.get(f);
    if (v === undefined) throw new InputError(`${f} is required (${USAGE})`, { field: f });
    return v;
  };
  return { '--data': get('--data'), '--timeframe': get('--timeframe'), '--out': get('--out') };
}

/**
 * `tfl resample --data PATH --timeframe 15m --out PATH`: rolls a bar CSV up to a larger
 * timeframe on the NSE session grid (aligned to 09:15, last bar clipped at 15:30) and writes
 * `time,open,high,low,close[,volume]` in the input's time format (volume only if the input had it).
 * Rows outside the regular sessions (pre-open prints, closing prints, special sessions) are
 * dropped and counted in the summary. The source timeframe is detected from the data; the
 * target must be a multiple of it.
 */
export const resample: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const flags = parseFlags(argv);
  const target = parseTimeframeMinutes(flags['--timeframe']);
  if (target === null) {
    throw new InputError(`'${flags['--timeframe']}' is not a timeframe: use minutes or hours such as 5m, 15m, 1h (at most 375m)`, {
      field: '--timeframe',
    });
  }
  const dataPath = resolve(io.cwd, flags['--data']);
  const outPath = resolve(io.cwd, flags['--out']);
  const calendar = new NseCalendar();
  const csv = await readCsvBars(dataPath, calendar);
  if (csv.bars.length === 0) throw new InputError('no bars inside NSE sessions to resample', { file: dataPath });
  const source = detectTimeframeMinutes(csv.bars.startMs, calendar);
  if (source === null) {
    throw new InputError('cannot tell the bar timeframe: bar times must be whole minutes after the session open', { file: dataPath, field: 'time' });
  }
  if (target % source !== 0) {
    throw new InputError(`${formatTimeframe(target)} is not a multiple of the data's ${formatTimeframe(source)} bars`, { field: '--timeframe' });
  }
  const out = resampleBars(barsFromColumnar(csv.bars), source, target, calendar);
  try {
    await writeFile(outPath, formatCsvBars(out, csv.timeFormat, csv.hasVolume));
  } catch (e) {
    throw new InputError(`cannot write: ${e instanceof Error ? e.message : String(e)}`, { file: outPath, field: '--out' });
  }
  const drops = CSV_DROP_REASONS.filter((r) => csv.dropped[r] > 0).map((r) => `${r} ${csv.dropped[r]}`);
  io.stdout.write(
    `resampled ${csv.bars.length} ${formatTimeframe(source)} bars into ${out.length} ${formatTimeframe(target)} bars → ${outPath}` +
      `${drops.length > 0 ? ` (rows outside sessions dropped: ${drops.join(', ')})` : ''}\n`,
  );
  return 0;
};
