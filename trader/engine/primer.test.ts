import { describe, expect, it } from 'vitest';
import { ProfileSchema, type Profile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { instrumentFor } from '../config/instruments';
import { nullLogger, type Logger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import { buildRuntime } from './runtime';
import type { PrimerPort } from './engine';
import { DecisionPrimer, primesPerDay } from './primer';
import { paperDayJournal } from './test-support';

const PROFILE: Profile = ProfileSchema.parse({ tfl: { trailing: { mode: 'atr' } } });
const DATE = '2025-02-10';
const SEED = 42;
// At a twentieth of the simulator's tick rate a tick comes every second or so: a 30 s lead
// window before each boundary always holds some.
const LEAD_MS = 30_000;

describe('engine + primer', () => {
  // 30 s: every window holds ticks. 300 ms: many windows hold none, and the tick that crosses
  // such a boundary must not prime (the prime would delay the decision it is for).
  it.each([LEAD_MS, 300])('primes once per boundary, inside the %i ms lead window, never on the tick that crosses it', async (leadMs) => {
    const session = new NseCalendar().sessionOn(DATE);
    if (session === null) throw new Error('no session');
    const ticks: number[] = [];
    const primedAt: number[] = [];
    const primer: PrimerPort = {
      leadMs,
      prime: () => {
        primedAt.push(ticks.at(-1) ?? 0);
        return true;
      },
    };
    await paperDayJournal(PROFILE, DATE, SEED, { primer, onTick: (t) => ticks.push(t) });
    // Every 15-minute bar end up to the close (the square-off at 15:15 is one of them): entries
    // are decided, and denied, after the square-off too.
    const boundaries: number[] = [];
    for (let b = session.openMs + 15 * 60_000; b <= session.closeMs; b += 15 * 60_000) boundaries.push(b);
    const inWindow = (t: number, b: number): boolean => t >= b - leadMs && t < b;
    const forBoundary = primedAt.map((t) => boundaries.find((b) => inWindow(t, b)));
    expect(forBoundary.every((b) => b !== undefined)).toBe(true); // each inside a window, before its boundary
    expect(new Set(forBoundary).size).toBe(primedAt.length); // at most once per boundary
    // ... and for every boundary with a tick in its window.
    const expected = boundaries.filter((b) => ticks.some((t) => inWindow(t, b))).length;
    expect(primedAt.length).toBe(expected);
    if (leadMs === LEAD_MS) expect(expected).toBe(boundaries.length);
    else expect(expected).toBeLessThan(boundaries.length);
  });

  it('does not prime a boundary twice when the boundary is recomputed inside its window (history replay after a restart)', () => {
    const calendar = new NseCalendar();
    const session = calendar.sessionOn(DATE);
    if (session === null) throw new Error('no session');
    let primes = 0;
    const primer: PrimerPort = {
      leadMs: LEAD_MS,
      prime: () => {
        primes++;
        return true;
      },
    };
    const instruments = [instrumentFor('RELIANCE')];
    const rt = buildRuntime({ profile: PROFILE, instruments, calendar, journalStore: new MemoryJournalStore(), clock: new SimulatedClock(session.openMs), mode: 'paper', bias: 'off', log: nullLogger, primer });
    rt.engine.startSession(session, null);
    const boundary = session.openMs + 15 * 60_000;
    const tick = (t: number): void => void rt.target.onTick(0, t, 1300, 10, 0, 0);
    tick(session.openMs + 1_000);
    tick(boundary - LEAD_MS + 1_000); // inside the window: primes
    expect(primes).toBe(1);
    rt.engine.replayHistoryBars([], null); // recomputes the boundary (the same one)
    tick(boundary - 1_000);
    expect(primes).toBe(1);
    tick(boundary + 1_000); // crosses it; the next window primes again
    tick(boundary + 15 * 60_000 - LEAD_MS + 1_000);
    expect(primes).toBe(2);
  });

  it('changes nothing in the trading day: the journal is the same with a real primer as without one', async () => {
    const without = await paperDayJournal(PROFILE, DATE, SEED);
    const primer = await DecisionPrimer.prepare(PROFILE, primesPerDay(PROFILE), LEAD_MS);
    const withPrimer = await paperDayJournal(PROFILE, DATE, SEED, { primer });
    expect(primer.primed).toBeGreaterThan(20);
    // Every prime ran two entry decisions, one of them denied.
    expect(primer.entriesDecided).toBe(2 * primer.primed);
    expect(primer.denialsDecided).toBe(primer.primed);
    expect(withPrimer).toEqual(without);
  });

  it('a primer that throws is switched off for the day, with a warning, and the day trades the same', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...nullLogger, warn: (msg) => warnings.push(msg), child: () => log };
    let calls = 0;
    const broken: PrimerPort = {
      leadMs: LEAD_MS,
      prime: () => {
        calls++;
        throw new Error('scratch runtime broke');
      },
    };
    const without = await paperDayJournal(PROFILE, DATE, SEED);
    const withBroken = await paperDayJournal(PROFILE, DATE, SEED, { primer: broken, log });
    expect(calls).toBe(1);
    expect(warnings).toEqual(['decision primer failed: priming off for the day']);
    expect(withBroken).toEqual(without);
  });
});

describe('DecisionPrimer', () => {
  it('prepares the entries it was asked for, each used once', async () => {
    const primer = await DecisionPrimer.prepare(PROFILE, 3, 200);
    expect(primer.leadMs).toBe(200);
    expect(primer.remaining).toBe(3);
    expect([primer.prime(), primer.prime(), primer.prime(), primer.prime()]).toEqual([true, true, true, false]);
    expect(primer.primed).toBe(3);
    expect(primer.entriesDecided).toBe(6);
    expect(primer.denialsDecided).toBe(3);
    expect(primer.remaining).toBe(0);
  });

  it('sizes a day by the profile timeframe and refuses a bad count', async () => {
    expect(primesPerDay(PROFILE)).toBe(26); // 25 bars of 15 minutes, plus the square-off
    expect(primesPerDay(ProfileSchema.parse({ tfl: { timeframeMinutes: 5 } }))).toBe(76);
    await expect(DecisionPrimer.prepare(PROFILE, -1, 200)).rejects.toThrow(/count must be a non-negative integer/);
  });
});
