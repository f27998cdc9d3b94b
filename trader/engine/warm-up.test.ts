import { describe, expect, it } from 'vitest';
import { ProfileSchema, type Profile } from '../config/profile';
import { paperDayJournal } from './test-support';
import { warmUpDue, warmUpEngine } from './warm-up';

const PROFILE: Profile = ProfileSchema.parse({ tfl: { trailing: { mode: 'atr' } } });

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
    const before = await paperDayJournal(PROFILE, '2025-02-10', 42);
    expect(before.length).toBeGreaterThan(50);
    await warmUpEngine({ profile: PROFILE, budgetMs: 0 });
    const after = await paperDayJournal(PROFILE, '2025-02-10', 42);
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

describe('profile.warmUpMs and profile.primeLeadMs', () => {
  it('default to 2 s and 200 ms and refuse a negative, fractional or oversized value, naming the field', () => {
    expect(PROFILE.warmUpMs).toBe(2_000);
    expect(PROFILE.primeLeadMs).toBe(200);
    for (const field of ['warmUpMs', 'primeLeadMs']) {
      expect(ProfileSchema.safeParse({ [field]: 0 }).success).toBe(true); // 0 turns it off
      for (const bad of [-1, 1.5, 120_000]) {
        const r = ProfileSchema.safeParse({ [field]: bad });
        expect(r.success).toBe(false);
        expect(r.error?.issues[0]?.path).toEqual([field]);
      }
    }
  });
});
