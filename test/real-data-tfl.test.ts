/**
 * TFL on real NSE data (../shared/data, skipped when absent): the NIFTY 50 5-minute file
 * (2024-05-21..2025-06-18) and five stocks' 1-minute bars (April 2021). Every trade the engine
 * takes must obey strategies.md §1, checked independently of the strategy's own code: the
 * 15-minute bars are rebuilt here with `resampleBars` and the rules re-derived from them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { barsFromColumnar } from '../trader/bars/columnar';
import { resampleBars } from '../trader/bars/resample';
import { defaultProfile } from '../trader/config/profile';
import type { Bar } from '../trader/domain/bar';
import { NseCalendar } from '../trader/domain/calendar';
import type { JournalEntry, TradeRecord } from '../trader/domain/events';
import type { Intent } from '../trader/domain/intent';
import { toPaise } from '../trader/domain/money';
import { istDateKey, istMsOfDay, parseHhmm } from '../trader/domain/time';
import { runBacktest, type BacktestResult } from '../trader/engine/backtest';
import { readCsvBars } from '../trader/market-data/csv-bars';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import { hasSharedData, sharedDataPath } from './support/shared-data';

type Enter = Extract<Intent, { kind: 'ENTER' }>;
const MIN = 60_000;

interface Run {
  result: BacktestResult;
  journal: JournalEntry[];
  bars15: Map<string, Bar[]>;
}

async function run(files: Record<string, string>, barMinutes: number): Promise<Run> {
  const calendar = new NseCalendar();
  const series = [];
  const bars15 = new Map<string, Bar[]>();
  for (const [symbol, file] of Object.entries(files)) {
    const csv = await readCsvBars(sharedDataPath(file), calendar);
    series.push({ symbol, bars: csv.bars });
    bars15.set(symbol, resampleBars(barsFromColumnar(csv.bars), barMinutes, 15, calendar));
  }
  const store = new MemoryJournalStore();
  const result = await runBacktest({ series, barMinutes, profile: defaultProfile(), bias: 'off', journalStore: store, log: nullLogger });
  return { result, journal: await store.readAll(), bars15 };
}

/** The ENTER signal that opened a trade: the newest one for the symbol decided at or before the entry fill. */
function signalFor(trade: TradeRecord, journal: readonly JournalEntry[]): Enter {
  let found: Enter | null = null;
  for (const e of journal) {
    if (e.type === 'SIGNAL' && e.intent.kind === 'ENTER' && e.intent.symbol === trade.symbol && e.intent.decidedAtMs <= trade.entryTimeMs) {
      found = e.intent;
    }
  }
  if (found === null) throw new Error(`no signal for trade ${trade.tradeId}`);
  return found;
}

function colour(b: Bar): number {
  return Math.sign(b.close - b.open);
}

/** Checks one trade against §1 with the default parameters; returns the violations. */
function violations(trade: TradeRecord, signal: Enter, bars: readonly Bar[]): string[] {
  const out: string[] = [];
  const trigger = bars.findIndex((b) => b.startMs === signal.signalBarMs);
  if (trigger < 0) return [`trigger bar ${signal.signalBarMs} not among the 15-minute bars`];
  const trig = bars[trigger];
  if (trig === undefined) return ['no trigger bar'];
  const long = signal.direction === 'LONG';
  // A valid pair: two consecutive completed bars of opposite colour, same day, before the trigger,
  // starting at or after 09:15, whose far side is the stop and whose near side the trigger closed beyond.
  let pairOk = false;
  for (let i = trigger - 1; i >= 1 && !pairOk; i--) {
    const a = bars[i - 1];
    const b = bars[i];
    if (a === undefined || b === undefined) continue;
    if (istDateKey(a.startMs) !== istDateKey(trig.startMs)) break;
    if (b.startMs - a.startMs !== 15 * MIN) continue;
    if (colour(a) === 0 || colour(b) === 0 || colour(a) === colour(b)) continue;
    if (istMsOfDay(a.startMs) < parseHhmm('09:15') * MIN) continue;
    const hi = Math.max(a.high, b.high);
    const lo = Math.min(a.low, b.low);
    const rangePct = ((hi - lo) / b.close) * 100;
    const far = toPaise(long ? lo : hi);
    const beyond = long ? trig.close > hi : trig.close < lo;
    if (far === signal.stopPaise && beyond && rangePct >= 0.05 - 1e-9 && rangePct <= 0.8 + 1e-9) pairOk = true;
  }
  if (!pairOk) out.push('no valid pair before the trigger bar matches the stop');
  // Stop on the pair's far side, i.e. below a long's entry and above a short's.
  if (long ? !(trade.initialStopPaise < trade.entryPricePaise) : !(trade.initialStopPaise > trade.entryPricePaise)) {
    if (trade.exitReason !== 'STOP_AT_ENTRY') out.push('stop is not beyond the entry on the far side');
  }
  // The trigger bar closed by the 14:30 deadline; the entry filled on the first tick after it.
  const closeMs = trig.startMs + 15 * MIN;
  if (istMsOfDay(closeMs) > parseHhmm('14:30') * MIN) out.push('trigger bar closed after 14:30');
  if (trade.entryTimeMs < closeMs || trade.entryTimeMs > closeMs + 5 * MIN) out.push('entry not on the first tick after the trigger close');
  // Flat by square-off: out at 15:15 at the latest (first tick at or after it).
  if (istMsOfDay(trade.exitTimeMs) > parseHhmm('15:15') * MIN + 5 * MIN) out.push('still open after the square-off');
  // R consistent with the fills: gross = (exit − entry) × qty × direction; R = gross / (|entry − stop| × qty).
  const dir = long ? 1 : -1;
  const gross = (trade.exitPricePaise - trade.entryPricePaise) * trade.qty * dir;
  if (Math.abs(gross - trade.grossPaise) > trade.qty) out.push(`gross ${trade.grossPaise} does not match fills ${gross}`);
  const risk = Math.abs(trade.entryPricePaise - trade.initialStopPaise) * trade.qty;
  if (risk > 0 && Math.abs(trade.r - trade.grossPaise / risk) > 1e-9) out.push('R does not match gross / initial risk');
  return out;
}

function check(r: Run): void {
  const trades = r.result.trades;
  expect(trades.length).toBeGreaterThan(0);
  const problems: string[] = [];
  const perSymbolDay = new Map<string, number>();
  for (const t of trades) {
    const bars = r.bars15.get(t.symbol) ?? [];
    for (const v of violations(t, signalFor(t, r.journal), bars)) problems.push(`${t.tradeId}: ${v}`);
    const key = `${t.symbol}:${istDateKey(t.entryTimeMs)}`;
    perSymbolDay.set(key, (perSymbolDay.get(key) ?? 0) + 1);
  }
  expect(problems).toEqual([]);
  expect(Math.max(...perSymbolDay.values())).toBeLessThanOrEqual(2);
  expect(r.result.days.every((d) => d.flat)).toBe(true);
  // The journal's fills add up to every trade's quantity twice (in and out).
  const fillQty = r.journal.reduce((a, e) => a + (e.type === 'FILL' ? e.fill.qty : 0), 0);
  expect(fillQty).toBe(trades.reduce((a, t) => a + 2 * t.qty, 0));
}

describe.skipIf(!hasSharedData)('TFL on real NSE data obeys strategies.md §1 (reads ../shared/data)', () => {
  let nifty: Run;
  let stocks: Run;
  beforeAll(async () => {
    nifty = await run({ NIFTY: 'nifty50-5m-2024-05-21_2025-06-18.csv' }, 5);
    stocks = await run(
      {
        RELIANCE: 'reliance-1m-2021-04-01_08.csv',
        HDFCBANK: 'hdfcbank-1m-2021-04-01_08.csv',
        ICICIBANK: 'icicibank-1m-2021-04-01_08.csv',
        INFY: 'infy-1m-2021-04-01_08.csv',
        SBIN: 'sbin-1m-2021-04-01_08.csv',
      },
      1,
    );
  }, 60_000);

  it('trades NIFTY 5-minute bars over 267 sessions with every trade valid, flat every day', () => {
    expect(nifty.result.sessions).toBe(267);
    expect(nifty.result.rejectedTicks).toBe(0);
    check(nifty);
  });

  it('trades five stocks on 1-minute bars together, every trade valid, ranked entries within the limits', () => {
    expect(stocks.result.sessions).toBe(5);
    check(stocks);
    const maxOpen = 5;
    // Never more open positions than the limit: replay the trades' open intervals.
    const events = stocks.result.trades.flatMap((t) => [
      [t.entryTimeMs, 1],
      [t.exitTimeMs, -1],
    ]);
    events.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0));
    let open = 0;
    for (const [, d] of events) {
      open += d ?? 0;
      expect(open).toBeLessThanOrEqual(maxOpen);
    }
  });
});
