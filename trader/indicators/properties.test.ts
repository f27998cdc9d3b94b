import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Atr } from './atr';
import { Bollinger } from './bollinger';
import { Ema } from './ema';
import { EmaStage } from './ema-stage';
import { Macd } from './macd';
import { Rsi } from './rsi';
import { Sma } from './sma';
import { SWING_HIGH, SWING_LOW, Swing } from './swing';
import { SessionVwap } from './vwap';
import { ZeroLagMacd } from './zero-lag-macd';

// Property tests on random series: each compares with a naive, obviously-correct computation or
// checks an invariant that a wrong formula would break.
const price = fc.double({ min: 1, max: 100_000, noNaN: true, noDefaultInfinity: true });
const prices = (min = 1, max = 300) => fc.array(price, { minLength: min, maxLength: max });
const bar = fc
  .tuple(price, fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([mid, up, down, where]) => {
    const high = mid * (1 + up);
    const low = mid * (1 - down);
    return { high, low, close: low + (high - low) * where };
  });
const bars = (min = 1, max = 200) => fc.array(bar, { minLength: min, maxLength: max });

function near(a: number, b: number, rel: number, abs = 0): boolean {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)));
}

describe('moving averages (SMA, EMA, MACD, zero-lag MACD)', () => {
  it('SMA equals the naive mean of the last `period` inputs', () => {
    fc.assert(
      fc.property(prices(), fc.integer({ min: 1, max: 40 }), (xs, period) => {
        const sma = new Sma(period);
        xs.forEach((x, i) => {
          sma.update(x);
          const v = sma.value;
          if (i + 1 < period) return expect(v).toBeNaN();
          const window = xs.slice(i + 1 - period, i + 1);
          const mean = window.reduce((s, y) => s + y, 0) / period;
          expect(near(v, mean, 1e-9)).toBe(true);
        });
      }),
    );
  });

  it('EMA equals the textbook recursion seeded with the SMA, and stays within the range of its inputs', () => {
    fc.assert(
      fc.property(prices(), fc.integer({ min: 1, max: 40 }), (xs, period) => {
        const ema = new Ema(period);
        const alpha = 2 / (period + 1);
        let want = Number.NaN;
        xs.forEach((x, i) => {
          ema.update(x);
          const v = ema.value;
          if (i + 1 === period) want = xs.slice(0, period).reduce((s, y) => s + y, 0) / period;
          else if (i + 1 > period) want = alpha * x + (1 - alpha) * want;
          if (i + 1 < period) return expect(v).toBeNaN();
          expect(near(v, want, 1e-9)).toBe(true);
          const seen = xs.slice(0, i + 1);
          expect(v).toBeGreaterThanOrEqual(Math.min(...seen) * (1 - 1e-12));
          expect(v).toBeLessThanOrEqual(Math.max(...seen) * (1 + 1e-12));
        });
      }),
    );
  });

  it('Ema (state advanced every second input) equals the one-step EmaStage, through replace and snapshot/restore at either parity', () => {
    fc.assert(
      fc.property(prices(), fc.integer({ min: 1, max: 30 }), fc.array(fc.tuple(fc.nat(), fc.double({ min: 1, max: 50_000, noNaN: true })), { maxLength: 8 }), (xs, period, edits) => {
        let two = new Ema(period);
        const one = new EmaStage(period);
        const replaceAt = new Map(edits.map(([at, y]) => [at % Math.max(1, xs.length), y]));
        xs.forEach((x, i) => {
          two.update(x);
          one.update(x);
          const y = replaceAt.get(i);
          if (y !== undefined) {
            two.replace(y);
            one.replace(y);
          }
          if (i % 3 === 1) {
            // Continue from a JSON round trip of the snapshot, at whatever parity this input left.
            const restored = new Ema(period);
            restored.restore(JSON.parse(JSON.stringify(two.snapshot())));
            two = restored;
          }
          expect(two.isStable).toBe(one.isStable);
          if (!one.isStable) return expect(two.value).toBeNaN();
          expect(near(two.value, one.value, 1e-12)).toBe(true);
        });
      }),
    );
  });

  it('MACD line = EMA(fast) − EMA(slow) and histogram = line − signal; a constant series gives 0', () => {
    fc.assert(
      fc.property(prices(40, 200), fc.integer({ min: 2, max: 10 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 8 }), (xs, fast, extra, signal) => {
        const slow = fast + extra;
        const m = new Macd(fast, slow, signal);
        const f = new EmaStage(fast);
        const s = new EmaStage(slow);
        for (const x of xs) {
          m.update(x);
          f.update(x);
          s.update(x);
          const line = f.value - s.value;
          if (!m.isStable) continue;
          expect(m.macd).toBe(line);
          expect(m.histogram).toBe(m.macd - m.signal);
        }
        const flat = new Macd(fast, slow, signal);
        const flatZ = new ZeroLagMacd(fast, slow, signal);
        for (let i = 0; i < 2 * slow + 2 * signal; i++) {
          flat.update(xs[0] ?? 1);
          flatZ.update(xs[0] ?? 1);
        }
        expect(Math.abs(flat.histogram)).toBeLessThanOrEqual(1e-9 * (xs[0] ?? 1));
        expect(Math.abs(flatZ.macd)).toBeLessThanOrEqual(1e-9 * (xs[0] ?? 1));
      }),
    );
  });

  it('zero-lag EMA tracks a linear trend with no lag, where the plain EMA lags', () => {
    fc.assert(
      fc.property(fc.double({ min: 100, max: 50_000, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (start, slope) => {
        fc.pre(Math.abs(slope) > 0.01);
        const z = new ZeroLagMacd(5, 13, 4);
        const f = new Ema(5);
        let last = 0;
        for (let i = 0; i < 400; i++) {
          last = start + slope * i;
          z.update(last);
          f.update(last);
        }
        // For a line, EMA(n) lags by slope·(n − 1)/2, DEMA by 0: the zero-lag MACD line is 0 while
        // the EMA-based one is slope·(slow − fast)/2.
        expect(Math.abs(z.macd)).toBeLessThan(1e-6 * start);
        expect(Math.abs(f.value - (last - (slope * 4) / 2))).toBeLessThan(1e-6 * start);
      }),
    );
  });
});

describe('oscillators and volatility (RSI, ATR, Bollinger)', () => {
  it('RSI stays within [0, 100], is 100 on a rising series and 0 on a falling one', () => {
    fc.assert(
      fc.property(prices(2, 300), fc.integer({ min: 1, max: 30 }), (xs, period) => {
        const rsi = new Rsi(period);
        for (const x of xs) {
          rsi.update(x);
          const v = rsi.value;
          if (rsi.isStable) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(100);
          }
        }
        const up = new Rsi(period);
        const down = new Rsi(period);
        for (let i = 0; i <= period + 5; i++) {
          up.update(100 + i);
          down.update(100 - i * 0.5);
        }
        expect(up.value).toBe(100);
        expect(down.value).toBe(0);
      }),
    );
  });

  it('ATR is ≥ 0 and never above the largest true range seen', () => {
    fc.assert(
      fc.property(bars(1, 200), fc.integer({ min: 1, max: 30 }), (bs, period) => {
        const atr = new Atr(period);
        let maxTr = 0;
        let prevClose = Number.NaN;
        for (const b of bs) {
          atr.update(b.high, b.low, b.close);
          const v = atr.value;
          const tr = Number.isNaN(prevClose) ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - prevClose), Math.abs(b.low - prevClose));
          expect(atr.trueRange).toBe(tr);
          maxTr = Math.max(maxTr, tr);
          prevClose = b.close;
          if (!atr.isStable) continue;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(maxTr * (1 + 1e-12));
        }
      }),
    );
  });

  it('Bollinger: upper ≥ middle ≥ lower; middle and σ equal the naive mean and population σ', () => {
    fc.assert(
      fc.property(prices(1, 300), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 4, noNaN: true }), (xs, period, k) => {
        const bb = new Bollinger(period, k);
        xs.forEach((x, i) => {
          bb.update(x);
          if (!bb.isStable) return;
          expect(bb.upper).toBeGreaterThanOrEqual(bb.middle);
          expect(bb.middle).toBeGreaterThanOrEqual(bb.lower);
          const w = xs.slice(i + 1 - period, i + 1);
          const mean = w.reduce((s, y) => s + y, 0) / period;
          const sd = Math.sqrt(w.reduce((s, y) => s + (y - mean) ** 2, 0) / period);
          expect(near(bb.middle, mean, 1e-9)).toBe(true);
          // Variance from running sums around an anchor (a price from the last two windows) is
          // exact to a few ulps of D², D = the spread of those prices; a sample-σ (N − 1) slip or
          // a drifting sum would be far outside this bound. When D is itself a few ulps of the
          // prices, the naive reference is no better than (ulp of the price)², hence that term.
          const recent = xs.slice(Math.max(0, i + 1 - 2 * period - 1), i + 1);
          const spread = Math.max(...recent) - Math.min(...recent);
          const ulpFloor = 16 * (Number.EPSILON * Math.max(...recent.map(Math.abs))) ** 2;
          expect(Math.abs(bb.stdDev ** 2 - sd ** 2)).toBeLessThanOrEqual(1e-12 * spread * spread + ulpFloor);
        });
      }),
    );
  });

  it('Bollinger stays precise over a long series at NIFTY price levels (no drift in the running sums)', () => {
    const bb = new Bollinger(20, 2);
    let x = 22_000;
    const xs: number[] = [];
    for (let i = 0; i < 300_000; i++) {
      x += Math.sin(i * 0.37) * 7 + Math.cos(i * 0.011) * 3;
      xs.push(x);
      bb.update(x);
    }
    const w = xs.slice(-20);
    const mean = w.reduce((s, y) => s + y, 0) / 20;
    const sd = Math.sqrt(w.reduce((s, y) => s + (y - mean) ** 2, 0) / 20);
    expect(Math.abs(bb.middle - mean)).toBeLessThan(1e-9);
    expect(Math.abs(bb.stdDev - sd) / sd).toBeLessThan(1e-9);
  });
});

describe('session VWAP', () => {
  it('lies within the session low/high, equals Σ(tp·v)/Σv, and ignores zero-volume bars', () => {
    fc.assert(
      fc.property(bars(1, 200), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 200, maxLength: 200 }), (bs, vols) => {
        const vwap = new SessionVwap();
        let pv = 0;
        let vol = 0;
        let lo = Infinity;
        let hi = -Infinity;
        bs.forEach((b, i) => {
          const v = vols[i] ?? 0;
          vwap.update(b.high, b.low, b.close, v);
          const out = vwap.value;
          pv += ((b.high + b.low + b.close) / 3) * v;
          vol += v;
          if (v > 0) {
            lo = Math.min(lo, b.low);
            hi = Math.max(hi, b.high);
          }
          expect(vwap.isStable).toBe(vol > 0);
          if (vol === 0) return expect(out).toBeNaN();
          expect(near(out, pv / vol, 1e-12)).toBe(true);
          expect(out).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
          expect(out).toBeLessThanOrEqual(hi * (1 + 1e-12));
        });
      }),
    );
  });

  it('rejects a negative or non-finite volume without changing state; resetSession starts over', () => {
    const vwap = new SessionVwap();
    vwap.update(101, 99, 100, 10);
    expect(() => vwap.update(101, 99, 100, -1)).toThrow(RangeError);
    expect(() => vwap.replace(101, 99, 100, Number.NaN)).toThrow(RangeError);
    expect(vwap.value).toBe(100);
    vwap.resetSession();
    expect(vwap.value).toBeNaN();
    vwap.update(12, 9, 9, 5);
    expect(vwap.value).toBe(10);
  });
});

describe('swing highs and lows', () => {
  // Small integer prices make ties common, which the strict definition must not count.
  const hl = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })).map(([a, b]) => ({ high: 10 + Math.max(a, b), low: 10 + Math.min(a, b) })),
    { minLength: 0, maxLength: 120 },
  );

  it('confirms exactly the bars a naive scan finds, `right` bars later, newest wins', () => {
    fc.assert(
      fc.property(hl, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), (bs, left, right) => {
        fc.pre(left + right > 0);
        const swing = new Swing(left, right);
        let lastHigh = -1;
        let lastLow = -1;
        bs.forEach((b, i) => {
          swing.update(b.high, b.low, 1_000 * i);
          const c = i - right;
          let isHigh = false;
          let isLow = false;
          if (c - left >= 0) {
            const others = [...bs.slice(c - left, c), ...bs.slice(c + 1, i + 1)];
            const pivot = bs[c] ?? { high: 0, low: 0 };
            isHigh = others.every((o) => o.high < pivot.high);
            isLow = others.every((o) => o.low > pivot.low);
          }
          expect(swing.lastEvent).toBe((isHigh ? SWING_HIGH : 0) | (isLow ? SWING_LOW : 0));
          if (isHigh) lastHigh = c;
          if (isLow) lastLow = c;
          expect(swing.highIndex).toBe(lastHigh);
          expect(swing.lowIndex).toBe(lastLow);
          if (lastHigh >= 0) {
            expect(swing.highPrice).toBe(bs[lastHigh]?.high);
            expect(swing.highTimeMs).toBe(1_000 * lastHigh);
          }
          if (lastLow >= 0) expect(swing.lowPrice).toBe(bs[lastLow]?.low);
        });
      }),
    );
  });
});
