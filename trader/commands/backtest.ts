import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { detectTimeframeMinutes } from '../bars/resample';
import { type CliIo, type Command, InputError } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { loadProfile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import type { TradeRecord } from '../domain/events';
import { toRupees } from '../domain/money';
import { formatIst, istMidnightOfDateKey } from '../domain/time';
import { runBacktest, type BacktestSeries } from '../engine/backtest';
import { readCsvBars } from '../market-data/csv-bars';
import { nullLogger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { computeStats } from '../portfolio/stats';
import { formatDaySummary, progressBar } from './report';

const dateKey = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((d) => {
    try {
      istMidnightOfDateKey(d);
      return true;
    } catch {
      return false;
    }
  }, 'not a calendar date');

const Flags = z
  .strictObject({
    data: z
      .array(z.string().regex(/^[A-Za-z0-9&-]{1,32}=.+$/, 'expected SYMBOL=PATH'))
      .min(1, 'at least one --data SYMBOL=PATH is required'),
    strategy: z.literal('tfl', { message: "only 'tfl' is available" }),
    bias: z.enum(['off', 'LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']).default('off'),
    from: dateKey.optional(),
    to: dateKey.optional(),
    json: z.string().min(1).optional(),
    profile: z.string().min(1).default('default'),
  })
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, { message: '--from must not be after --to', path: ['from'] });

/** `tfl backtest`: replay CSV bars through the engine and report trades and statistics. */
export const backtest: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const flags = parseFlags(
    'backtest',
    argv,
    {
      data: { type: 'string', multiple: true },
      strategy: { type: 'string' },
      bias: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'string' },
      profile: { type: 'string' },
    },
    Flags,
  );
  const profile = loadProfile(flags.profile === 'default' ? 'default' : resolve(io.cwd, flags.profile));
  const calendar = new NseCalendar({ specialSessions: profile.specialSessions });

  const series: BacktestSeries[] = [];
  let barMinutes: number | null = null;
  let droppedRows = 0;
  for (const spec of flags.data) {
    const eq = spec.indexOf('=');
    const symbol = spec.slice(0, eq).toUpperCase();
    const path = resolve(io.cwd, spec.slice(eq + 1));
    if (series.some((s) => s.symbol === symbol)) throw new InputError(`symbol ${symbol} given twice`, { field: '--data' });
    const csv = await readCsvBars(path, calendar);
    droppedRows += Object.values(csv.dropped).reduce((a, b) => a + b, 0);
    const tf = detectTimeframeMinutes(csv.bars.startMs, calendar);
    if (tf === null) throw new InputError('cannot tell the bar timeframe (too few bars in a session)', { file: path });
    if (barMinutes !== null && tf !== barMinutes) {
      throw new InputError(`bars are ${tf}-minute but earlier files are ${barMinutes}-minute; give files of one timeframe`, { file: path });
    }
    barMinutes = tf;
    series.push({ symbol, bars: csv.bars });
  }
  if (barMinutes === null) throw new InputError('no data', { field: '--data' });

  const started = performance.now();
  const showBar = io.stderr.isTTY === true;
  const result = await runBacktest({
    series,
    barMinutes,
    profile,
    bias: flags.bias,
    from: flags.from,
    to: flags.to,
    journalStore: new MemoryJournalStore(),
    log: nullLogger,
    onProgress: (done, total, date) => {
      if (showBar) io.stderr.write(`\r${progressBar(done, total)} ${date}`);
      else if (done === total || done % 50 === 0) io.stderr.write(`backtest: ${done}/${total} sessions (${date})\n`);
    },
  });
  if (showBar) io.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;

  const dailyNet = result.days.map((d) => d.trades.reduce((a, t) => a + t.netPaise, 0));
  const stats = computeStats(result.trades, dailyNet);
  const out = {
    trades: result.trades.map(tradeJson),
    stats,
    sessions: result.sessions,
    ticksProcessed: result.ticksProcessed,
    rejectedTicks: result.rejectedTicks,
    droppedRows,
    denials: result.denials,
  };
  if (flags.json !== undefined) {
    const path = resolve(io.cwd, flags.json);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
  }
  io.stdout.write(
    formatDaySummary({
      title: `Backtest ${series.map((s) => s.symbol).join(', ')}: ${result.sessions} sessions, ${barMinutes}-minute bars, bias ${flags.bias}`,
      stats,
      denials: result.denials,
      extra: [
        `ticks processed ${result.ticksProcessed.toLocaleString('en-IN')}, rejected ${result.rejectedTicks}, rows outside sessions ${droppedRows}`,
        `ran in ${seconds.toFixed(2)} s`,
        ...(flags.json !== undefined ? [`JSON written to ${flags.json}`] : []),
      ],
    }),
  );
  return 0;
};

export function tradeJson(t: TradeRecord): Record<string, unknown> {
  return {
    symbol: t.symbol,
    side: t.direction,
    entryTime: formatIst(t.entryTimeMs),
    entryPrice: toRupees(t.entryPricePaise),
    exitTime: formatIst(t.exitTimeMs),
    exitPrice: toRupees(t.exitPricePaise),
    qty: t.qty,
    exitReason: t.exitReason,
    pnl: toRupees(t.netPaise),
    r: Math.round(t.r * 10_000) / 10_000,
  };
}
