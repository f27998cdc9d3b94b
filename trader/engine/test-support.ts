import { instrumentFor } from '../config/instruments';
import type { Profile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { MarketSimulator } from '../market-data/simulator/generator';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { nullLogger, type Logger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import type { PrimerPort } from './engine';
import { buildRuntime } from './runtime';
import { TickPump } from './tick-pump';

/**
 * A paper day on the simulator in process (the simulator's symbols at a twentieth of their tick
 * rate): the day's journal as written, plain JSON. `onTick(t)` sees each tick's time before the
 * engine does.
 */
export async function paperDayJournal(
  profile: Profile,
  date: string,
  seed: number,
  opts: { primer?: PrimerPort; log?: Logger; onTick?: (timeMs: number) => void } = {},
): Promise<unknown[]> {
  const calendar = new NseCalendar();
  const session = calendar.sessionOn(date);
  if (session === null) throw new Error(`${date}: no session`);
  const instruments = DEFAULT_SIM_SYMBOLS.map((s) => instrumentFor(s.symbol));
  const store = new MemoryJournalStore();
  const rt = buildRuntime({
    profile,
    instruments,
    calendar,
    journalStore: store,
    clock: new SimulatedClock(session.openMs),
    mode: 'paper',
    bias: 'off',
    log: opts.log ?? nullLogger,
    ...(opts.primer !== undefined ? { primer: opts.primer } : {}),
  });
  const pump = new TickPump(rt.target, rt.orders);
  rt.engine.startSession(session, rt.bias);
  const ticks: [number, number, number, number | undefined, number | undefined, number | undefined][] = [];
  new MarketSimulator({ seed, date, symbols: DEFAULT_SIM_SYMBOLS, calendar, tickRateScale: 0.05 }).forEachTick((...t) => ticks.push(t));
  for (const [s, t, px, vol, bid, ask] of ticks) {
    opts.onTick?.(t);
    const k = rt.gate.accept(instruments[s]?.symbol ?? '', instruments[s]?.exchange ?? '', t, px, vol, bid, ask);
    if (k >= 0) pump.push(k, t, px, vol ?? 0, bid ?? 0, ask ?? 0);
    if (pump.queued > 0 || rt.orders.inFlight > 0) await pump.idle();
  }
  await pump.idle();
  await rt.engine.endSession();
  await rt.journal.flush();
  return (await store.readAll()).map((e) => JSON.parse(JSON.stringify(e)) as unknown);
}
