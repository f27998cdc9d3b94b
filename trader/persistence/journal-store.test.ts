import { describe, expect, it } from 'vitest';
import { Journal } from './journal';
import { StateJournalStore } from './journal-store';
import { MemoryStateStore } from './memory-state-store';
import { StoreConflictError } from './state-store';

describe('StateJournalStore', () => {
  it('writes the engine journal through the state store, in sequence, and reads it back', async () => {
    const store = new MemoryStateStore();
    const journal = new Journal(new StateJournalStore(store, 'default', '2024-06-10'));
    journal.record({ type: 'SESSION_STARTED', timeMs: 1, mode: 'paper', date: '2024-06-10', profile: 'default', symbols: ['RELIANCE'] });
    for (let i = 0; i < 11; i++) journal.record({ type: 'HALT', timeMs: 2 + i, reason: `r${i}` });
    await journal.close();
    const entries = await new StateJournalStore(store, 'default', '2024-06-10').readAll();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(entries[0]).toEqual({ type: 'SESSION_STARTED', timeMs: 1, mode: 'paper', date: '2024-06-10', profile: 'default', symbols: ['RELIANCE'], seq: 1 });
    expect((await store.loadDay('default', '2024-06-10')).lastJournalSeq).toBe(12);
  });

  it('continues after a restart from the stored sequence; a reused sequence number is a conflict, not an overwrite', async () => {
    const store = new MemoryStateStore();
    const first = new Journal(new StateJournalStore(store, 'default', '2024-06-10'));
    first.record({ type: 'HALT', timeMs: 1, reason: 'a' });
    await first.flush();
    const { lastJournalSeq } = await store.loadDay('default', '2024-06-10');
    const second = new Journal(new StateJournalStore(store, 'default', '2024-06-10'), lastJournalSeq);
    expect(second.record({ type: 'HALT', timeMs: 2, reason: 'b' })).toBe(2);
    await second.flush();
    const stale = new Journal(new StateJournalStore(store, 'default', '2024-06-10'));
    stale.record({ type: 'HALT', timeMs: 3, reason: 'c' });
    await expect(stale.flush()).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('leaves the shared state store open on close unless told to close it', async () => {
    const store = new MemoryStateStore();
    await new StateJournalStore(store, 'default', '2024-06-10').close();
    await expect(store.getBias('2024-06-10')).resolves.toBeNull();
    await new StateJournalStore(store, 'default', '2024-06-10', { closeStore: true }).close();
    await expect(store.getBias('2024-06-10')).rejects.toThrow(/after close/);
  });
});
