import type { ColumnarBars } from '../bars/columnar';
import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar, type TradingSession } from '../domain/calendar';
import type { DenialReason, TradeRecord } from '../domain/events';
import { DAY_MS, IST_OFFSET_MS, istDayNumber, istMidnightOfDateKey } from '../domain/time';
import { BarReplay } from '../market-data/replay';
import type { Logger } from '../observability/log';
import type { JournalStore } from '../persistence/port';
import { SimulatedClock } from './clock';
import type { DaySummary } from './engine';
import { buildRuntime, type BiasSetting } from './runtime';
import { TickPump } from './tick-pump';

export interface BacktestSeries {
  readonly symbol: string;
  readonly bars: ColumnarBars;
}

export interface BacktestOptions {
  readonly series: readonly BacktestSeries[];
  /** Timeframe of every series (they share one bar grid). */
  readonly barMinutes: number;
  readonly profile: Profile;
  readonly bias: BiasSetting;
  /** Inclusive IST date range; undefined = all of the data. */
  readonly from?: string;
  readonly to?: string;
  readonly journalStore: JournalStore;
  readonly log: Logger;
  readonly onProgress?: (sessionsDone: number, sessionsTotal: number, date: string) => void;
}

export interface BacktestResult {
  readonly trades: readonly TradeRecord[];
  readonly days: readonly DaySummary[];
  readonly sessions: number;
  readonly ticksProcessed: number;
  readonly rejectedTicks: number;
  readonly denials: Readonly<Partial<Record<DenialReason, number>>>;
}

/**
 * Replays bar files through the same engine as paper and live: each bar becomes four ticks on
 * the deterministic intrabar path, ticks pass the tick gate, the paper broker fills against them.
 * Sessions run one after another with the strategy's and risk's daily state reset in between.
 */
export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  const calendar = new NseCalendar({ specialSessions: o.profile.specialSessions });
  const instruments = o.series.map((s) => instrumentFor(s.symbol));
  const fromMs = o.from !== undefined ? istMidnightOfDateKey(o.from) : Number.NEGATIVE_INFINITY;
  const toMs = o.to !== undefined ? istMidnightOfDateKey(o.to) + DAY_MS : Number.POSITIVE_INFINITY;
  const series = o.series.map((s) => sliceByTime(s.bars, fromMs, toMs));
  const sessions = sessionsOf(series, calendar);

  const clock = new SimulatedClock();
  const rt = buildRuntime({
    profile: o.profile,
    instruments,
    calendar,
    journalStore: o.journalStore,
    clock,
    mode: 'backtest',
    bias: o.bias,
    log: o.log,
  });
  const replay = new BarReplay(series, { barMinutes: o.barMinutes, calendar });
  const pump = new TickPump(rt.target, rt.orders);
  const gate = rt.gate;
  let ticks = 0;
  const sink = (symbol: number, timeMs: number, price: number, volume: number): void => {
    ticks++;
    if (gate.acceptIndex(symbol, timeMs, price, volume) < 0) return;
    pump.push(symbol, timeMs, price, volume, 0, 0);
  };

  const days: DaySummary[] = [];
  const trades: TradeRecord[] = [];
  const denials: Partial<Record<DenialReason, number>> = {};
  for (let i = 0; i < sessions.length; i++) {
    const session = sessions[i];
    if (session === undefined) continue;
    rt.engine.startSession(session, rt.bias);
    while (replay.nextBarStartMs < session.closeMs) {
      replay.step(sink);
      if (pump.queued > 0 || rt.orders.inFlight > 0) await pump.idle();
    }
    await pump.idle();
    // The clock reaches the close even when the file stops early: square-off happens.
    pump.clock(session.closeMs);
    await pump.idle();
    rt.engine.settleAtLastPrices();
    await pump.idle();
    const day = await rt.engine.endSession();
    if (!day.flat) o.log.error('session ended with an open position', { date: day.date });
    days.push(day);
    trades.push(...day.trades);
    for (const [k, v] of Object.entries(day.denials) as [DenialReason, number][]) denials[k] = (denials[k] ?? 0) + v;
    o.onProgress?.(i + 1, sessions.length, session.date);
  }
  await rt.journal.close();
  return { trades, days, sessions: sessions.length, ticksProcessed: ticks, rejectedTicks: gate.rejectedTotal, denials };
}

function sliceByTime(bars: ColumnarBars, fromMs: number, toMs: number): ColumnarBars {
  let a = 0;
  while (a < bars.length && (bars.startMs[a] ?? 0) < fromMs) a++;
  let b = a;
  while (b < bars.length && (bars.startMs[b] ?? 0) < toMs) b++;
  if (a === 0 && b === bars.length) return bars;
  return {
    length: b - a,
    startMs: bars.startMs.subarray(a, b),
    open: bars.open.subarray(a, b),
    high: bars.high.subarray(a, b),
    low: bars.low.subarray(a, b),
    close: bars.close.subarray(a, b),
    volume: bars.volume.subarray(a, b),
  };
}

/** The sessions that have at least one bar, in date order. */
function sessionsOf(series: readonly ColumnarBars[], calendar: NseCalendar): TradingSession[] {
  const days = new Set<number>();
  for (const s of series) {
    let last = Number.NaN;
    for (let i = 0; i < s.length; i++) {
      const d = istDayNumber(s.startMs[i] ?? 0); // integer arithmetic: this runs once per bar
      if (d !== last) {
        days.add(d);
        last = d;
      }
    }
  }
  return [...days]
    .sort((a, b) => a - b)
    .map((d) => calendar.sessionAt(d * DAY_MS - IST_OFFSET_MS))
    .filter((x): x is TradingSession => x !== null);
}
