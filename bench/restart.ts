import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaperBroker } from '../trader/brokers/paper/paper-broker';
import { defaultProfile } from '../trader/config/profile';
import type { Bar } from '../trader/domain/bar';
import { NseCalendar } from '../trader/domain/calendar';
import type { Instrument } from '../trader/domain/instrument';
import { istTimeOnDate } from '../trader/domain/time';
import { SimulatedClock } from '../trader/engine/clock';
import { buildLiveRuntime } from '../trader/engine/live-runtime';
import { recoverDay } from '../trader/engine/recovery';
import { nullLogger } from '../trader/observability/log';
import { openDynamoStateStore } from '../trader/persistence/dynamo/dynamo-state-store';
import { EMBEDDED_TABLE_NAME } from '../trader/persistence/dynamo/client';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import type { Strategy, StrategyOutput } from '../trader/strategies/port';

const DATE = '2025-01-07';

/** Enters on every bar close when flat and exits a few minutes later: a busy day of orders. */
function churn(): Strategy<null> {
  const open = new Map<number, number>();
  return {
    id: 'tfl',
    timeframes: [15],
    addSymbol: () => undefined,
    setBias: () => undefined,
    onSessionStart: () => undefined,
    onBar(symbol: number, _tf: number, bar: Bar, out: StrategyOutput) {
      if (open.has(symbol)) return;
      out.emit({ kind: 'ENTER', strategy: 'tfl', symbol: `S${symbol}`, direction: 'LONG', signalBarMs: bar.startMs, decidedAtMs: bar.startMs, stopPaise: 5_000, refPricePaise: 10_000, targetR: 100, rangePct: 0.1, relVolume: 1, reason: 'bench' });
    },
    onTick(symbol: number, t: number, _p: number, out: StrategyOutput) {
      const since = open.get(symbol);
      if (since !== undefined && t - since > 5 * 60_000) {
        open.delete(symbol);
        out.emit({ kind: 'EXIT', strategy: 'tfl', symbol: `S${symbol}`, decidedAtMs: t, fraction: 1, reason: 'MANUAL' });
      }
    },
    onPositionOpened: (symbol, p) => {
      open.set(symbol, p.entryTimeMs);
    },
    onPositionClosed: (symbol) => {
      open.delete(symbol);
    },
    onEntryAbandoned: () => undefined,
    snapshot: () => null,
    restore: () => undefined,
  };
}

export interface RestartBench {
  readonly orders: number;
  readonly fills: number;
  /** Load the day from the embedded store, restore, reconcile with the broker: ready to trade. */
  readonly recoveryMs: number;
  /** Node starting the bundled trader (`tfl help`): the fixed cost of a process start. */
  readonly processStartMs: number;
  readonly restartToTradingMs: number;
}

/** The cost of a restart on a day with ~100 orders (embedded dynalite store, paper exchange). */
export async function benchRestart(bundle: string | null): Promise<RestartBench> {
  const dir = mkdtempSync(join(tmpdir(), 'tfl-bench-restart-'));
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(DATE);
  if (session === null) throw new Error('no session');
  const instruments: Instrument[] = Array.from({ length: 6 }, (_, i) => ({ symbol: `S${i}`, exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 }));
  const exchange = new PaperBroker({ instruments });
  const profile = { ...defaultProfile(), risk: { ...defaultProfile().risk, maxTradesPerDay: 1000, maxTradesPerSymbolPerDay: 1000 } };
  const store = await openDynamoStateStore({ kind: 'embedded', dataDir: join(dir, 'dynalite'), tableName: EMBEDDED_TABLE_NAME });
  try {
    const live = buildLiveRuntime({ profile, instruments, calendar, store, journalStore: new MemoryJournalStore(), broker: exchange, clock: new SimulatedClock(session.openMs), bias: 'off', date: DATE, log: nullLogger, journalStartSeq: 0, strategy: churn() });
    live.rt.engine.startSession(session, null);
    // Trade until the day holds at least 100 orders.
    let t = session.openMs;
    let k = 0;
    while (live.rt.orders.orders().length < 100 && t < istTimeOnDate(DATE, '15:00')) {
      for (let s = 0; s < instruments.length; s++) {
        const px = 100 + ((k * 7 + s * 3) % 11) * 0.05;
        exchange.onTick(s, t, Math.round(px * 100));
        live.driver.tick(`S${s}`, 'NSE', t, px, 10);
        await live.driver.settle();
      }
      t += 20_000;
      k++;
    }
    const day = await store.loadDay(profile.name, DATE);
    // A fresh trader: build, load, restore, reconcile.
    const t0 = performance.now();
    const again = buildLiveRuntime({ profile, instruments, calendar, store, journalStore: new MemoryJournalStore(), broker: exchange, clock: new SimulatedClock(t), bias: 'off', date: DATE, log: nullLogger, journalStartSeq: day.lastJournalSeq, strategy: churn() });
    const loaded = await store.loadDay(profile.name, DATE);
    await recoverDay({ rt: again.rt, session, bias: null, day: loaded, history: () => Promise.resolve([]), nowMs: t, entryValidityMs: 60_000, log: nullLogger });
    const recoveryMs = performance.now() - t0;
    let processStartMs = Number.NaN;
    if (bundle !== null) {
      const runs = [0, 1, 2].map(() => {
        const a = performance.now();
        spawnSync(process.execPath, [bundle, 'help'], { stdio: 'ignore' });
        return performance.now() - a;
      });
      processStartMs = Math.min(...runs);
    }
    return {
      orders: loaded.orders.length,
      fills: loaded.fills.length,
      recoveryMs: Math.round(recoveryMs * 10) / 10,
      processStartMs: Math.round(processStartMs * 10) / 10,
      restartToTradingMs: Math.round((recoveryMs + (Number.isNaN(processStartMs) ? 0 : processStartMs)) * 10) / 10,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('restart.ts') === true) {
  console.log(await benchRestart(null));
}
