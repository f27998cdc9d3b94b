/**
 * Journal writes per second to the embedded store (dynalite in-process, LevelDB on disk, the
 * trader's default) and to the memory store, through the StateStore port the trader uses.
 *
 * - sequential: one awaited append after another — how the Journal's writer loop writes (each
 *   entry durable before the next, so the journal is always a prefix of what the engine saw);
 * - concurrent: `concurrency` appends in flight — an upper bound, for comparison only.
 *
 * Standalone: `npx tsx bench/store.ts [--quick]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JournalEntry } from '../trader/domain/events';
import { EMBEDDED_TABLE_NAME } from '../trader/persistence/dynamo/client';
import { openDynamoStateStore } from '../trader/persistence/dynamo/dynamo-state-store';
import { MemoryStateStore } from '../trader/persistence/memory-state-store';
import type { StateStore } from '../trader/persistence/state-store';

export interface JournalWritesResult {
  /** Sequential awaited appends per second, embedded dynalite. */
  readonly embeddedWritesPerSec: number;
  /** Sequential awaited appends per second, memory store. */
  readonly memoryWritesPerSec: number;
  /** Entries appended per measurement (after a warm-up). */
  readonly entries: number;
  /** `concurrency` appends in flight at a time, embedded dynalite (upper bound). */
  readonly embeddedConcurrentWritesPerSec: number;
  readonly concurrency: number;
}

const PROFILE = 'bench';
const DATE = '2024-06-10';
const T0 = Date.UTC(2024, 5, 10, 3, 45);

/** A typical journal line: an order transition (the most frequent sizeable event of a day). */
function entry(seq: number): JournalEntry {
  return {
    type: 'ORDER',
    seq,
    timeMs: T0 + seq,
    request: {
      symbol: 'RELIANCE',
      exchange: 'NSE',
      clientOrderId: `tfl-RELIANCE-${T0 + seq}-entry`,
      strategy: 'tfl',
      side: 'BUY',
      qty: 10,
      product: 'MIS',
      priceType: 'SL-M',
      pricePaise: 0,
      triggerPaise: 295_005,
    },
    brokerOrderId: `2406100000${seq}`,
    from: 'PENDING_SUBMIT',
    to: 'TRIGGER_PENDING',
    filledQty: 0,
    avgFillPaise: null,
  };
}

async function sequential(store: StateStore, from: number, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await store.appendJournal(PROFILE, DATE, entry(from + i));
  return n / ((performance.now() - t0) / 1000);
}

async function concurrent(store: StateStore, from: number, n: number, inFlight: number): Promise<number> {
  let next = from;
  const end = from + n;
  const worker = async (): Promise<void> => {
    while (next < end) await store.appendJournal(PROFILE, DATE, entry(next++));
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return n / ((performance.now() - t0) / 1000);
}

export async function benchJournalWrites(options: { readonly entries?: number; readonly concurrency?: number } = {}): Promise<JournalWritesResult> {
  const entries = options.entries ?? 2_000;
  const concurrency = options.concurrency ?? 16;
  const warmUp = Math.min(200, entries);

  const memory = new MemoryStateStore();
  await sequential(memory, 1, warmUp);
  const memoryWritesPerSec = await sequential(memory, 1 + warmUp, entries);
  await memory.close();

  const dir = mkdtempSync(join(tmpdir(), 'tfl-bench-store-'));
  try {
    const store = await openDynamoStateStore({ kind: 'embedded', dataDir: join(dir, 'dynalite'), tableName: EMBEDDED_TABLE_NAME });
    try {
      await sequential(store, 1, warmUp);
      const embeddedWritesPerSec = await sequential(store, 1 + warmUp, entries);
      const embeddedConcurrentWritesPerSec = await concurrent(store, 1 + warmUp + entries, entries, concurrency);
      const stored = await store.loadDay(PROFILE, DATE);
      if (stored.lastJournalSeq !== warmUp + 2 * entries) throw new Error(`bench: ${stored.lastJournalSeq} entries stored, expected ${warmUp + 2 * entries}`);
      return {
        embeddedWritesPerSec: Math.round(embeddedWritesPerSec),
        memoryWritesPerSec: Math.round(memoryWritesPerSec),
        entries,
        embeddedConcurrentWritesPerSec: Math.round(embeddedConcurrentWritesPerSec),
        concurrency,
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone only when this file itself is the entry point: bundled into bench/run.ts's bundle,
// import.meta.url is the bundle's, which is also argv[1], and the writes would run alongside
// (and skew) every other benchmark.
const invokedPath = process.argv[1];
if (invokedPath !== undefined && invokedPath.endsWith('store.ts') && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  const quick = process.argv.includes('--quick');
  benchJournalWrites(quick ? { entries: 300 } : {}).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
