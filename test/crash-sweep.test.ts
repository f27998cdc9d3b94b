/**
 * Every crash window the in-process harness can reach by call (test/support/crash-harness.ts): the
 * trader dies right after each of the first 40 calls of every store write and broker request
 * (which reaches the day's last checkpoint, so some lives restart after the close), one kill per
 * day, on three simulated days. Each day must end with the ledger of the uninterrupted
 * day, one order per intent and every fill once. The random and tick-timed kills are in
 * crash-inprocess.test.ts; this sweep is what found the two recovery bugs named below.
 *
 * - A restart between an entry's FILLED state and its fill being saved left the position without
 *   a stop (order manager: the booked entry fill now sets the position's direction).
 * - Recovery stamped its writes with the checkpoint's time, older than what the last life wrote
 *   after it, so a position's protective state was refused and the square-off never sent.
 * (A third, the checkpoint after the session's end naming no day, was found out of process.)
 */
import { describe, expect, it } from 'vitest';
import { dayTicks, tradeDay, type Kill } from './support/crash-harness';

const CALLS: readonly { target: 'store' | 'broker'; method: string }[] = [
  { target: 'store', method: 'createOrder' },
  { target: 'store', method: 'updateOrder' },
  { target: 'store', method: 'putFill' },
  { target: 'store', method: 'putPosition' },
  { target: 'store', method: 'putSnapshot' },
  { target: 'store', method: 'putTrade' },
  { target: 'broker', method: 'placeOrder' },
  { target: 'broker', method: 'modifyOrder' },
  { target: 'broker', method: 'cancelOrder' },
];
const MAX_NTH = 40;

describe('crash sweep: a kill after each of the first calls of every kind', () => {
  it.each([21, 7, 33])('day %i ends with the uninterrupted ledger whichever call the trader died after', async (seed) => {
    const ticks = dayTicks(seed);
    const reference = await tradeDay(ticks, []);
    expect(reference.ledger.trades.length).toBeGreaterThan(0);
    let kills = 0;
    for (const { target, method } of CALLS) {
      for (let nth = 1; nth <= MAX_NTH; nth++) {
        const kill: Kill = { kind: 'call', target, method, nth };
        const r = await tradeDay(ticks, [kill]);
        if (r.fired.length === 0) break; // the day makes fewer such calls
        kills++;
        const what = `${target}.${method} #${nth}`;
        for (const [cid, n] of r.placements) expect(n, `${what}: orders sent for ${cid}`).toBe(1);
        expect(new Set(r.ledger.fills.map((f) => f.executionId)).size, what).toBe(r.ledger.fills.length);
        expect(r.ledger.fills.length, what).toBe(r.exchangeFills);
        expect(r.ledger, what).toEqual(reference.ledger);
      }
    }
    expect(kills).toBeGreaterThan(80);
  }, 120_000);
});
