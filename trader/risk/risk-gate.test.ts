import { describe, expect, it } from 'vitest';
import type { DenialReason } from '../domain/events';
import type { Direction } from '../domain/intent';
import { istTimeOnDate } from '../domain/time';
import { parseRiskConfig, resolveRiskConfig } from './risk-config';
import type { RiskConfigInput } from './risk-config';
import { RiskGate } from './risk-gate';
import type { BookState, EntryCandidate, RiskVerdict } from './risk-gate';

// Capital ₹10,00,000 at 5× leverage: allocation cap 25 % × 10 L × 5 = ₹12,50,000 per position.
// R = ₹6,500 = 650,000 paise; open-risk budget 5 R = 3,250,000 paise; daily loss limit 5 R.
const BASE: RiskConfigInput = { capitalRupees: 1_000_000, leverage: 5 };
const R = 650_000;
const DAY = '2024-05-21';
const at = (hhmm: string): number => istTimeOnDate(DAY, hhmm);
const NOW = at('10:00');

function gate(overrides: Partial<RiskConfigInput> = {}): RiskGate {
  const g = new RiskGate(parseRiskConfig({ ...BASE, ...overrides }));
  g.startSession(DAY);
  return g;
}

interface CandidateOptions {
  direction?: Direction;
  /** Rupees. Default: a long at 1000 with a 10-rupee stop (1 000 paise per unit → 650 units = 1 R). */
  ref?: number;
  stop?: number;
  rangePct?: number;
  relVolume?: number;
  strategy?: string;
  lotSize?: number;
}

function candidate(symbol: string, o: CandidateOptions = {}): EntryCandidate {
  const direction = o.direction ?? 'LONG';
  const ref = o.ref ?? 1000;
  const stop = o.stop ?? (direction === 'LONG' ? ref - 10 : ref + 10);
  return {
    lotSize: o.lotSize ?? 1,
    intent: {
      kind: 'ENTER',
      strategy: o.strategy ?? 'tfl',
      symbol,
      direction,
      signalBarMs: at('09:45'),
      decidedAtMs: NOW,
      stopPaise: Math.round(stop * 100),
      refPricePaise: Math.round(ref * 100),
      targetR: 10,
      rangePct: o.rangePct ?? 0.4,
      relVolume: o.relVolume ?? 1,
      reason: 'test',
    },
  };
}

function book(o: Partial<BookState> = {}): BookState {
  return {
    bias: 'LONGS_ONLY',
    openPositions: 0,
    openSymbols: new Set<string>(),
    openRiskPaise: 0,
    tradesToday: 0,
    tradesBySymbol: new Map<string, number>(),
    tradesByStrategy: new Map<string, number>(),
    ...o,
  };
}

function summary(results: readonly RiskVerdict[]): string[] {
  return results.map((r) =>
    r.kind === 'approved'
      ? `${r.candidate.intent.symbol} ok ${r.qty}${r.resized ? ' resized' : ''}`
      : `${r.candidate.intent.symbol} ${r.reason}`,
  );
}

function onlyDenial(results: readonly RiskVerdict[]): DenialReason | 'approved' {
  const r = results[0];
  if (r === undefined) throw new Error('no result');
  return r.kind === 'approved' ? 'approved' : r.reason;
}

describe('risk config', () => {
  it('holds §1/§4 defaults and resolves them to paise', () => {
    const c = parseRiskConfig({ capitalRupees: 1_000_000 });
    expect(c).toMatchObject({
      leverage: 1,
      allocationPct: 25,
      riskPerTrade: { kind: 'rupees', rupees: 6500 },
      openRiskBudgetR: 5,
      dailyLossLimit: { kind: 'R', r: 5 },
      dailyProfitLock: null,
      maxTradesPerSymbolPerDay: 2,
      entryWindow: { start: '09:15', end: '14:30' },
      requireBias: true,
    });
    expect(resolveRiskConfig(c)).toMatchObject({
      riskPerTradePaise: R,
      openRiskBudgetPaise: 5 * R,
      dailyLossLimitPaise: 5 * R,
      allocationPaise: 25_000_000,
      windowStartMinute: 555,
      windowEndMinute: 870,
    });
  });

  it('takes risk per trade as a percent of capital', () => {
    const c = resolveRiskConfig(parseRiskConfig({ capitalRupees: 1_000_000, riskPerTrade: { kind: 'percentOfCapital', pct: 1 } }));
    expect(c.riskPerTradePaise).toBe(1_000_000);
    expect(c.dailyLossLimitPaise).toBe(5_000_000);
  });

  it('refuses leverage above 10, a missing capital, and unknown keys', () => {
    expect(() => parseRiskConfig({ capitalRupees: 1, leverage: 11 })).toThrow(/leverage/);
    expect(() => parseRiskConfig({})).toThrow(/capitalRupees/);
    expect(() => parseRiskConfig({ capitalRupees: 1, maxOpenPosition: 3 })).toThrow(/maxOpenPosition/);
    expect(() => parseRiskConfig({ capitalRupees: 1, entryWindow: { start: '15:00', end: '14:30' } })).toThrow(/end/);
  });
});

describe('risk gate: sizing', () => {
  it('sizes floor(R / risk per unit), from the reference price before the fill', () => {
    const [r] = gate().evaluate([candidate('ACME', { ref: 1000, stop: 993 })], book(), NOW);
    expect(r).toMatchObject({ kind: 'approved', qty: 928, riskPaise: 928 * 700, resized: false });
  });

  it('sizes in whole lots', () => {
    const [r] = gate().evaluate([candidate('ACME', { ref: 1000, stop: 993, lotSize: 25 })], book(), NOW);
    expect(r).toMatchObject({ kind: 'approved', qty: 925 });
  });

  it('sizes a short from stop − ref', () => {
    const [r] = gate({}).evaluate([candidate('ACME', { direction: 'SHORT', ref: 1000, stop: 1005 })], book({ bias: 'SHORTS_ONLY' }), NOW);
    expect(r).toMatchObject({ kind: 'approved', qty: 1250, riskPaise: 1250 * 500 });
  });

  it('caps the quantity by the allocation (25 % of capital × leverage) divided by price', () => {
    // Leverage 1: ₹2,50,000 / ₹1,000 = 250 units, although R would allow 6,500.
    const [r] = gate({ leverage: 1 }).evaluate([candidate('ACME', { ref: 1000, stop: 999 })], book(), NOW);
    expect(r).toMatchObject({ kind: 'approved', qty: 250, riskPaise: 250 * 100 });
  });

  it('uses a percent-of-capital R', () => {
    const [r] = gate({ riskPerTrade: { kind: 'percentOfCapital', pct: 0.5 } }).evaluate([candidate('ACME')], book(), NOW);
    expect(r).toMatchObject({ kind: 'approved', qty: 500 });
  });
});

describe('risk gate: ranking', () => {
  it('ranks smaller range % first', () => {
    const results = gate().evaluate(
      [candidate('AAA', { rangePct: 0.5 }), candidate('BBB', { rangePct: 0.2 }), candidate('CCC', { rangePct: 0.3 })],
      book(),
      NOW,
    );
    expect(results.map((r) => `${r.rank}:${r.candidate.intent.symbol}`)).toEqual(['1:BBB', '2:CCC', '3:AAA']);
  });

  it('breaks range ties by higher relative volume', () => {
    const results = gate().evaluate(
      [candidate('AAA', { relVolume: 0.8 }), candidate('BBB', { relVolume: 2.5 }), candidate('CCC', { relVolume: 1.2 })],
      book(),
      NOW,
    );
    expect(results.map((r) => r.candidate.intent.symbol)).toEqual(['BBB', 'CCC', 'AAA']);
  });

  it('treats absent volume as equal and falls back to the symbol name', () => {
    // The strategy reports relVolume 1 when the data has no volume (indices).
    const results = gate().evaluate([candidate('ZED'), candidate('ALPHA'), candidate('MID')], book(), NOW);
    expect(results.map((r) => r.candidate.intent.symbol)).toEqual(['ALPHA', 'MID', 'ZED']);
  });

  it('admits in rank order, so the budget goes to the best candidate whatever the input order', () => {
    const b = book({ openRiskPaise: 4 * R });
    const wide = candidate('WIDE', { rangePct: 0.6 });
    const tight = candidate('TIGHT', { rangePct: 0.1 });
    expect(summary(gate().evaluate([wide, tight], b, NOW))).toEqual(['TIGHT ok 650', 'WIDE RISK_BUDGET']);
    expect(summary(gate().evaluate([tight, wide], b, NOW))).toEqual(['TIGHT ok 650', 'WIDE RISK_BUDGET']);
  });
});

describe('risk gate: open-risk budget', () => {
  it('admits while the budget allows, resizes the last one down, denies the rest', () => {
    const results = gate().evaluate(
      [candidate('AAA', { rangePct: 0.1 }), candidate('BBB', { rangePct: 0.2 }), candidate('CCC', { rangePct: 0.3 })],
      book({ openRiskPaise: 3.5 * R }),
      NOW,
    );
    expect(summary(results)).toEqual(['AAA ok 650', 'BBB ok 325 resized', 'CCC RISK_BUDGET']);
    const resized = results[1];
    expect(resized?.kind === 'approved' && resized.riskPaise).toBe(325_000);
  });

  it('resizes in whole lots and denies when not even one lot fits', () => {
    // 0.5 R left = 325,000 paise; a lot of 100 at 1,000 paise per unit risks 100,000 → 3 lots.
    const [fits] = gate().evaluate([candidate('AAA', { lotSize: 100 })], book({ openRiskPaise: 4.5 * R }), NOW);
    expect(fits).toMatchObject({ kind: 'approved', qty: 300, resized: true });
    const results = gate().evaluate(
      [candidate('AAA', { lotSize: 400, rangePct: 0.1 }), candidate('BBB', { rangePct: 0.2 })],
      book({ openRiskPaise: 4.5 * R }),
      NOW,
    );
    expect(summary(results)).toEqual(['AAA RISK_BUDGET', 'BBB RISK_BUDGET']);
  });

  it('denies everything once the budget is exhausted', () => {
    const results = gate().evaluate([candidate('AAA'), candidate('BBB')], book({ openRiskPaise: 5 * R }), NOW);
    expect(summary(results)).toEqual(['AAA RISK_BUDGET', 'BBB RISK_BUDGET']);
  });

  it('fills the budget with exactly five full-R trades', () => {
    const syms = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'];
    const results = gate({ maxOpenPositions: 10 }).evaluate(
      syms.map((s) => candidate(s)),
      book(),
      NOW,
    );
    expect(summary(results)).toEqual(['A1 ok 650', 'A2 ok 650', 'A3 ok 650', 'A4 ok 650', 'A5 ok 650', 'A6 RISK_BUDGET']);
  });
});

describe('risk gate: denials', () => {
  const g = () => gate();
  const one = (b: BookState, c = candidate('ACME'), now = NOW, gg = g()) => onlyDenial(gg.evaluate([c], b, now));

  it('NO_BIAS when no bias is published', () => {
    expect(one(book({ bias: null }))).toBe('NO_BIAS');
  });
  it('lets entries through without a bias only when requireBias is off', () => {
    expect(one(book({ bias: null }), candidate('ACME'), NOW, gate({ requireBias: false }))).toBe('approved');
  });
  it('BIAS for the wrong side and for NO_TRADES', () => {
    expect(one(book({ bias: 'SHORTS_ONLY' }))).toBe('BIAS');
    expect(one(book({ bias: 'LONGS_ONLY' }), candidate('ACME', { direction: 'SHORT' }))).toBe('BIAS');
    expect(one(book({ bias: 'NO_TRADES' }))).toBe('BIAS');
  });
  it('OUTSIDE_WINDOW before the start and after the end minute', () => {
    expect(one(book(), candidate('ACME'), at('09:14') + 59_000)).toBe('OUTSIDE_WINDOW');
    expect(one(book(), candidate('ACME'), at('09:15'))).toBe('approved');
    expect(one(book(), candidate('ACME'), at('14:30') + 59_999)).toBe('approved');
    expect(one(book(), candidate('ACME'), at('14:31'))).toBe('OUTSIDE_WINDOW');
  });
  it('MAX_OPEN_POSITIONS, counting entries approved earlier in the same batch', () => {
    expect(one(book({ openPositions: 5 }))).toBe('MAX_OPEN_POSITIONS');
    const results = gate({ maxOpenPositions: 2 }).evaluate([candidate('AAA'), candidate('BBB')], book({ openPositions: 1 }), NOW);
    expect(summary(results)).toEqual(['AAA ok 650', 'BBB MAX_OPEN_POSITIONS']);
  });
  it('MAX_TRADES_PER_DAY', () => {
    expect(one(book({ tradesToday: 10 }))).toBe('MAX_TRADES_PER_DAY');
  });
  it('MAX_TRADES_PER_SYMBOL', () => {
    expect(one(book({ tradesBySymbol: new Map([['ACME', 2]]) }))).toBe('MAX_TRADES_PER_SYMBOL');
    expect(one(book({ tradesBySymbol: new Map([['ACME', 1]]) }))).toBe('approved');
  });
  it('POSITION_OPEN for a symbol already held or taken earlier in the batch', () => {
    expect(one(book({ openSymbols: new Set(['ACME']) }))).toBe('POSITION_OPEN');
    const results = gate().evaluate([candidate('ACME', { strategy: 'a' }), candidate('ACME', { strategy: 'b' })], book(), NOW);
    expect(summary(results)).toEqual(['ACME ok 650', 'ACME POSITION_OPEN']);
  });
  it('STRATEGY_DAILY_USE', () => {
    const limited = gate({ maxUsesPerStrategyPerDay: { tfl: 1 } });
    expect(one(book({ tradesByStrategy: new Map([['tfl', 1]]) }), candidate('ACME'), NOW, limited)).toBe('STRATEGY_DAILY_USE');
    expect(one(book({ tradesByStrategy: new Map([['tfl', 1]]) }))).toBe('approved');
    const results = limited.evaluate([candidate('AAA'), candidate('BBB')], book(), NOW);
    expect(summary(results)).toEqual(['AAA ok 650', 'BBB STRATEGY_DAILY_USE']);
  });
  it('INVALID_STOP for zero or negative risk per unit', () => {
    expect(one(book(), candidate('ACME', { ref: 1000, stop: 1000 }))).toBe('INVALID_STOP');
    expect(one(book(), candidate('ACME', { ref: 1000, stop: 1001 }))).toBe('INVALID_STOP');
    expect(one(book({ bias: 'SHORTS_ONLY' }), candidate('ACME', { direction: 'SHORT', ref: 1000, stop: 999 }))).toBe('INVALID_STOP');
  });
  it('SIZE_BELOW_ONE_LOT when one lot risks more than R or exceeds the allocation', () => {
    expect(one(book(), candidate('ACME', { ref: 1000, stop: 900, lotSize: 75 }))).toBe('SIZE_BELOW_ONE_LOT'); // 75 × ₹100 > ₹6,500
    expect(one(book(), candidate('ACME', { ref: 20_000, stop: 19_999, lotSize: 100 }), NOW, gate({ leverage: 1 }))).toBe(
      'SIZE_BELOW_ONE_LOT',
    ); // ₹2,50,000 buys 12 units, not a lot of 100
  });
  it('never throws on nonsense input; it denies', () => {
    const bad = candidate('ACME');
    const nan = { ...bad, intent: { ...bad.intent, refPricePaise: Number.NaN } };
    expect(one(book(), nan)).toBe('INVALID_STOP');
    expect(one(book(), { ...bad, lotSize: 0 })).toBe('SIZE_BELOW_ONE_LOT');
    expect(gate().evaluate([], book(), NOW)).toEqual([]);
  });
  it('checks in the documented order (the first failing rule is the reason)', () => {
    const everythingWrong = book({ bias: null, openPositions: 9, tradesToday: 99 });
    expect(one(everythingWrong, candidate('ACME', { ref: 1000, stop: 1000 }), at('15:00'))).toBe('NO_BIAS');
    expect(one({ ...everythingWrong, bias: 'LONGS_ONLY' }, candidate('ACME'), at('15:00'))).toBe('OUTSIDE_WINDOW');
    expect(one({ ...everythingWrong, bias: 'LONGS_ONLY' })).toBe('MAX_OPEN_POSITIONS');
  });
  it('carries a human-readable detail', () => {
    const [r] = gate().evaluate([candidate('ACME')], book({ openRiskPaise: 5 * R }), NOW);
    expect(r?.kind === 'denied' && r.detail).toContain('₹0.00 of ₹32500.00');
  });
});

describe('risk gate: trading state', () => {
  it('daily loss limit (−5 R) → flatten and halt, once; no entries for the rest of the day', () => {
    const g = gate();
    expect(g.onMarkToMarket(-2 * R, -3 * R + 1)).toBe(false);
    expect(g.state).toBe('ACTIVE');
    expect(g.onMarkToMarket(-2 * R, -3 * R)).toBe(true);
    expect(g.state).toBe('HALTED');
    expect(g.haltReason).toBe('DAILY_LOSS_LIMIT');
    expect(g.onMarkToMarket(0, 0)).toBe(false); // already halted; recovering does not resume
    expect(onlyDenial(g.evaluate([candidate('ACME')], book(), NOW))).toBe('HALTED');
    g.setKillSwitch('off');
    expect(g.state).toBe('HALTED');
  });

  it('takes the daily loss limit in rupees', () => {
    const g = gate({ dailyLossLimit: { kind: 'rupees', rupees: 10_000 } });
    expect(g.onMarkToMarket(-999_999, 0)).toBe(false);
    expect(g.onMarkToMarket(-500_000, -500_000)).toBe(true);
  });

  it('halts on the optional profit lock, and not by default', () => {
    expect(gate().onMarkToMarket(50 * R, 0)).toBe(false);
    const g = gate({ dailyProfitLock: { kind: 'R', r: 5 } });
    expect(g.onMarkToMarket(4 * R, R)).toBe(true);
    expect(g.haltReason).toBe('PROFIT_LOCK');
  });

  it("kill switch 'stop' → REDUCING: no new entries; 'off' resumes", () => {
    const g = gate();
    expect(g.setKillSwitch('stop')).toBe(false);
    expect(g.state).toBe('REDUCING');
    expect(onlyDenial(g.evaluate([candidate('ACME')], book(), NOW))).toBe('KILL_SWITCH');
    g.setKillSwitch('off');
    expect(g.state).toBe('ACTIVE');
    expect(onlyDenial(g.evaluate([candidate('ACME')], book(), NOW))).toBe('approved');
  });

  it("kill switch 'flatten' → flatten and HALTED for the rest of the day", () => {
    const g = gate();
    expect(g.setKillSwitch('flatten')).toBe(true);
    expect(g.setKillSwitch('flatten')).toBe(false);
    expect(g.state).toBe('HALTED');
    expect(onlyDenial(g.evaluate([candidate('ACME')], book(), NOW))).toBe('KILL_SWITCH');
    g.setKillSwitch('off');
    expect(g.state).toBe('HALTED');
  });

  it('starts each new day ACTIVE, unless the kill switch is still set', () => {
    const g = gate();
    g.onMarkToMarket(-5 * R, 0);
    g.startSession(DAY);
    expect(g.state).toBe('HALTED'); // same day announced again: no reset
    g.startSession('2024-05-22');
    expect(g.state).toBe('ACTIVE');
    g.setKillSwitch('stop');
    g.startSession('2024-05-23');
    expect(g.state).toBe('REDUCING');
  });

  it('keeps a halt across a restart (snapshot → restore → same-day start)', () => {
    const g = gate();
    g.onMarkToMarket(-6 * R, 0);
    const stored: unknown = JSON.parse(JSON.stringify(g.snapshot()));
    const fresh = new RiskGate(parseRiskConfig(BASE));
    fresh.restore(stored as ReturnType<RiskGate['snapshot']>);
    fresh.startSession(DAY);
    expect(fresh.state).toBe('HALTED');
    expect(fresh.haltReason).toBe('DAILY_LOSS_LIMIT');
    expect(() => fresh.restore({ ...g.snapshot(), haltReason: null })).toThrow(/haltReason/);
  });
});
