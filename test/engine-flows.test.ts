import { describe, expect, it } from 'vitest';
import { defaultProfile, ProfileSchema, type Profile } from '../trader/config/profile';
import { NseCalendar } from '../trader/domain/calendar';
import type { Bar } from '../trader/domain/bar';
import type { JournalEntry } from '../trader/domain/events';
import type { Instrument } from '../trader/domain/instrument';
import type { Bias, Intent } from '../trader/domain/intent';
import { toPaise } from '../trader/domain/money';
import { istTimeOnDate } from '../trader/domain/time';
import { SimulatedClock } from '../trader/engine/clock';
import { buildRuntime, type Runtime } from '../trader/engine/runtime';
import { TickPump } from '../trader/engine/tick-pump';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import type { OpenedPosition, Strategy, StrategyOutput } from '../trader/strategies/port';

const DAY = '2024-05-21';
const at = (hhmm: string, sec = 0): number => istTimeOnDate(DAY, hhmm) + sec * 1000;

const A: Instrument = { symbol: 'AAA', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 };
const B: Instrument = { symbol: 'BBB', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 };

/**
 * A strategy double: it emits the intents a test scripts for given bar closes and ticks, and
 * records what the engine told it. Engine mechanics are what these tests are about.
 */
class Scripted implements Strategy<null> {
  readonly id = 'tfl';
  readonly timeframes = [15];
  readonly opened: OpenedPosition[] = [];
  readonly closed: number[] = [];
  readonly abandoned: string[] = [];
  onBarScript: (symbol: number, bar: Bar, out: StrategyOutput) => void = () => undefined;
  onTickScript: (symbol: number, timeMs: number, pricePaise: number, out: StrategyOutput) => void = () => undefined;
  onOpenScript: (symbol: number, p: OpenedPosition, out: StrategyOutput) => void = () => undefined;
  addSymbol(): void {}
  setBias(_b: Bias | null): void {}
  onSessionStart(): void {}
  onBar(symbol: number, _tf: number, bar: Bar, out: StrategyOutput): void {
    this.onBarScript(symbol, bar, out);
  }
  onTick(symbol: number, timeMs: number, pricePaise: number, out: StrategyOutput): void {
    this.onTickScript(symbol, timeMs, pricePaise, out);
  }
  onPositionOpened(symbol: number, p: OpenedPosition, out: StrategyOutput): void {
    this.opened.push(p);
    this.onOpenScript(symbol, p, out);
  }
  onPositionClosed(symbol: number): void {
    this.closed.push(symbol);
  }
  onEntryAbandoned(_s: number, _t: number, reason: string): void {
    this.abandoned.push(reason);
  }
  snapshot(): null {
    return null;
  }
  restore(): void {}
}

function enter(symbol: string, direction: 'LONG' | 'SHORT', bar: Bar, stop: number, extra: Partial<Extract<Intent, { kind: 'ENTER' }>> = {}): Intent {
  return {
    kind: 'ENTER',
    strategy: 'tfl',
    symbol,
    direction,
    signalBarMs: bar.startMs,
    decidedAtMs: bar.startMs + 15 * 60_000,
    stopPaise: toPaise(stop),
    refPricePaise: toPaise(bar.close),
    targetR: 10,
    rangePct: 0.2,
    relVolume: 1,
    reason: 'scripted',
    ...extra,
  };
}

interface Rig {
  rt: Runtime;
  pump: TickPump;
  store: MemoryJournalStore;
  tick(symbol: number, timeMs: number, price: number): void;
  settle(): Promise<void>;
  journal(): Promise<JournalEntry[]>;
}

function rig(strategy: Scripted, profile: Profile = defaultProfile(), instruments: Instrument[] = [A], bias: Bias | 'off' | null = 'off'): Rig {
  const store = new MemoryJournalStore();
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(DAY);
  if (session === null) throw new Error('no session');
  const rt = buildRuntime({ profile, instruments, calendar, journalStore: store, clock: new SimulatedClock(session.openMs), mode: 'backtest', bias, log: nullLogger, strategy });
  const pump = new TickPump(rt.target, rt.orders);
  rt.engine.startSession(session, rt.bias);
  return {
    rt,
    pump,
    store,
    tick: (s, t, p) => {
      const inst = instruments[s];
      if (rt.gate.accept(inst?.symbol, inst?.exchange, t, p, 100) >= 0) pump.push(s, t, p, 100, 0, 0);
    },
    settle: () => pump.idle(),
    journal: async () => {
      await rt.journal.flush();
      return store.readAll();
    },
  };
}

/** Ticks that draw one 15-minute bar: open, high, low, close (as the replay path would). */
function drawBar(r: Rig, symbol: number, start: string, o: number, h: number, l: number, c: number): void {
  const t0 = at(start);
  r.tick(symbol, t0, o);
  r.tick(symbol, t0 + 300_000, h);
  r.tick(symbol, t0 + 600_000, l);
  r.tick(symbol, t0 + 899_999, c);
}

describe('engine flows (scripted strategy, paper broker, real order manager and risk)', () => {
  it('fills an entry on the first tick after the trigger bar closes and puts a stop-market order at the broker at once', async () => {
    const s = new Scripted();
    s.onBarScript = (sym, bar, out) => {
      if (bar.startMs === at('09:30')) out.emit(enter('AAA', 'LONG', bar, 99));
    };
    const r = rig(s);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    drawBar(r, 0, '09:30', 100.5, 101.5, 100, 101);
    r.tick(0, at('09:45'), 101.2); // closes the 09:30 bar; the entry fills on this very tick (+1 tick slippage)
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBeGreaterThan(0);
    expect(r.rt.portfolio.entryPricePaise(0)).toBe(10125);
    expect(s.opened[0]?.riskPerUnitPaise).toBe(10125 - 9900);
    const book = await r.rt.broker.orderBook();
    const stops = book.filter((o) => o.priceType === 'SL-M' && o.state === 'TRIGGER_PENDING');
    expect(stops).toHaveLength(1);
    expect(stops[0]?.triggerPaise).toBe(9900);
    expect(stops[0]?.qty).toBe(r.rt.portfolio.netQty(0));
    const ids = (await r.journal()).filter((e) => e.type === 'ORDER' && e.from === null).map((e) => (e.type === 'ORDER' ? e.request.clientOrderId : ''));
    expect(ids).toEqual(['tfl-AAA-202405210930-E', 'tfl-AAA-202405210930-S1']);
  });

  it('books a stop hit at the gapped price, with R from the entry fill, and leaves nothing working', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 99));
    };
    const r = rig(s);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    r.tick(0, at('09:30'), 100.45); // entry fills at 100.50 (slippage)
    await r.settle();
    r.tick(0, at('09:31'), 98.5); // gap through the 99.00 stop
    await r.settle();
    r.tick(0, at('09:32'), 98.6);
    await r.settle();
    const trades = (await r.journal()).filter((e) => e.type === 'TRADE');
    expect(trades).toHaveLength(1);
    const t = trades[0]?.type === 'TRADE' ? trades[0].trade : null;
    expect(t?.exitReason).toBe('STOP');
    expect(t?.exitPricePaise).toBe(9845); // the gapped tick 98.50 less one tick of slippage
    expect(t?.r).toBeCloseTo((9845 - 10050) / (10050 - 9900), 9);
    expect((await r.rt.broker.orderBook()).filter((o) => o.state === 'TRIGGER_PENDING' || o.state === 'OPEN')).toHaveLength(0);
    expect(s.closed).toEqual([0]);
  });

  it('trails the stop at the broker and never loosens it', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 99));
      if (bar.startMs === at('09:30')) out.emit({ kind: 'MOVE_STOP', strategy: 'tfl', symbol: 'AAA', stopPaise: 10020, decidedAtMs: bar.startMs, reason: 'TRAIL' });
      if (bar.startMs === at('09:45')) out.emit({ kind: 'MOVE_STOP', strategy: 'tfl', symbol: 'AAA', stopPaise: 9950, decidedAtMs: bar.startMs, reason: 'TRAIL' });
    };
    const r = rig(s);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    drawBar(r, 0, '09:30', 100.5, 102, 100.3, 101.8);
    drawBar(r, 0, '09:45', 101.8, 102.5, 101.5, 102);
    r.tick(0, at('10:00'), 102);
    await r.settle();
    const stop = (await r.rt.broker.orderBook()).find((o) => o.priceType === 'SL-M');
    expect(stop?.triggerPaise).toBe(10020);
    const modifies = (await r.journal()).filter((e) => e.type === 'ORDER' && e.note === 'MODIFY_CONFIRMED');
    expect(modifies).toHaveLength(1);
  });

  it('exits at target by cancelling the stop first, then one market order', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 99));
    };
    s.onTickScript = (_sym, t, px, out) => {
      if (t === at('09:40')) out.emit({ kind: 'EXIT', strategy: 'tfl', symbol: 'AAA', decidedAtMs: t, fraction: 1, reason: 'TARGET' });
      void px;
    };
    const r = rig(s);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    r.tick(0, at('09:30'), 100.5);
    await r.settle();
    r.tick(0, at('09:40'), 104);
    await r.settle();
    r.tick(0, at('09:41'), 104.2);
    await r.settle();
    const j = await r.journal();
    const orderChanges = j.filter((e) => e.type === 'ORDER').map((e) => (e.type === 'ORDER' ? `${e.request.clientOrderId.split('-').pop()}:${e.to}` : ''));
    const cancelAt = orderChanges.indexOf('S1:CANCELLED');
    const exitAt = orderChanges.indexOf('X1:PENDING_SUBMIT');
    expect(cancelAt).toBeGreaterThan(-1);
    expect(exitAt).toBeGreaterThan(cancelAt);
    expect(orderChanges.filter((x) => x.startsWith('X')).some((x) => x === 'X1:FILLED')).toBe(true);
    expect(orderChanges.some((x) => x.startsWith('X2'))).toBe(false);
    expect(r.rt.portfolio.netQty(0)).toBe(0);
    const t = j.find((e) => e.type === 'TRADE');
    expect(t?.type === 'TRADE' ? t.trade.exitReason : null).toBe('TARGET');
  });

  it('squares off at 15:15 on the first tick at or after it and ends flat', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('14:00')) out.emit(enter('AAA', 'SHORT', bar, 101));
    };
    const r = rig(s);
    drawBar(r, 0, '14:00', 100, 100.5, 99.5, 99.8);
    r.tick(0, at('14:15'), 99.8);
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBeLessThan(0);
    r.tick(0, at('15:14', 59), 99.7);
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBeLessThan(0);
    r.tick(0, at('15:15', 2), 99.6);
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBe(0);
    const day = await r.rt.engine.endSession();
    expect(day.flat).toBe(true);
    expect(day.trades[0]?.exitReason).toBe('SQUARE_OFF');
    expect(day.trades[0]?.exitTimeMs).toBe(at('15:15', 2));
  });

  it('flattens and halts at the daily loss limit, then denies entries with HALTED', async () => {
    const profile = ProfileSchema.parse({ risk: { capitalRupees: 2_500_000, leverage: 5, dailyLossLimit: { kind: 'rupees', rupees: 3000 } } });
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 90));
      if (bar.startMs === at('09:30')) out.emit(enter('AAA', 'LONG', bar, 90));
    };
    const r = rig(s, profile);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    r.tick(0, at('09:30'), 100.5); // qty = 6500 / 10.55 ≈ 616
    await r.settle();
    r.tick(0, at('09:35'), 95); // −₹3,4xx: beyond the ₹3,000 limit
    await r.settle();
    r.tick(0, at('09:36'), 95);
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBe(0);
    r.tick(0, at('09:40'), 95);
    r.tick(0, at('09:45'), 95);
    await r.settle();
    const j = await r.journal();
    expect(j.some((e) => e.type === 'HALT')).toBe(true);
    const denied = j.filter((e) => e.type === 'RISK_DECISION' && e.decision === 'DENIED');
    expect(denied.map((e) => (e.type === 'RISK_DECISION' && e.decision === 'DENIED' ? e.reason : ''))).toEqual(['HALTED']);
    expect(j.find((e) => e.type === 'TRADE' && e.trade.exitReason === 'DAILY_LOSS_LIMIT')).toBeDefined();
  });

  it('ranks simultaneous triggers and smart-resizes the last one to the remaining risk budget', async () => {
    const profile = ProfileSchema.parse({ risk: { capitalRupees: 10_000_000, leverage: 5, openRiskBudgetR: 1.5 } });
    const s = new Scripted();
    s.onBarScript = (sym, bar, out) => {
      if (bar.startMs !== at('09:15')) return;
      if (sym === 0) out.emit(enter('AAA', 'LONG', bar, 99, { rangePct: 0.3 }));
      if (sym === 1) out.emit(enter('BBB', 'LONG', bar, 99, { rangePct: 0.1 }));
    };
    const r = rig(s, profile, [A, B]);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100);
    drawBar(r, 1, '09:15', 100, 101, 99.5, 100);
    r.tick(0, at('09:30'), 100);
    await r.settle();
    const decisions = (await r.journal()).filter((e) => e.type === 'RISK_DECISION');
    // BBB (smaller range) first and full size; AAA resized to the half R that is left.
    expect(decisions.map((e) => e.symbol)).toEqual(['BBB', 'AAA']);
    const [first, second] = decisions;
    expect(first?.type === 'RISK_DECISION' && first.decision === 'APPROVED' ? first.resized : null).toBe(false);
    expect(second?.type === 'RISK_DECISION' && second.decision === 'APPROVED' ? second.resized : null).toBe(true);
  });

  it('denies every entry with NO_BIAS when no bias is published for the day', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 99));
    };
    const r = rig(s, defaultProfile(), [A], null);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    r.tick(0, at('09:30'), 100.5);
    await r.settle();
    const denied = (await r.journal()).filter((e) => e.type === 'RISK_DECISION' && e.decision === 'DENIED');
    expect(denied.map((e) => (e.type === 'RISK_DECISION' && e.decision === 'DENIED' ? e.reason : ''))).toEqual(['NO_BIAS']);
    expect(r.rt.portfolio.netQty(0)).toBe(0);
  });

  it('exits at once when the protective stop is rejected by the broker', async () => {
    const s = new Scripted();
    s.onBarScript = (_sym, bar, out) => {
      // A stop off the tick grid: the paper broker rejects it like a real one would.
      if (bar.startMs === at('09:15')) out.emit(enter('AAA', 'LONG', bar, 99.01));
    };
    const r = rig(s);
    drawBar(r, 0, '09:15', 100, 101, 99.5, 100.5);
    r.tick(0, at('09:30'), 100.5);
    await r.settle();
    r.tick(0, at('09:31'), 100.6);
    await r.settle();
    expect(r.rt.portfolio.netQty(0)).toBe(0);
    const j = await r.journal();
    expect(j.some((e) => e.type === 'ORDER' && e.request.priceType === 'SL-M' && e.to === 'REJECTED')).toBe(true);
  });
});
