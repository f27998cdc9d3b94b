import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../domain/events';
import { FileJournalStore, readJournalFile } from './file-journal-store';
import { Journal } from './journal';
import { MemoryJournalStore } from './memory-journal-store';
import type { JournalStore } from './port';

describe('Journal', () => {
  it('numbers events in the order they were recorded and stores them in that order even when writes are slow', async () => {
    const written: number[] = [];
    const slow: JournalStore = {
      description: 'slow',
      append: (e: JournalEntry) => new Promise((r) => setTimeout(() => { written.push(e.seq); r(); }, 5 - (e.seq % 3))),
      readAll: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const j = new Journal(slow);
    for (let i = 0; i < 6; i++) j.record({ type: 'HALT', timeMs: i, reason: `r${i}` });
    expect(j.pendingWrites).toBe(6);
    await j.flush();
    expect(written).toEqual([1, 2, 3, 4, 5, 6]);
    expect(j.pendingWrites).toBe(0);
  });

  it('surfaces a store failure on flush instead of losing it', async () => {
    const failing: JournalStore = {
      description: 'failing',
      append: () => Promise.reject(new Error('disk full')),
      readAll: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const j = new Journal(failing);
    j.record({ type: 'HALT', timeMs: 1, reason: 'x' });
    await expect(j.flush()).rejects.toThrow('disk full');
  });

  it('round-trips entries through the NDJSON file store', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tfl-journal-')), 'day.ndjson');
    const j = new Journal(new FileJournalStore(path));
    j.record({ type: 'HALT', timeMs: 10, reason: 'daily loss limit' });
    j.record({ type: 'SESSION_ENDED', timeMs: 20, flat: true });
    await j.close();
    const entries = readJournalFile(path);
    expect(entries.map((e) => [e.seq, e.type])).toEqual([[1, 'HALT'], [2, 'SESSION_ENDED']]);
  });

  it('names the file and line of a corrupted journal line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tfl-journal-')), 'bad.ndjson');
    writeFileSync(path, '{"seq":1,"type":"HALT","timeMs":1,"reason":"x"}\n{"seq":2,"type":"NOPE","timeMs":2}\n');
    expect(() => readJournalFile(path)).toThrow(/bad\.ndjson, line 2, field 'type'/);
    writeFileSync(path, '{"seq":1,"type":"HALT","timeMs":1,"reason":"x"}\n{"seq":2,"ty');
    expect(() => readJournalFile(path)).toThrow(/line 2: not JSON/);
  });

  it('keeps everything in memory for throwaway runs', async () => {
    const store = new MemoryJournalStore();
    const j = new Journal(store);
    j.record({ type: 'HALT', timeMs: 1, reason: 'a' });
    await j.flush();
    expect((await store.readAll()).length).toBe(1);
  });
});
