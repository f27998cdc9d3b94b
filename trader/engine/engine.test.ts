import { describe, expect, it } from 'vitest';
import { instrumentFor } from '../config/instruments';
import { defaultProfile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { nullLogger } from '../observability/log';
import { MemoryJournalStore } from '../persistence/memory-journal-store';
import { SimulatedClock } from './clock';
import { parseEngineSnapshot } from './recovery';
import { buildRuntime } from './runtime';

describe('Engine checkpoints', () => {
  it('a checkpoint taken after the session ended still names its day and restores (a restart then finds it valid)', async () => {
    const calendar = new NseCalendar();
    const session = calendar.sessionOn('2025-01-07');
    if (session === null) throw new Error('no session');
    const make = () => buildRuntime({ profile: defaultProfile(), instruments: [instrumentFor('RELIANCE')], calendar, journalStore: new MemoryJournalStore(), clock: new SimulatedClock(session.openMs), mode: 'live', bias: 'off', log: nullLogger });
    const rt = make();
    rt.engine.startSession(session, null);
    rt.target.onTick(0, session.openMs + 60_000, 1300, 10, 0, 0);
    await rt.engine.endSession();
    const snap = parseEngineSnapshot(rt.engine.snapshot());
    expect(snap.date).toBe('2025-01-07');
    expect(snap.squaredOff).toBe(true);
    const again = make();
    again.engine.restore(session, null, snap);
    expect(again.engine.isSquaredOff).toBe(true);
  });
});
