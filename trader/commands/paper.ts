import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type CliIo, type Command, InputError } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { loadProfile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { NSE_CALENDAR_YEARS } from '../domain/nse-calendar-data';
import { istDateKey, istMidnightOfDateKey, DAY_MS } from '../domain/time';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { runPaperSession } from '../engine/paper-session';
import { JsonLogger } from '../observability/log';
import { StateJournalStore } from '../persistence/journal-store';
import { openStore, storeFlag } from './store-option';
import { computeStats } from '../portfolio/stats';
import { formatDaySummary } from './report';
import { tradeJson } from './backtest';
import { createWriteStream, mkdirSync } from 'node:fs';

const Flags = z.strictObject({
  seed: z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .default(1),
  symbols: z
    .string()
    .regex(/^[A-Za-z0-9&-]+(,[A-Za-z0-9&-]+)*$/, 'expected a comma-separated list such as RELIANCE,INFY')
    .transform((s) => s.toUpperCase().split(','))
    .optional(),
  speed: z
    .string()
    .regex(/^(max|realtime|\d+(\.\d+)?)$/, "expected 'max', 'realtime' or a positive speed-up factor")
    .transform((s) => (s === 'max' || s === 'realtime' ? s : Number(s)))
    .refine((s) => typeof s === 'string' || s > 0, 'the speed-up factor must be positive')
    .default('max'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(),
  bias: z.enum(['off', 'LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']).default('off'),
  profile: z.string().min(1).default('default'),
  store: storeFlag,
});

/** `tfl paper`: a simulated NSE day, traded over a real WebSocket with the paper broker. */
export const paper: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const flags = parseFlags(
    'paper',
    argv,
    {
      seed: { type: 'string' },
      symbols: { type: 'string' },
      speed: { type: 'string' },
      date: { type: 'string' },
      bias: { type: 'string' },
      profile: { type: 'string' },
      store: { type: 'string' },
    },
    Flags,
  );
  const profile = loadProfile(flags.profile === 'default' ? 'default' : resolve(io.cwd, flags.profile));
  const calendar = new NseCalendar({ specialSessions: profile.specialSessions });
  const date = flags.date ?? latestTradingDay(calendar, Date.now());
  try {
    if (calendar.sessionOn(date) === null) throw new InputError(`${date} is not an NSE trading day`, { field: '--date' });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(err instanceof Error ? err.message : String(err), { field: '--date' });
  }
  const symbols = flags.symbols ?? DEFAULT_SIM_SYMBOLS.map((s) => s.symbol);
  const known = new Set(DEFAULT_SIM_SYMBOLS.map((s) => s.symbol));
  const unknown = symbols.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new InputError(`the simulator has no ${unknown.join(', ')} (it knows ${[...known].join(', ')})`, { field: '--symbols' });
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const dir = resolve(io.cwd, '.tfl');
  // The embedded default (issue 3 §1): dynalite in-process with its data under ./.tfl/, or the
  // AWS table when the environment names one; `--store memory` keeps nothing.
  const store = await openStore(flags.store, dir);
  const prior = await store.loadDay(profile.name, date);
  const journalWhere = store.description;
  const logPath = join(dir, 'logs', `paper-${date}-seed${flags.seed}-${stamp}.log`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const log = new JsonLogger(logStream, 'info', { mode: 'paper', date, seed: flags.seed });

  io.stdout.write(
    `TFL paper session ${date} (simulated, seed ${flags.seed}, speed ${String(flags.speed)}), profile ${profile.name}, bias ${flags.bias}\n` +
      `  symbols ${symbols.join(', ')}\n` +
      `  market simulator on a local WebSocket (OpenAlgo market_data); the trader connects as a client\n`,
  );
  const started = performance.now();
  const result = await runPaperSession({
    seed: flags.seed,
    date,
    symbols,
    speed: flags.speed,
    profile,
    bias: flags.bias,
    journalStore: new StateJournalStore(store, profile.name, date),
    journalStartSeq: prior.lastJournalSeq,
    log,
    apiKey: randomBytes(16).toString('hex'),
    progress: (line) => io.stdout.write(`${line}\n`),
  });
  await new Promise<void>((r) => logStream.end(r));
  for (const t of result.summary.trades) await store.putTrade(profile.name, date, t);
  await store.putSummary(profile.name, date, {
    date,
    profile: profile.name,
    trades: result.summary.trades.length,
    netPaise: result.summary.trades.reduce((a, t) => a + t.netPaise, 0),
    totalR: result.summary.trades.reduce((a, t) => a + t.r, 0),
    flat: result.summary.flat,
    halted: result.summary.halted,
    denials: result.summary.denials,
  });
  const journalEntries = (await store.readJournal(profile.name, date)).length;
  await store.close();
  const seconds = (performance.now() - started) / 1000;
  const s = result.summary;
  const stats = computeStats(s.trades, [s.trades.reduce((a, t) => a + t.netPaise, 0)]);
  const tradeLines = s.trades.map((t) => {
    const j = tradeJson(t);
    return `    ${String(j.entryTime).slice(11, 19)} ${t.direction.padEnd(5)} ${t.symbol.padEnd(10)} qty ${String(t.qty).padStart(5)}  in ${String(j.entryPrice).padStart(9)}  out ${String(j.exitPrice).padStart(9)} ${String(j.exitTime).slice(11, 19)}  ${t.exitReason.padEnd(10)} ${(t.r >= 0 ? '+' : '') + t.r.toFixed(2)} R  ${String(j.pnl)}`;
  });
  const rejected = Object.entries(result.rejected)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  io.stdout.write(
    formatDaySummary({
      title: `Day summary ${date}`,
      stats,
      denials: s.denials,
      extra: [
        `signals ${s.signals}; flat at the close: ${s.flat ? 'yes' : 'NO'}${s.halted !== null ? `; halted: ${s.halted}` : ''}`,
        `ticks received ${result.ticksReceived.toLocaleString('en-IN')}, accepted ${result.ticksAccepted.toLocaleString('en-IN')}, rejected ${rejected === '' ? 'none' : rejected}`,
        `feed reconnects ${result.feed.reconnects}, malformed messages ${result.feed.malformed}`,
        `ran in ${seconds.toFixed(1)} s`,
        ...(tradeLines.length > 0 ? ['trades:', ...tradeLines] : []),
        `journal: ${journalWhere}, profile ${profile.name}, ${date}: ${journalEntries} entries (every signal, risk decision, order change, fill, position and trade)`,
        `  read the day's trades: npm run tfl -- ledger --data-dir .tfl --date ${date} --json ledger.json`,
        `log:     ${logPath}`,
      ],
    }),
  );
  return s.flat ? 0 : 1;
};

/** The newest NSE trading day on or before `nowMs` (IST), within the calendar's years. */
function latestTradingDay(calendar: NseCalendar, nowMs: number): string {
  const lastCovered = istMidnightOfDateKey(`${NSE_CALENDAR_YEARS.last}-12-31`);
  let t = Math.min(nowMs, lastCovered);
  for (let i = 0; i < 30; i++, t -= DAY_MS) {
    const d = istDateKey(t);
    if (calendar.sessionOn(d) !== null) return d;
  }
  throw new InputError('no trading day found in the last 30 days', { field: '--date' });
}
