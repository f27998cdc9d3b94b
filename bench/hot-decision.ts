import { defaultProfile } from '../trader/config/profile';
import type { Bar } from '../trader/domain/bar';
import { NseCalendar } from '../trader/domain/calendar';
import { istTimeOnDate } from '../trader/domain/time';
import { SimulatedClock } from '../trader/engine/clock';
import { buildRuntime } from '../trader/engine/runtime';
import { TickPump } from '../trader/engine/tick-pump';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import type { Strategy, StrategyOutput } from '../trader/strategies/port';

/**
 * The decision path when it is hot: a scripted strategy that, once in a position, tightens its
 * stop on every tick, so each measured tick runs strategy → engine → order manager → paper
 * broker modify → broker events → state machine → journal. Real sessions decide a few dozen
 * times a day, so there the same path runs cold (see `tickToDecision*` in results.json).
 */
export async function hotDecisionLatency(samples: number): Promise<{ p50Us: number; p99Us: number; samples: number }> {
  const day = '2024-05-21';
  let phase: 'enter' | 'wait' | 'trail' = 'enter';
  let k = 0;
  const strategy: Strategy<null> = {
    id: 'tfl',
    timeframes: [15],
    addSymbol: () => undefined,
    setBias: () => undefined,
    onSessionStart: () => undefined,
    onBar(_s: number, _tf: number, bar: Bar, out: StrategyOutput) {
      if (phase !== 'enter') return;
      phase = 'wait';
      out.emit({ kind: 'ENTER', strategy: 'tfl', symbol: 'AAA', direction: 'LONG', signalBarMs: bar.startMs, decidedAtMs: bar.startMs, stopPaise: 5000, refPricePaise: 200_000, targetR: 1000, rangePct: 0.1, relVolume: 1, reason: 'bench' });
    },
    onTick(_s: number, t: number, _p: number, out: StrategyOutput) {
      if (phase === 'trail') out.emit({ kind: 'MOVE_STOP', strategy: 'tfl', symbol: 'AAA', stopPaise: 5000 + 5 * ++k, decidedAtMs: t, reason: 'TRAIL' });
    },
    onPositionOpened: () => {
      phase = 'trail';
    },
    onPositionClosed: () => undefined,
    onEntryAbandoned: () => undefined,
    snapshot: () => null,
    restore: () => undefined,
  };
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(day);
  if (session === null) throw new Error('no session');
  const rt = buildRuntime({
    profile: defaultProfile(),
    instruments: [{ symbol: 'AAA', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 }],
    calendar,
    journalStore: new MemoryJournalStore(),
    clock: new SimulatedClock(),
    mode: 'backtest',
    bias: 'off',
    log: nullLogger,
    strategy,
  });
  const pump = new TickPump(rt.target, rt.orders);
  rt.engine.startSession(session, null);
  let t = istTimeOnDate(day, '09:15');
  for (let i = 0; i < 2000; i++) {
    pump.push(0, t, 2000, 1, 0, 0);
    t += 1000;
    await pump.idle();
  }
  const lat = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    t += 5;
    const a = process.hrtime.bigint();
    pump.push(0, t, 2000 + (i % 3) * 0.05, 1, 0, 0);
    lat[i] = Number(process.hrtime.bigint() - a);
    await pump.idle();
  }
  lat.sort();
  return { p50Us: (lat[samples >> 1] ?? 0) / 1000, p99Us: (lat[Math.floor(samples * 0.99)] ?? 0) / 1000, samples };
}
