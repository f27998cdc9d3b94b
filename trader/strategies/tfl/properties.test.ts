import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../domain/bar';
import { candleColour } from '../../domain/bar';
import type { Bias } from '../../domain/intent';
import { toPaise } from '../../domain/money';
import { istMinuteOfDay } from '../../domain/time';
import { parseTflParams } from './params';
import { TflStrategy } from './strategy';
import { DAY, Recorder, at } from './test-support';

/**
 * Properties of the entry rules over arbitrary days of bars (prices on a 0.05 grid around
 * ₹1,000). Entries are filled on the next bar's open and closed at that bar's close, or
 * abandoned, at random; every entry must then be explainable by §1 on the bars alone.
 */

const TF_MS = 15 * 60_000;

const barsArb = fc
  .array(
    fc.record({
      open: fc.integer({ min: -60, max: 60 }),
      close: fc.integer({ min: -60, max: 60 }),
      up: fc.integer({ min: 0, max: 40 }),
      down: fc.integer({ min: 0, max: 40 }),
      volume: fc.integer({ min: 0, max: 5000 }),
    }),
    { minLength: 2, maxLength: 25 },
  )
  .map((raw) =>
    raw.map((r, i): Bar => {
      // Steps of 5 paise around 1000.00, so the range filter passes often but not always.
      const open = 100_000 + r.open * 5;
      const close = 100_000 + r.close * 5;
      return {
        startMs: at('09:15') + i * TF_MS,
        open: open / 100,
        close: close / 100,
        high: (Math.max(open, close) + r.up * 5) / 100,
        low: (Math.min(open, close) - r.down * 5) / 100,
        volume: r.volume,
      };
    }),
  );

const biasArb = fc.constantFrom<Bias | null>('LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES', null);

describe('TFL entry properties', () => {
  it('every entry follows a valid armed pair, triggers strictly beyond it, and respects every filter', () => {
    let entriesSeen = 0;
    fc.assert(
      fc.property(barsArb, biasArb, fc.boolean(), fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), (bars, bias, requireBias, fills) => {
        const params = parseTflParams({ requireBias, stopBufferPaise: 5 });
        const tfl = new TflStrategy(params);
        tfl.addSymbol(0, 'ACME', 5);
        tfl.setBias(bias);
        tfl.onSessionStart(DAY, at('09:15'));
        const out = new Recorder();
        let filledTrades = 0;
        let lastExitMs = -Infinity;
        const firstBarAfterExit: number[] = [];

        for (let k = 0; k < bars.length; k++) {
          const b = bars[k];
          if (b === undefined) continue;
          const before = out.intents.length;
          tfl.onBar(0, 15, b, out);
          const entry = out.intents.slice(before).find((i) => i.kind === 'ENTER');
          if (entry?.kind !== 'ENTER') continue;

          entriesSeen += 1;
          const long = entry.direction === 'LONG';
          const close = toPaise(b.close);
          // The trigger is this bar's close, strictly beyond a pair of consecutive earlier bars.
          expect(entry.signalBarMs).toBe(b.startMs);
          expect(entry.refPricePaise).toBe(close);
          expect(istMinuteOfDay(b.startMs + TF_MS)).toBeLessThanOrEqual(14 * 60 + 30);
          const pairs = [];
          for (let j = 1; j < k; j++) {
            const p1 = bars[j - 1];
            const p2 = bars[j];
            if (p1 === undefined || p2 === undefined) continue;
            const c1 = candleColour(p1);
            const c2 = candleColour(p2);
            if (c1 === 'DOJI' || c2 === 'DOJI' || c1 === c2) continue;
            if (p1.startMs <= lastExitMs) continue;
            const hi = Math.max(toPaise(p1.high), toPaise(p2.high));
            const lo = Math.min(toPaise(p1.low), toPaise(p2.low));
            const rangePct = ((hi - lo) * 100) / toPaise(p2.close);
            if (rangePct > 0.8 || rangePct < 0.05) continue;
            if (long ? !(close > hi) : !(close < lo)) continue;
            if (entry.stopPaise !== (long ? lo - 5 : hi + 5)) continue;
            if (entry.rangePct !== rangePct) continue;
            pairs.push(j);
          }
          expect(pairs.length, `entry at bar ${k} has no valid pair behind it`).toBeGreaterThan(0);
          // Bias: the side must be allowed.
          if (bias === null) expect(requireBias).toBe(false);
          else expect(bias).toBe(long ? 'LONGS_ONLY' : 'SHORTS_ONLY');

          const next = bars[k + 1];
          if (fills[k] === true && next !== undefined) {
            filledTrades += 1;
            const fill = toPaise(next.open);
            const risk = Math.abs(fill - entry.stopPaise);
            tfl.onPositionOpened(
              0,
              {
                direction: entry.direction,
                qty: 1,
                entryTimeMs: next.startMs,
                entryPricePaise: fill,
                stopPaise: entry.stopPaise,
                riskPerUnitPaise: risk,
                targetPaise: long ? fill + 10 * risk : fill - 10 * risk,
              },
              out,
            );
            lastExitMs = next.startMs + TF_MS - 1;
            tfl.onPositionClosed(0, lastExitMs);
            firstBarAfterExit.push(k + 2);
          } else {
            tfl.onEntryAbandoned(0, entry.decidedAtMs, 'RISK_BUDGET');
            lastExitMs = Math.max(lastExitMs, entry.signalBarMs);
          }
        }
        expect(filledTrades).toBeLessThanOrEqual(params.maxTradesPerSymbolPerDay);
      }),
      { numRuns: 1000 },
    );
    // Not vacuous: the generated days produce plenty of entries.
    expect(entriesSeen).toBeGreaterThan(100);
  });

  it('never moves a stop the wrong way', () => {
    let movesSeen = 0;
    fc.assert(
      fc.property(barsArb, fc.constantFrom<'bar' | 'atr'>('bar', 'atr'), fc.constantFrom<'breakeven' | 'entry'>('breakeven', 'entry'), (bars, mode, startAfter) => {
        const tfl = new TflStrategy(parseTflParams({ requireBias: false, trailing: { mode, startAfter, atrPeriod: 3 } }));
        tfl.addSymbol(0, 'ACME', 5);
        tfl.setBias(null);
        tfl.onSessionStart(DAY, at('09:15'));
        const out = new Recorder();
        let stop: number | null = null;
        let long = true;
        for (let k = 0; k < bars.length; k++) {
          const b = bars[k];
          if (b === undefined) continue;
          const before = out.intents.length;
          if (stop !== null) {
            // Walk the bar's ticks: open, high, low, close.
            for (const p of [b.open, b.high, b.low, b.close]) tfl.onTick(0, b.startMs + 1, toPaise(p), out);
          }
          tfl.onBar(0, 15, b, out);
          for (const i of out.intents.slice(before)) {
            if (i.kind === 'ENTER') {
              long = i.direction === 'LONG';
              const fill = toPaise(b.close);
              stop = i.stopPaise;
              tfl.onPositionOpened(
                0,
                {
                  direction: i.direction,
                  qty: 1,
                  entryTimeMs: b.startMs + TF_MS,
                  entryPricePaise: fill,
                  stopPaise: i.stopPaise,
                  riskPerUnitPaise: Math.abs(fill - i.stopPaise),
                  targetPaise: long ? fill + 30 * Math.abs(fill - i.stopPaise) : fill - 30 * Math.abs(fill - i.stopPaise),
                },
                out,
              );
            } else if (i.kind === 'MOVE_STOP') {
              expect(stop).not.toBeNull();
              if (stop !== null) expect(long ? i.stopPaise > stop : i.stopPaise < stop).toBe(true);
              expect(i.stopPaise % 5).toBe(0);
              movesSeen += 1;
              stop = i.stopPaise;
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
    // Not vacuous. 300 runs saw 48–108 moves across seeds, so a threshold of 50 failed about once
    // in fifty runs; 1000 runs see ~250, far from this bound.
    expect(movesSeen).toBeGreaterThan(100);
  });
});
