/**
 * Restart = recovery, in process. The paper broker plays an exchange that lives on while the
 * trader dies: the harness feeds each tick to the exchange first (it matches resting orders),
 * then to the trader, and moves on only when the trader acknowledges (lockstep). A "crash" cuts
 * the trader off at an arbitrary instant — between two ticks, or inside a dangerous window (the
 * intent saved but not sent; the order accepted but the answer lost; a fill delivered but not
 * saved) — by freezing its broker and store proxies: nothing it started reaches anything any
 * more. A new trader then recovers from the same store and the same exchange, gets the
 * unacknowledged tick again, and finishes the day. The books must equal an uninterrupted day's.
 *
 * More crashes, other days: TFL_CRASH_KILLS (default 10), TFL_CRASH_SEED, TFL_CRASH_DAY.
 */
import { describe, expect, it } from 'vitest';
import { dayTicks, tradeDay, type Kill } from './support/crash-harness';

describe('restart = recovery (in process, paper exchange, memory store)', () => {
  const ticks = dayTicks(Number(process.env.TFL_CRASH_DAY ?? 21));

  it('an uninterrupted day trades, books every fill once and sends every intent once', async () => {
    const ref = await tradeDay(ticks, []);
    expect(ref.ledger.trades.length).toBeGreaterThan(0);
    expect(ref.ledger.fills.length).toBe(ref.exchangeFills);
    expect(new Set(ref.ledger.fills.map((f) => f.executionId)).size).toBe(ref.ledger.fills.length);
    expect(Math.max(...ref.placements.values())).toBe(1);
  });

  it('a day killed at random ticks and in every dangerous window ends with the same books', async () => {
    const ref = await tradeDay(ticks, []);
    let seed = Number(process.env.TFL_CRASH_SEED ?? 12345);
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const tickKills: Kill[] = Array.from({ length: Number(process.env.TFL_CRASH_KILLS ?? 10) }, () => ({ kind: 'tick' as const, index: Math.floor(rnd() * ticks.n) })).sort((a, b) => a.index - b.index);
    const windows: Kill[] = [
      { kind: 'call', target: 'store', method: 'createOrder', nth: 1 }, // intent saved, not sent
      { kind: 'call', target: 'broker', method: 'placeOrder', nth: 1 }, // accepted, answer lost
      { kind: 'call', target: 'store', method: 'putFill', nth: 1 }, // fill arrived, not saved
    ];
    const crashed = await tradeDay(ticks, [...windows, ...tickKills]);
    expect(crashed.restarts).toBeGreaterThanOrEqual(10);
    for (const w of windows) expect(crashed.fired, `crash in window ${JSON.stringify(w)}`).toContainEqual(w);
    expect(crashed.ledger).toEqual(ref.ledger);
    for (const [cid, n] of crashed.placements) expect(n, `orders sent for ${cid}`).toBe(1);
    expect(crashed.ledger.fills.length).toBe(crashed.exchangeFills);
  }, 60_000);
});
