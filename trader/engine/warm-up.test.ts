import { describe, expect, it } from 'vitest';
import { instrumentFor } from '../config/instruments';
import { ProfileSchema, type Profile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { MarketSimulator } from '../market-data/simulator/generator';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { nullLogger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import { buildRuntime } from './runtime';
import { TickPump } from './tick-pump';
import { warmUpDue, warmUpEngine } from './warm-up';

const PROFILE: Profile = ProfileSchema.parse({ tfl: { trailing: { mode: 'atr' } } });

/** A paper day on the simulator, in process: the day's journal, as written. */
async function paperDay(date: string, seed: number): Promise<unknown[]> {
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(date);
  if (session === null) throw new Error(`${date}: no session`);
  const instruments = DEFAULT_SIM_SYMBOLS.map((s) => instrumentFor(s.symbol));
  const store = new MemoryJournalStore();
  const rt = buildRuntime({ profile: PROFILE, instruments, calendar, journalStore: store, clock: new SimulatedClock(session.openMs), mode: 'paper', bias: 'off', log: nullLogger });
  const pump = new TickPump(rt.target, rt.orders);
  rt.engine.startSession(session, rt.bias);
  const ticks: [number, number, number, number | undefined, number | undefined, number | undefined][] = [];
  new MarketSimulator({ seed, date, symbols: DEFAULT_SIM_SYMBOLS, calendar, tickRateScale: 0.05 }).forEachTick((...t) => ticks.push(t));
  for (const [s, t, px, vol, bid, ask] of ticks) {
    const k = rt.gate.accept(instruments[s]?.symbol ?? '', instruments[s]?.exchange ?? '', t, px, vol, bid, ask);
    if (k >= 0) pump.push(k, t, px, vol ?? 0, bid ?? 0, ask ?? 0);
    if (pump.queued > 0 || rt.orders.inFlight > 0) await pump.idle();
  }
  await pump.idle();
  await rt.engine.endSession();
  await rt.journal.flush();
  return (await store.readAll()).map((e) => JSON.parse(JSON.stringify(e)) as unknown);
}

describe('warmUpEngine', () => {
  it('runs whole simulated sessions through the engine: entries, exits, stop moves', async () => {
    const r = await warmUpEngine({ profile: PROFILE, budgetMs: 0 });
    expect(r.sessions).toBe(1); // the budget is spent, but one session always runs
    expect(r.ticks).toBeGreaterThan(5_000);
    expect(r.trades).toBeGreaterThan(0);
    // More decisions than trades: besides entries, stops move and positions exit.
    expect(r.decisions).toBeGreaterThan(2 * r.trades);
  });

  it('stops at the first session that ends past the budget', async () => {
    let t = 0;
    const now = (): number => (t += 10); // every reading is 10 ms later
    const r = await warmUpEngine({ profile: PROFILE, budgetMs: 35, now });
    // Elapsed after each session: 10, 20, 30, 40 ms → the fourth session ends past the 35 ms budget.
    expect(r.sessions).toBe(4);
    expect(r.ms).toBe(40);
  });

  it('lets timers run while it works (lease renewal, heartbeat)', async () => {
    let fired = 0;
    const timer = setInterval(() => fired++, 20);
    try {
      const r = await warmUpEngine({ profile: PROFILE, budgetMs: 150 });
      expect(r.sessions).toBeGreaterThan(1);
    } finally {
      clearInterval(timer);
    }
    expect(fired).toBeGreaterThanOrEqual(3);
  });

  it('leaves nothing behind: a paper day journals the same events with or without a warm-up before it', async () => {
    const before = await paperDay('2025-02-10', 42);
    expect(before.length).toBeGreaterThan(50);
    await warmUpEngine({ profile: PROFILE, budgetMs: 0 });
    const after = await paperDay('2025-02-10', 42);
    expect(after).toEqual(before);
  });
});

describe('warmUpDue', () => {
  const session = { openMs: Date.parse('2025-02-10T03:45:00Z') };
  it('warms up before the open only, and not when the profile turns it off', () => {
    expect(warmUpDue({ warmUpMs: 2_000 }, session.openMs - 1, session)).toBe(true);
    expect(warmUpDue({ warmUpMs: 2_000 }, session.openMs, session)).toBe(false); // a restart in the session recovers first
    expect(warmUpDue({ warmUpMs: 0 }, session.openMs - 60_000, session)).toBe(false);
  });
});

describe('profile.warmUpMs', () => {
  it('defaults to 2 s and refuses a negative or fractional budget, naming the field', () => {
    expect(PROFILE.warmUpMs).toBe(2_000);
    for (const bad of [-1, 1.5, 120_000]) {
      const r = ProfileSchema.safeParse({ warmUpMs: bad });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['warmUpMs']);
    }
  });
});
