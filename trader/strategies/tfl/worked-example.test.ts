import { describe, expect, it } from 'vitest';
import { parseRiskConfig } from '../../risk/risk-config';
import { RiskGate } from '../../risk/risk-gate';
import { DAY, at, bar, harness } from './test-support';

/** The worked example of docs/strategies/tfl.md, step by step, so the page cannot drift from the code. */
describe('docs/strategies/tfl.md worked example', () => {
  it('plays out as the page says', () => {
    const h = harness({}, 'LONGS_ONLY', 5);
    h.bars(bar('09:15', 1000, 1002, 999, 1001.5), bar('09:30', 1001.5, 1003, 1000, 1000.5));
    expect(h.tfl.snapshot().symbols[0]?.state.phase).toBe('ARMED');
    h.bars(bar('09:45', 1000.5, 1002.95, 1000.1, 1002.9), bar('10:00', 1002.9, 1004.2, 1002, 1003));
    expect(h.out.intents).toEqual([]);
    h.bars(bar('10:15', 1003, 1004, 1002.5, 1003.5));
    const entry = h.out.entries[0];
    expect(entry).toMatchObject({ decidedAtMs: at('10:30'), refPricePaise: 100350, stopPaise: 99900 });
    if (entry === undefined) return;

    const gate = new RiskGate(parseRiskConfig({ capitalRupees: 1_000_000, leverage: 5 }));
    gate.startSession(DAY);
    const [verdict] = gate.evaluate(
      [{ intent: entry, lotSize: 1 }],
      {
        bias: 'LONGS_ONLY',
        openPositions: 0,
        openSymbols: new Set(),
        openRiskPaise: 0,
        tradesToday: 0,
        tradesBySymbol: new Map(),
        tradesByStrategy: new Map(),
      },
      at('10:30') + 400,
    );
    expect(verdict).toMatchObject({ kind: 'approved', qty: 1245, riskPaise: 560_250, resized: false });

    h.out.clear();
    const pos = h.fill('LONG', '10:30', 1003.6, 999);
    expect(pos.riskPerUnitPaise).toBe(460);
    expect(pos.targetPaise).toBe(104960);
    h.bars(bar('10:30', 1003.6, 1006, 1003.2, 1005.5), bar('10:45', 1005.5, 1007.5, 1004, 1007)); // before +1 R: no trailing
    h.tick('11:02', 1008.2);
    h.bars(bar('11:00', 1007, 1009, 1005.4, 1008.5), bar('11:15', 1008.5, 1009.5, 1004.8, 1006), bar('11:30', 1006, 1010, 1007.1, 1009));
    expect(h.out.intents.map((i) => (i.kind === 'MOVE_STOP' ? `${i.reason} ${i.stopPaise / 100}` : i.kind))).toEqual([
      'BREAKEVEN 1003.6',
      'TRAIL 1005.4',
      'TRAIL 1007.1',
    ]);

    h.close('12:40');
    h.bars(bar('12:30', 1008, 1009, 1006, 1008.5), bar('12:45', 1008.5, 1009, 1007, 1007.5));
    expect(h.tfl.snapshot().symbols[0]?.state.phase).toBe('IDLE'); // 12:30 started before the exit
    h.bars(bar('13:00', 1007.5, 1009, 1007, 1008.5));
    expect(h.tfl.snapshot().symbols[0]?.state.phase).toBe('ARMED'); // 12:45 red + 13:00 green
  });
});
