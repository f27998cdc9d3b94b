import { describe, expect, it } from 'vitest';
import { snapDown, toPaise } from '../../domain/money';
import { Atr } from '../../indicators/atr';
import { DEFAULT_TFL_PARAMS, parseTflParams } from './params';
import { TflStrategy } from './strategy';
import { DAY, DAY2, Recorder, at, bar, harness } from './test-support';

// The standard pair used throughout: a green 09:15 bar and a red 09:30 bar.
// pairHigh = 1003, pairLow = 999, range = 4 / 1000.5 ≈ 0.40 %.
const GREEN_0915 = bar('09:15', 1000, 1002, 999, 1001.5, 1000);
const RED_0930 = bar('09:30', 1001.5, 1003, 1000, 1000.5, 3000);

function phase(h: { tfl: TflStrategy }): string {
  const s = h.tfl.snapshot().symbols[0];
  return s === undefined ? 'none' : s.state.phase;
}

describe('TFL params', () => {
  it('holds §1 defaults for every threshold', () => {
    expect(DEFAULT_TFL_PARAMS).toEqual({
      timeframeMinutes: 15,
      minRangePct: 0.05,
      maxRangePct: 0.8,
      scanStart: '09:15',
      entryDeadline: '14:30',
      stopBufferPaise: 0,
      targetR: 10,
      breakevenAtR: 1,
      trailing: { mode: 'bar', atrPeriod: 14, atrMultiple: 1.5, startAfter: 'breakeven' },
      partialProfit: { enabled: false, fraction: 0.5, atR: 2 },
      maxTradesPerSymbolPerDay: 2,
      relVolumeLookback: 20,
      requireBias: true,
    });
  });

  it('rejects bad values and unknown keys, naming the field', () => {
    expect(() => parseTflParams({ entryDeadline: '25:00' })).toThrow(/entryDeadline/);
    expect(() => parseTflParams({ minRangePct: 1, maxRangePct: 0.5 })).toThrow(/minRangePct/);
    expect(() => parseTflParams({ stopBufferPaise: 2.5 })).toThrow(/stopBufferPaise/);
    expect(() => parseTflParams({ tragetR: 5 })).toThrow(/tragetR/);
  });
});

describe('TFL pairs', () => {
  it('arms a green-red pair at the close of its second bar', () => {
    const h = harness();
    h.bars(GREEN_0915);
    expect(phase(h)).toBe('IDLE');
    h.bars(RED_0930);
    const s = h.tfl.snapshot().symbols[0];
    expect(s?.state).toEqual({
      phase: 'ARMED',
      pair: {
        firstStartMs: at('09:15'),
        secondStartMs: at('09:30'),
        highPaise: 100300,
        lowPaise: 99900,
        long: true,
        short: false,
        rangePct: (400 * 100) / 100050,
      },
    });
  });

  it('arms a red-green pair too', () => {
    const h = harness();
    h.bars(bar('09:15', 1001.5, 1003, 1000, 1000.5), bar('09:30', 1000.5, 1002, 999, 1001.5));
    expect(phase(h)).toBe('ARMED');
  });

  it('never pairs two bars of the same colour', () => {
    const h = harness();
    h.bars(GREEN_0915, bar('09:30', 1001.5, 1003, 1001, 1002.5));
    expect(phase(h)).toBe('IDLE');
  });

  it('never pairs a doji, first or second', () => {
    const h = harness();
    h.bars(bar('09:15', 1000, 1002, 999, 1000), RED_0930);
    expect(phase(h)).toBe('IDLE');
    const h2 = harness();
    h2.bars(GREEN_0915, bar('09:30', 1001.5, 1003, 1000, 1001.5));
    expect(phase(h2)).toBe('IDLE');
  });

  it('does not pair bars that are not consecutive (a missing bar breaks the pair)', () => {
    const h = harness();
    h.bars(GREEN_0915, bar('09:45', 1001.5, 1003, 1000, 1000.5));
    expect(phase(h)).toBe('IDLE');
  });

  it('ignores a new pair while one is armed (lock first)', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930); // armed: 999–1003
    // 09:45 green + 10:00 red would form a tighter pair 1000.2–1002.4; it must be ignored.
    h.bars(bar('09:45', 1000.5, 1002.4, 1000.2, 1002), bar('10:00', 1002, 1002.2, 1000.5, 1001));
    // A close above the tighter pair's high but not above the armed pair's high: no entry.
    h.bars(bar('10:15', 1001, 1003, 1000.8, 1002.8));
    expect(h.out.intents).toEqual([]);
    const s = h.tfl.snapshot().symbols[0];
    expect(s?.state.phase === 'ARMED' && s.state.pair.firstStartMs).toBe(at('09:15'));
    h.bars(bar('10:30', 1002.8, 1003.5, 1002.5, 1003.2));
    expect(h.out.entries).toHaveLength(1);
  });

  it('ignores new pairs while a position is open', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.fill('LONG', '10:00', 1003.6, 999);
    h.bars(bar('10:00', 1003.6, 1004, 1003, 1003.8), bar('10:15', 1003.8, 1004, 1003, 1003.2));
    expect(phase(h)).toBe('OPEN');
  });

  describe('range filter on (pairHigh − pairLow) / close', () => {
    // close 1000, pairHigh − pairLow = 8 → exactly 0.8 %.
    it('arms a pair exactly at the 0.8 % maximum', () => {
      const h = harness();
      h.bars(bar('09:15', 996, 1003, 995, 1001), bar('09:30', 1001, 1002, 997, 1000));
      expect(phase(h)).toBe('ARMED');
    });
    it('skips a pair above the 0.8 % maximum', () => {
      const h = harness();
      h.bars(bar('09:15', 996, 1003.05, 995, 1001), bar('09:30', 1001, 1002, 997, 1000));
      expect(phase(h)).toBe('IDLE');
    });
    it('arms a pair exactly at the 0.05 % minimum', () => {
      const h = harness();
      h.bars(bar('09:15', 999.8, 1000.3, 999.8, 1000.1), bar('09:30', 1000.1, 1000.3, 999.9, 1000));
      expect(phase(h)).toBe('ARMED');
    });
    it('skips a pair below the 0.05 % minimum', () => {
      const h = harness();
      h.bars(bar('09:15', 999.8, 1000.25, 999.8, 1000.1), bar('09:30', 1000.1, 1000.2, 999.9, 1000));
      expect(phase(h)).toBe('IDLE');
    });
    it('takes its bounds from the params', () => {
      const h = harness({ maxRangePct: 0.3 });
      h.bars(GREEN_0915, RED_0930);
      expect(phase(h)).toBe('IDLE');
    });
  });

  describe('bias filter', () => {
    const up = bar('09:45', 1000.5, 1004, 1000.2, 1003.5);
    const down = bar('09:45', 1000.5, 1001, 998, 998.5);

    it('LONGS_ONLY arms only the long side', () => {
      const h = harness({}, 'LONGS_ONLY');
      h.bars(GREEN_0915, RED_0930, down);
      expect(h.out.intents).toEqual([]);
      h.bars(bar('10:00', 998.5, 1004, 998, 1003.5));
      expect(h.out.entries.map((e) => e.direction)).toEqual(['LONG']);
    });
    it('SHORTS_ONLY arms only the short side', () => {
      const h = harness({}, 'SHORTS_ONLY');
      h.bars(GREEN_0915, RED_0930, up);
      expect(h.out.intents).toEqual([]);
      h.bars(bar('10:00', 1003.5, 1004, 998, 998.5));
      expect(h.out.entries.map((e) => e.direction)).toEqual(['SHORT']);
    });
    it('NO_TRADES arms nothing', () => {
      const h = harness({}, 'NO_TRADES');
      h.bars(GREEN_0915, RED_0930);
      expect(phase(h)).toBe('IDLE');
    });
    it('no bias for the day means no entries', () => {
      const h = harness({}, null);
      h.bars(GREEN_0915, RED_0930, up);
      expect(phase(h)).toBe('IDLE');
      expect(h.out.intents).toEqual([]);
    });
    it('with requireBias off and no bias, arms both sides', () => {
      const h = harness({ requireBias: false }, null);
      h.bars(GREEN_0915, RED_0930, down);
      expect(h.out.entries.map((e) => e.direction)).toEqual(['SHORT']);
    });
    it('does not trigger an armed side the bias no longer allows', () => {
      const h = harness();
      h.bars(GREEN_0915, RED_0930);
      h.tfl.setBias('NO_TRADES');
      h.bars(up);
      expect(h.out.intents).toEqual([]);
    });
  });
});

describe('TFL trigger', () => {
  it('enters long when a later bar closes strictly above pairHigh, at that close', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5, 4000));
    expect(h.out.intents).toHaveLength(1);
    const e = h.out.entries[0];
    expect(e).toMatchObject({
      kind: 'ENTER',
      strategy: 'tfl',
      symbol: 'ACME',
      direction: 'LONG',
      signalBarMs: at('09:45'),
      decidedAtMs: at('10:00'),
      stopPaise: 99900,
      refPricePaise: 100350,
      targetR: 10,
      rangePct: (400 * 100) / 100050,
      relVolume: 2, // 4000 / mean(1000, 3000)
    });
    expect(e?.reason).toContain('closed 1003.50 > pair high 1003.00');
    expect(phase(h)).toBe('PENDING');
  });

  it('journals the entry as plain JSON with its reason, and exactly the ENTER fields', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5, 4000));
    const e = h.out.entries[0];
    const stored = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(
      ['decidedAtMs', 'direction', 'kind', 'rangePct', 'reason', 'refPricePaise', 'relVolume', 'signalBarMs', 'stopPaise', 'strategy', 'symbol', 'targetR'],
    );
    expect(stored.reason).toBe('TFL long: 09:45 bar closed 1003.50 > pair high 1003.00 (pair 09:15+09:30, range 0.400 %, stop 999.00, rel. volume 2.00)');
    expect(Object.keys(e ?? {})).not.toContain('reason'); // formatted when read, not when decided
  });

  it('never triggers on a close equal to pairHigh', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003));
    expect(h.out.intents).toEqual([]);
    expect(phase(h)).toBe('ARMED');
  });

  it('never triggers on a close equal to pairLow', () => {
    const h = harness({}, 'SHORTS_ONLY');
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 999));
    expect(h.out.intents).toEqual([]);
  });

  it('never triggers on a wick alone', () => {
    const h = harness({ requireBias: false }, null);
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1010, 990, 1001));
    expect(h.out.intents).toEqual([]);
  });

  it('triggers on any later bar, not only the next one', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1002, 1000, 1001), bar('10:00', 1001, 1003.5, 1000.8, 1003.05));
    expect(h.out.entries[0]?.signalBarMs).toBe(at('10:00'));
  });

  it('enters short below pairLow with the stop on pairHigh', () => {
    const h = harness({}, 'SHORTS_ONLY');
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 998.5));
    expect(h.out.entries[0]).toMatchObject({ direction: 'SHORT', stopPaise: 100300, refPricePaise: 99850 });
  });

  it('puts the stop beyond the pair by the buffer, snapped away from the market to the tick grid', () => {
    const long = harness({ stopBufferPaise: 7 });
    long.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    expect(long.out.entries[0]?.stopPaise).toBe(99890); // 99900 − 7 = 99893 → down to 99890
    const short = harness({ stopBufferPaise: 7 }, 'SHORTS_ONLY');
    short.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 998.5));
    expect(short.out.entries[0]?.stopPaise).toBe(100310); // 100300 + 7 = 100307 → up to 100310
  });

  it('emits one entry per trigger and waits for the fill (no second entry while pending)', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5), bar('10:00', 1003.5, 1006, 1003, 1005));
    expect(h.out.entries).toHaveLength(1);
  });

  describe('scan window', () => {
    it('accepts a trigger bar that closes exactly at the 14:30 deadline', () => {
      const h = harness();
      h.bars(bar('13:45', 1000, 1002, 999, 1001.5), bar('14:00', 1001.5, 1003, 1000, 1000.5), bar('14:15', 1000.5, 1004, 1000, 1003.5));
      expect(h.out.entries[0]?.decidedAtMs).toBe(at('14:30'));
    });
    it('never enters on a bar that closes after the deadline', () => {
      const h = harness();
      h.bars(
        bar('13:45', 1000, 1002, 999, 1001.5),
        bar('14:00', 1001.5, 1003, 1000, 1000.5),
        bar('14:15', 1000.5, 1002, 1000, 1001),
        bar('14:30', 1001, 1004, 1000, 1003.5),
      );
      expect(h.out.intents).toEqual([]);
      expect(phase(h)).toBe('IDLE');
    });
    it('does not arm a pair that no bar could trigger before the deadline', () => {
      const h = harness();
      h.bars(bar('14:00', 1000, 1002, 999, 1001.5), bar('14:15', 1001.5, 1003, 1000, 1000.5));
      expect(phase(h)).toBe('IDLE');
    });
    it('ignores a pair whose first bar starts before 09:15', () => {
      const h = harness();
      h.bars(bar('09:00', 1000, 1002, 999, 1001.5), bar('09:15', 1001.5, 1003, 1000, 1000.5));
      expect(phase(h)).toBe('IDLE');
    });
    it('takes the scan start from the params', () => {
      const h = harness({ scanStart: '09:30' });
      h.bars(GREEN_0915, RED_0930);
      expect(phase(h)).toBe('IDLE');
    });
  });

  describe('relative volume', () => {
    it('is the trigger volume over the mean of up to 20 previous bars', () => {
      const h = harness({ relVolumeLookback: 2 });
      h.bars(bar('09:15', 1000, 1000.5, 999.5, 1000, 9000)); // falls out of a 2-bar lookback
      h.bars(
        bar('09:30', 1000, 1002, 999, 1001.5, 1000),
        bar('09:45', 1001.5, 1003, 1000, 1000.5, 3000),
        bar('10:00', 1000.5, 1004, 1000.2, 1003.5, 1000),
      );
      expect(h.out.entries[0]?.relVolume).toBe(0.5);
    });
    it('is 1 when the data has no volume', () => {
      const h = harness();
      h.bars(bar('09:15', 1000, 1002, 999, 1001.5), bar('09:30', 1001.5, 1003, 1000, 1000.5), bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
      expect(h.out.entries[0]?.relVolume).toBe(1);
    });
  });
});

describe('TFL position management', () => {
  // Long from 1003.60 with the stop at 999: R = 4.60; +1 R = 1008.20; target = 1049.60.
  function longOpen(params = {}) {
    const h = harness(params);
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.out.clear();
    h.fill('LONG', '10:00', 1003.6, 999);
    return h;
  }

  it('exits at once when the fill is at the stop (STOP_AT_ENTRY)', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.out.clear();
    h.fill('LONG', '10:00', 999, 999);
    expect(h.out.intents).toEqual([
      { kind: 'EXIT', strategy: 'tfl', symbol: 'ACME', decidedAtMs: at('10:00'), fraction: 1, reason: 'STOP_AT_ENTRY' },
    ]);
  });

  it('exits at once when a short fills beyond its stop (gap up)', () => {
    const h = harness({}, 'SHORTS_ONLY');
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 998.5));
    h.out.clear();
    h.fill('SHORT', '10:00', 1004, 1003);
    expect(h.out.intents.map((i) => i.kind === 'EXIT' && i.reason)).toEqual(['STOP_AT_ENTRY']);
    h.tick('10:00', 900, 5);
    expect(h.out.intents).toHaveLength(1);
  });

  it('emits nothing for ticks between the stop and +1 R (the broker holds the stop)', () => {
    const h = longOpen();
    h.tick('10:00', 1000, 1);
    h.tick('10:00', 999, 2);
    h.tick('10:00', 1008.15, 3);
    expect(h.out.intents).toEqual([]);
  });

  it('moves the stop to breakeven once, at +1 R', () => {
    const h = longOpen();
    h.tick('10:00', 1008.2, 1);
    h.tick('10:00', 1009, 2);
    h.tick('10:00', 1004, 3);
    h.tick('10:00', 1010, 4);
    expect(h.out.intents).toEqual([
      { kind: 'MOVE_STOP', strategy: 'tfl', symbol: 'ACME', stopPaise: 100360, decidedAtMs: at('10:00') + 1000, reason: 'BREAKEVEN' },
    ]);
  });

  it('exits at the target (entry + 10 R) touched by a tick, and only once', () => {
    const h = longOpen();
    h.tick('10:00', 1049.55, 1);
    expect(h.out.intents.map((i) => i.kind)).toEqual(['MOVE_STOP']);
    h.tick('10:00', 1049.6, 2);
    h.tick('10:00', 1050, 3);
    expect(h.out.intents.map((i) => (i.kind === 'EXIT' ? i.reason : i.kind))).toEqual(['MOVE_STOP', 'TARGET']);
  });

  it('exits a short at its target below', () => {
    const h = harness({}, 'SHORTS_ONLY');
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 998.5));
    h.out.clear();
    h.fill('SHORT', '10:00', 998.4, 1003); // R = 4.60, target 952.40
    h.tick('10:00', 952.4, 1);
    expect(h.out.intents.filter((i) => i.kind === 'EXIT')).toMatchObject([{ reason: 'TARGET', fraction: 1 }]);
  });

  it('trails to each completed bar low after breakeven and never loosens', () => {
    const h = longOpen();
    h.tick('10:00', 1008.2, 1); // breakeven → 1003.60
    h.bars(bar('10:00', 1003.6, 1009, 1004, 1008.5));
    h.bars(bar('10:15', 1008.5, 1010, 1003, 1009)); // lower low: no move
    h.bars(bar('10:30', 1009, 1012, 1006.05, 1011));
    expect(h.out.intents.map((i) => (i.kind === 'MOVE_STOP' ? `${i.reason}@${i.stopPaise}` : i.kind))).toEqual([
      'BREAKEVEN@100360',
      'TRAIL@100400',
      'TRAIL@100605',
    ]);
  });

  it('does not trail before breakeven by default; does with startAfter entry', () => {
    const h = longOpen();
    h.bars(bar('10:00', 1003.6, 1005, 1001, 1004));
    expect(h.out.intents).toEqual([]);
    const e = longOpen({ trailing: { startAfter: 'entry' } });
    e.bars(bar('10:00', 1003.6, 1005, 1001, 1004));
    expect(e.out.intents).toMatchObject([{ kind: 'MOVE_STOP', reason: 'TRAIL', stopPaise: 100100 }]);
  });

  it('does not trail on a bar that completed before the entry', () => {
    const h = harness({ trailing: { startAfter: 'entry' } });
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.out.clear();
    h.fill('LONG', '10:05', 1003.6, 999);
    // A late bar delivery for 09:45 (closed 10:00, before the 10:05 fill) must not move the stop.
    h.tfl.onBar(0, 15, bar('09:45', 1000.5, 1004, 1000.2, 1003.5), h.out);
    expect(h.out.intents).toEqual([]);
  });

  it('trails a short to each completed bar high', () => {
    const h = harness({}, 'SHORTS_ONLY');
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1001, 998, 998.5));
    h.out.clear();
    h.fill('SHORT', '10:00', 998.4, 1003);
    h.tick('10:00', 993.8, 1); // +1 R → breakeven 998.40
    h.bars(bar('10:00', 998.4, 997.9, 993, 994));
    h.bars(bar('10:15', 994, 999, 992, 993)); // higher high: no move
    expect(h.out.intents.map((i) => (i.kind === 'MOVE_STOP' ? `${i.reason}@${i.stopPaise}` : i.kind))).toEqual([
      'BREAKEVEN@99840',
      'TRAIL@99790',
    ]);
  });

  it('in ATR mode trails at the extreme since entry minus 1.5 × ATR(14)', () => {
    const h = harness({ trailing: { mode: 'atr', startAfter: 'entry' } });
    // 14 warm-up bars of true range 2 (no pairs: all green).
    const warm: ReturnType<typeof bar>[] = [];
    for (let i = 0; i < 14; i++) {
      const start = at('09:15') - (14 - i) * 15 * 60_000;
      warm.push({ startMs: start, open: 1000, high: 1001, low: 999, close: 1000.5, volume: 0 });
    }
    h.bars(...warm);
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.out.clear();
    h.fill('LONG', '10:00', 1003.6, 999);
    h.tick('10:00', 1007, 1); // extreme 1007 (below +1 R: no breakeven)
    h.tick('10:00', 1005, 2);
    h.bars(bar('10:00', 1003.6, 1007, 1003.5, 1005));
    const atr = new Atr(14);
    for (const b of [...warm, GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5), bar('10:00', 1003.6, 1007, 1003.5, 1005)]) {
      atr.update(b.high, b.low, b.close);
    }
    const expected = snapDown(100700 - 1.5 * atr.value * 100, 5);
    expect(expected).toBeGreaterThan(99900);
    expect(h.out.intents).toEqual([
      { kind: 'MOVE_STOP', strategy: 'tfl', symbol: 'ACME', stopPaise: expected, decidedAtMs: at('10:15'), reason: 'TRAIL_ATR' },
    ]);
  });

  it('takes the optional partial (50 % at +2 R) once, only when enabled', () => {
    const off = longOpen();
    off.tick('10:00', 1012.8, 1);
    expect(off.out.intents.filter((i) => i.kind === 'EXIT')).toEqual([]);
    const on = longOpen({ partialProfit: { enabled: true } });
    on.tick('10:00', 1012.8, 1); // +2 R = 1003.60 + 9.20
    on.tick('10:00', 1013, 2);
    expect(on.out.intents.filter((i) => i.kind === 'EXIT')).toMatchObject([{ reason: 'PARTIAL_TARGET', fraction: 0.5 }]);
  });
});

describe('TFL trades per day and re-arming', () => {
  function trade(h: ReturnType<typeof harness>, pair1: string, pair2: string, trigger: string, exit: string): void {
    h.bars(
      bar(pair1, 1000, 1002, 999, 1001.5),
      bar(pair2, 1001.5, 1003, 1000, 1000.5),
      bar(trigger, 1000.5, 1004, 1000.2, 1003.5),
    );
    h.fill('LONG', exit, 1003.6, 999);
    h.close(exit, 60);
  }

  it('allows two trades per symbol per day, then arms nothing', () => {
    const h = harness();
    trade(h, '09:15', '09:30', '09:45', '10:00');
    trade(h, '10:15', '10:30', '10:45', '11:00');
    expect(h.out.entries).toHaveLength(2);
    h.bars(bar('11:15', 1000, 1002, 999, 1001.5), bar('11:30', 1001.5, 1003, 1000, 1000.5));
    expect(phase(h)).toBe('IDLE');
  });

  it('needs the next pair after an exit to start after the exit time', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.fill('LONG', '10:00', 1003.6, 999);
    h.close('10:20'); // stopped out inside the 10:15 bar
    h.bars(bar('10:15', 1000, 1002, 999, 1001.5), bar('10:30', 1001.5, 1003, 1000, 1000.5));
    expect(phase(h)).toBe('IDLE'); // first bar 10:15 started before the exit
    h.bars(bar('10:45', 1000.5, 1002, 999.5, 1001.8));
    expect(phase(h)).toBe('ARMED'); // 10:30 red + 10:45 green
  });

  it('does not count a bar starting exactly at the exit time as after it', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.fill('LONG', '10:00', 1003.6, 999);
    h.close('10:30');
    h.bars(bar('10:30', 1000, 1002, 999, 1001.5), bar('10:45', 1001.5, 1003, 1000, 1000.5));
    expect(phase(h)).toBe('IDLE');
  });

  it('consumes the pair when the entry is abandoned, and re-arms only on later bars', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.tfl.onEntryAbandoned(0, at('10:00'), 'RISK_BUDGET');
    expect(phase(h)).toBe('IDLE');
    h.bars(bar('10:00', 1003.5, 1005, 1003, 1004.5));
    expect(h.out.entries).toHaveLength(1); // the consumed pair does not trigger again
    expect(phase(h)).toBe('IDLE'); // 09:45 green + 10:00 green: no pair anyway
    h.bars(bar('10:15', 1004.5, 1005, 1003, 1003.5));
    expect(phase(h)).toBe('ARMED'); // 10:00 green + 10:15 red, both after the trigger bar
  });

  it('does not count an abandoned entry as a trade', () => {
    const h = harness();
    h.bars(GREEN_0915, RED_0930, bar('09:45', 1000.5, 1004, 1000.2, 1003.5));
    h.tfl.onEntryAbandoned(0, at('10:00'), 'RISK_BUDGET');
    expect(h.tfl.snapshot().symbols[0]?.tradesToday).toBe(0);
  });

  it('resets the day at a new session, but not when the same session is announced again', () => {
    const h = harness();
    trade(h, '09:15', '09:30', '09:45', '10:00');
    trade(h, '10:15', '10:30', '10:45', '11:00');
    h.tfl.onSessionStart(DAY, at('09:15'));
    expect(h.tfl.snapshot().symbols[0]?.tradesToday).toBe(2);
    h.tfl.onSessionStart(DAY2, at('09:15', DAY2));
    expect(h.tfl.snapshot().symbols[0]?.tradesToday).toBe(0);
    h.tfl.onBar(0, 15, bar('09:15', 1000, 1002, 999, 1001.5, 0, DAY2), h.out);
    h.tfl.onBar(0, 15, bar('09:30', 1001.5, 1003, 1000, 1000.5, 0, DAY2), h.out);
    expect(phase(h)).toBe('ARMED');
  });

  it('ignores bars of other timeframes', () => {
    const h = harness();
    h.tfl.onBar(0, 5, GREEN_0915, h.out);
    h.tfl.onBar(0, 5, RED_0930, h.out);
    expect(phase(h)).toBe('IDLE');
  });
});

describe('TFL strategy contract', () => {
  it('addresses symbols by dense index and rejects gaps', () => {
    const tfl = new TflStrategy(DEFAULT_TFL_PARAMS);
    expect(() => tfl.addSymbol(1, 'X', 5)).toThrow(/densely/);
    tfl.addSymbol(0, 'X', 5);
    expect(() => tfl.onBar(3, 15, GREEN_0915, new Recorder())).toThrow(/unknown symbol/);
  });

  it('asks only for its timeframe', () => {
    expect(new TflStrategy(parseTflParams({ timeframeMinutes: 5 })).timeframes).toEqual([5]);
  });

  it('uses exact paise for levels from float rupee bars', () => {
    const h = harness();
    h.bars(bar('09:15', 1000, 1002.1 + 1e-9, 999.15, 1001.5), RED_0930);
    const s = h.tfl.snapshot().symbols[0];
    expect(s?.state.phase === 'ARMED' && s.state.pair.lowPaise).toBe(toPaise(999.15));
  });
});
