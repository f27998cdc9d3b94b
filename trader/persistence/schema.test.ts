import { describe, expect, it } from 'vitest';
import { PUT_ONCE_CONDITION, STATE_TABLE, byKindAttributes, dayPartition, keys, stateTableName } from './schema';

describe('state table schema', () => {
  it('puts a whole trading day of a profile in one partition, kinds in the sort key', () => {
    expect(keys.order('default', '2024-06-10', 'tfl-NIFTY-1718000000000-entry')).toEqual({
      pk: 'default#2024-06-10',
      sk: 'ORDER#tfl-NIFTY-1718000000000-entry',
      kind: 'ORDER',
    });
    expect(keys.fill('default', '2024-06-10', 'X1').pk).toBe(dayPartition('default', '2024-06-10'));
    expect(keys.summary('default', '2024-06-10').sk).toBe('SUMMARY');
  });

  it('keys the bias and the bars by date so "latest N" is one reverse query', () => {
    expect(keys.bias('2024-06-10')).toEqual({ pk: 'BIAS', sk: '2024-06-10', kind: 'BIAS' });
    expect(keys.dailyBar('NIFTY', '2024-06-07')).toEqual({ pk: 'BARS#NIFTY', sk: '2024-06-07', kind: 'BAR' });
  });

  it('journal sort keys order numerically', () => {
    const a = keys.journal('p', '2024-06-10', 9).sk;
    const b = keys.journal('p', '2024-06-10', 10).sk;
    expect(a < b).toBe(true);
  });

  it('rejects components that would make keys ambiguous', () => {
    expect(() => keys.order('default', '2024-06-10', 'a#b')).toThrow(/contains '#'/);
    expect(() => keys.lease('Default')).toThrow(/profile/);
    expect(() => keys.bias('10/06/2024')).toThrow(/YYYY-MM-DD/);
    expect(() => keys.journal('p', '2024-06-10', -1)).toThrow(/out of range/);
  });

  it('describes one on-demand table with a TTL attribute and a sparse byKind index', () => {
    expect(STATE_TABLE).toMatchObject({ partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' }, billing: 'PAY_PER_REQUEST', timeToLiveAttribute: 'expiresAt' });
    expect(byKindAttributes('default', 'TRADE', '2024-06-10', 't1')).toEqual({ gsi1pk: 'default#TRADE', gsi1sk: '2024-06-10#t1' });
    expect(stateTableName('tfl')).toBe('tfl-state');
    expect(PUT_ONCE_CONDITION).toBe('attribute_not_exists(pk)');
  });
});
