/**
 * Paper mode end to end over real sockets on 127.0.0.1: the market simulator serves a day in
 * OpenAlgo's wire format, the trader consumes it as a WebSocket client, the paper broker fills.
 * The tick rate is scaled down so a whole day takes well under a second of simulated traffic.
 */
import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../trader/config/profile';
import type { JournalEntry } from '../trader/domain/events';
import { runPaperSession, type PaperSessionResult } from '../trader/engine/paper-session';
import type { SimFaults } from '../trader/market-data/simulator/server';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';

async function session(seed: number, faults?: SimFaults): Promise<{ result: PaperSessionResult; journal: JournalEntry[] }> {
  const store = new MemoryJournalStore();
  const result = await runPaperSession({
    seed,
    date: '2025-01-06',
    symbols: ['RELIANCE', 'INFY', 'SBIN', 'NIFTY'],
    speed: 'max',
    profile: defaultProfile(),
    bias: 'off',
    journalStore: store,
    log: nullLogger,
    apiKey: 'test-key',
    tickRateScale: 0.25,
    killSwitchPollMs: 0,
    faults,
  });
  return { result, journal: await store.readAll() };
}

/** What a day decided, without wall-clock noise: every journal entry as JSON. */
function decisions(journal: readonly JournalEntry[]): string[] {
  return journal.map((e) => JSON.stringify(e));
}

describe('paper session over the simulator WebSocket', () => {
  it('trades a whole day and ends flat, with every signal, decision, order, fill and trade journaled', async () => {
    const { result, journal } = await session(7);
    expect(result.summary.flat).toBe(true);
    expect(result.ticksAccepted).toBe(result.serverTicksSent);
    expect(result.summary.signals).toBeGreaterThan(0);
    const types = new Set(journal.map((e) => e.type));
    for (const t of ['SESSION_STARTED', 'SIGNAL', 'RISK_DECISION', 'ORDER', 'FILL', 'POSITION', 'SESSION_ENDED']) expect(types).toContain(t);
    expect(journal.filter((e) => e.type === 'TRADE')).toHaveLength(result.summary.trades.length);
    expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i + 1));
  }, 30_000);

  it('is deterministic for a seed, and survives dropped connections with the same day', async () => {
    const a = await session(11);
    const b = await session(11, { terminateAtTicks: [3_000, 10_000, 20_000] });
    expect(b.result.feed.reconnects).toBe(3);
    expect(b.result.ticksAccepted).toBe(a.result.ticksAccepted);
    expect(decisions(b.journal)).toEqual(decisions(a.journal));
    const c = await session(12);
    expect(decisions(c.journal)).not.toEqual(decisions(a.journal));
  }, 60_000);

  it('drops malformed, unknown and out-of-order ticks at the boundary without losing the connection', async () => {
    const { result } = await session(7, { malformedRate: 0.01, malformedSeed: 3 });
    const rejected = Object.values(result.rejected).reduce((x, y) => x + y, 0);
    expect(result.feed.malformed + rejected).toBeGreaterThan(0);
    expect(result.feed.reconnects).toBe(0);
    expect(result.summary.flat).toBe(true);
  }, 30_000);
});
