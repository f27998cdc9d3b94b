import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from './memory-state-store';
import { describeStateStore } from './state-store.contract';

describeStateStore('memory', () => {
  const store = new MemoryStateStore();
  return Promise.resolve({
    store,
    putRawItem: (item) => Promise.resolve(store.memoryTable.putRaw(item)),
    close: () => store.close(),
  });
});

describe('MemoryStateStore', () => {
  it('hands out copies: mutating a returned record never changes the stored one', async () => {
    const store = new MemoryStateStore();
    await store.putTrade('default', '2024-06-10', { tradeId: 'T1', strategy: 'tfl', symbol: 'X', direction: 'LONG', qty: 1, entryTimeMs: 1, entryPricePaise: 100, exitTimeMs: 2, exitPricePaise: 110, exitReason: 'TARGET', initialStopPaise: 90, initialRiskPaise: 10, grossPaise: 10, costsPaise: 1, netPaise: 9, r: 1, maePaise: 0, mfePaise: 10 });
    const day = await store.loadDay('default', '2024-06-10');
    (day.trades[0] as { qty: number }).qty = 99;
    expect((await store.loadDay('default', '2024-06-10')).trades[0]?.qty).toBe(1);
  });
});
