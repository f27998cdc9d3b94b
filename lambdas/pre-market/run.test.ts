import { describe, expect, it } from 'vitest';
import { RULE_VERSION, applyRules, ema } from './rules';
import type { DatedValue } from './rules';
import { SMS_MAX_CHARS, compute, formatMessage, run } from './run';
import type { BiasMessage, BiasRecord, BiasStore, PreMarketDeps, StoredBias } from './run';

/** Consecutive fake "sessions" ending the day before 2024-06-10 (a Monday), one per day. */
function series(values: readonly number[], lastDate = '2024-06-07'): DatedValue[] {
  const end = Date.UTC(Number(lastDate.slice(0, 4)), Number(lastDate.slice(5, 7)) - 1, Number(lastDate.slice(8, 10)));
  return values.map((value, i) => ({ date: new Date(end - (values.length - 1 - i) * 86_400_000).toISOString().slice(0, 10), value }));
}
const rising = Array.from({ length: 60 }, (_, i) => 20_000 + i * 20);
const falling = Array.from({ length: 60 }, (_, i) => 22_000 - i * 20);
const calmVix = Array.from({ length: 30 }, () => 14);

class MemoryStore implements BiasStore {
  readonly items = new Map<string, StoredBias>();
  putOnce(record: BiasRecord) {
    const existing = this.items.get(record.date);
    if (existing) return Promise.resolve({ created: false, record: existing });
    this.items.set(record.date, record);
    return Promise.resolve({ created: true, record });
  }
  markPublished(date: string, atMs: number) {
    const r = this.items.get(date);
    if (r && r.publishedAtMs === undefined) this.items.set(date, { ...r, publishedAtMs: atMs });
    return Promise.resolve();
  }
}

function deps(over: Partial<PreMarketDeps> = {}) {
  const published: BiasMessage[] = [];
  const alerts: string[] = [];
  let now = Date.UTC(2024, 5, 10, 3, 15); // 08:45 IST
  const store = new MemoryStore();
  const d: PreMarketDeps = {
    clock: { nowMs: () => (now += 1000) },
    calendar: { isTradingDay: (date) => date === '2024-06-10', previousTradingDay: () => '2024-06-07' },
    nifty: { closesBefore: (_d, n) => Promise.resolve(series(rising).slice(-n)) },
    vix: { closesBefore: (_d, n) => Promise.resolve(series(calmVix).slice(-n)) },
    store,
    publisher: { publish: (m) => Promise.resolve(void published.push(m)) },
    alerter: { alert: (_s, t) => Promise.resolve(void alerts.push(t)) },
    ...over,
  };
  return { d, published, alerts, store };
}

describe('bias rules (strategies.md §5)', () => {
  it('seeds the EMA with the SMA of the first period values', () => {
    expect(ema([1, 2, 3, 4], 3)).toEqual([2, 3]);
  });

  it('uptrend with calm VIX gives LONGS_ONLY, downtrend SHORTS_ONLY', () => {
    expect(applyRules(series(rising), series(calmVix), null).bias).toBe('LONGS_ONLY');
    expect(applyRules(series(falling), series(calmVix), null).bias).toBe('SHORTS_ONLY');
  });

  it('a VIX above 25 blocks trading even in a clean trend', () => {
    const vix = [...calmVix.slice(0, 29), 26];
    const out = applyRules(series(rising), series(vix), null);
    expect(out.bias).toBe('NO_TRADES');
    expect(out.reasons[0]).toMatch(/^VIX 26.00 > 25.00/);
  });

  it('in a high-VIX regime the gate is 1.3× the 20-session mean, not 25', () => {
    const high = (last: number) => series([...Array.from({ length: 29 }, () => 22), last]);
    // 29 → mean20 22.35, gate 29.06: allowed although above 25; 30 → gate 29.12: blocked.
    expect(applyRules(series(rising), high(29), null).bias).toBe('LONGS_ONLY');
    expect(applyRules(series(rising), high(30), null).bias).toBe('NO_TRADES');
  });

  it('close above a falling EMA is no trend', () => {
    const closes = [...falling.slice(0, 59), 20_840 + 400]; // a jump above the lagging EMA, too small to turn it up
    expect(applyRules(series(closes), series(calmVix), null).bias).toBe('NO_TRADES');
  });

  it('breadth must confirm: longs need ≥ 40 % advancers, shorts ≤ 60 %', () => {
    const b = (adv: number) => ({ date: '2024-06-07', advancers: adv, decliners: 50 - adv });
    expect(applyRules(series(rising), series(calmVix), b(20)).bias).toBe('LONGS_ONLY');
    expect(applyRules(series(rising), series(calmVix), b(19)).bias).toBe('NO_TRADES');
    expect(applyRules(series(falling), series(calmVix), b(30)).bias).toBe('SHORTS_ONLY');
    expect(applyRules(series(falling), series(calmVix), b(31)).bias).toBe('NO_TRADES');
  });
});

describe('run()', () => {
  it('publishes nothing and stores nothing on a day that is not a trading day', async () => {
    const { d, published, store } = deps();
    expect(await run(d, '2024-06-08')).toEqual({ status: 'NOT_TRADING_DAY', date: '2024-06-08' });
    expect(published).toHaveLength(0);
    expect(store.items.size).toBe(0);
  });

  it('stores exactly one record per date and publishes once even when retried', async () => {
    const { d, published, store } = deps();
    const first = await run(d, '2024-06-10');
    const second = await run(d, '2024-06-10');
    expect(first).toMatchObject({ status: 'PUBLISHED', created: true, record: { bias: 'LONGS_ONLY', ruleVersion: RULE_VERSION } });
    expect(second.status).toBe('ALREADY_PUBLISHED');
    expect(store.items.size).toBe(1);
    expect(published).toHaveLength(1);
  });

  it('a retry after a failed publish reuses the stored record instead of recomputing', async () => {
    const { d, published, store } = deps();
    let fail = true;
    const flaky: PreMarketDeps = {
      ...d,
      publisher: { publish: (m) => (fail ? Promise.reject(new Error('SNS timeout')) : Promise.resolve(void published.push(m))) },
    };
    await expect(run(flaky, '2024-06-10')).rejects.toThrow('SNS timeout');
    const stored = store.items.get('2024-06-10');
    fail = false;
    // The data changed between attempts: the first stored record still wins.
    const changed = { ...flaky, nifty: { closesBefore: () => Promise.resolve(series(falling)) } };
    const again = await run(changed, '2024-06-10');
    expect(again).toMatchObject({ status: 'PUBLISHED', created: false });
    expect(again.status !== 'NOT_TRADING_DAY' && again.record.computedAtMs).toBe(stored?.computedAtMs);
    expect(published).toHaveLength(1);
  });

  it('stale NIFTY data gives NO_TRADES with the reason and an alert', async () => {
    const { d, alerts } = deps({ nifty: { closesBefore: () => Promise.resolve(series(rising, '2024-06-06')) } });
    const out = await run(d, '2024-06-10');
    expect(out).toMatchObject({ status: 'PUBLISHED', record: { bias: 'NO_TRADES', inputs: null } });
    expect(out.status !== 'NOT_TRADING_DAY' && out.record.reasons[0]).toBe('NIFTY stale: last session 2024-06-06, expected 2024-06-07');
    expect(alerts).toHaveLength(1);
  });

  it('too little VIX history and a failing source are NO_TRADES with an alert', async () => {
    const short = await compute(deps({ vix: { closesBefore: () => Promise.resolve(series(calmVix.slice(0, 10))) } }).d, '2024-06-10');
    expect(short.reasons[0]).toBe('VIX history too short: 10 of 30 sessions');
    expect(short.alert).not.toBeNull();
    const failing = await compute(deps({ nifty: { closesBefore: () => Promise.reject(new Error('TimeoutError')) } }).d, '2024-06-10');
    expect(failing).toMatchObject({ bias: 'NO_TRADES', reasons: ['NIFTY source failed: TimeoutError'] });
  });

  it('a failing breadth source does not block the bias but is reported', async () => {
    const { d, alerts } = deps({ breadth: { forSession: () => Promise.reject(new Error('down')) } });
    const out = await run(d, '2024-06-10');
    expect(out.status !== 'NOT_TRADING_DAY' && out.record.bias).toBe('LONGS_ONLY');
    expect(alerts[0]).toMatch(/breadth source failed/);
  });

  it('the SMS text fits one segment and names date, bias and rule version', () => {
    const long: BiasRecord = {
      date: '2024-06-10',
      bias: 'NO_TRADES',
      reasons: ['x'.repeat(400)],
      inputs: null,
      ruleVersion: RULE_VERSION,
      computedAtMs: Date.UTC(2024, 5, 10, 3, 15),
      alert: null,
    };
    const m = formatMessage(long);
    expect(m.sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(m.sms).toMatch(/^TFL 2024-06-10 NO_TRADES: x+… \[bias-v1 08:45\]$/);
    expect(m.full).toContain('Computed at: 2024-06-10T08:45:00+05:30');
  });
});
