import { describe, expect, it } from 'vitest';
import { NseCalendar } from '../../domain/calendar';
import { MarketSimulator } from './generator';
import { simSymbolSpecs } from './symbols';

const DATE = '2025-06-10';
const calendar = new NseCalendar();

function digest(sim: MarketSimulator): { n: number; h: number } {
  let h = 0;
  const n = sim.forEachTick((i, t, p, v, b, a) => {
    h = (Math.imul(h, 31) + i + t + Math.round(p * 100) + (v ?? 7) + Math.round((b ?? 0) * 100) + Math.round((a ?? 0) * 100)) | 0;
  });
  return { n, h };
}

interface Bar {
  o: number;
  h: number;
  l: number;
  c: number;
}

function bars15(sim: MarketSimulator): Bar[][] {
  const out: Bar[][] = sim.symbols.map(() => []);
  sim.forEachTick((i, t, p) => {
    const k = Math.floor((t - sim.session.openMs) / 900_000);
    const arr = out[i];
    if (!arr) return;
    const bar = arr[k];
    if (!bar) arr[k] = { o: p, h: p, l: p, c: p };
    else {
      if (p > bar.h) bar.h = p;
      if (p < bar.l) bar.l = p;
      bar.c = p;
    }
  });
  return out;
}

/** TFL's arming and trigger rules (strategies.md §1), both sides, first valid pair locks. */
function tflTriggers(bars: readonly Bar[]): boolean {
  for (let k = 1; k < bars.length; k++) {
    const a = bars[k - 1];
    const b = bars[k];
    if (!a || !b) continue;
    const ca = Math.sign(a.c - a.o);
    const cb = Math.sign(b.c - b.o);
    if (ca === 0 || cb === 0 || ca === cb) continue;
    const hi = Math.max(a.h, b.h);
    const lo = Math.min(a.l, b.l);
    const rangePct = ((hi - lo) / b.c) * 100;
    if (rangePct > 0.8 || rangePct < 0.05) continue;
    for (let j = k + 1; j <= 20 && j < bars.length; j++) {
      const c = bars[j];
      if (c && (c.c > hi || c.c < lo)) return true; // bar 20 starts 14:15, closes 14:30
    }
    return false;
  }
  return false;
}

describe('MarketSimulator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = digest(new MarketSimulator({ seed: 5, date: DATE, tickRateScale: 0.2 }));
    const b = digest(new MarketSimulator({ seed: 5, date: DATE, tickRateScale: 0.2 }));
    const c = digest(new MarketSimulator({ seed: 6, date: DATE, tickRateScale: 0.2 }));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('gives a symbol the same market whichever other symbols are simulated', () => {
    const all = new MarketSimulator({ seed: 5, date: DATE, tickRateScale: 0.2 });
    const one = new MarketSimulator({ seed: 5, date: DATE, tickRateScale: 0.2, symbols: simSymbolSpecs(['SBIN']) });
    const sbin = all.symbols.findIndex((s) => s.symbol === 'SBIN');
    const fromAll: number[] = [];
    all.forEachTick((i, t, p) => {
      if (i === sbin) fromAll.push(t, p);
    });
    const alone: number[] = [];
    one.forEachTick((_i, t, p) => alone.push(t, p));
    expect(alone).toEqual(fromAll);
  });

  it('produces valid ticks: in session, ordered, on the 0.05 grid, positive, integer volumes, bid ≤ last ≤ ask', () => {
    const sim = new MarketSimulator({ seed: 9, date: DATE });
    const last = new Float64Array(sim.symbols.length);
    let prevT = 0;
    let bad = 0;
    const n = sim.forEachTick((i, t, p, v, b, a) => {
      const spec = sim.symbols[i];
      if (!spec) return bad++;
      if (t < prevT || t <= (last[i] ?? 0) || !calendar.isInSession(t)) bad++;
      prevT = t;
      last[i] = t;
      const paise = Math.round(p * 100);
      if (!(p > 0) || paise % spec.tickPaise !== 0 || Math.abs(paise / 100 - p) > 1e-9) bad++;
      if (spec.kind === 'EQUITY') {
        if (v === undefined || !Number.isInteger(v) || v < 1) bad++;
        if (b === undefined || a === undefined || !(b > 0) || b > p || a < p || a - b > 0.1 + 1e-9) bad++;
      } else if (v !== undefined || b !== undefined || a !== undefined) bad++;
      return undefined;
    });
    expect(bad).toBe(0);
    expect(n).toBeGreaterThan(150_000);
    const first = new MarketSimulator({ seed: 9, date: DATE }).cursor();
    expect(first.next()).toBe(true);
    expect(first.timeMs).toBeGreaterThanOrEqual(sim.session.openMs);
  });

  it('is busier at the open and close than at midday', () => {
    const sim = new MarketSimulator({ seed: 3, date: DATE });
    const perMinute = new Float64Array(sim.minutes);
    sim.forEachTick((_i, t) => {
      const m = Math.floor((t - sim.session.openMs) / 60_000);
      perMinute[m] = (perMinute[m] ?? 0) + 1;
    });
    const mean = (a: number, b: number): number => perMinute.slice(a, b).reduce((s, x) => s + x, 0) / (b - a);
    expect(mean(0, 15)).toBeGreaterThan(1.8 * mean(150, 240));
    expect(mean(sim.minutes - 15, sim.minutes)).toBeGreaterThan(1.5 * mean(150, 240));
  });

  it('chains closes: the next day gaps from the previous day close', () => {
    const d1 = new MarketSimulator({ seed: 4, date: '2025-06-09' });
    const d2 = new MarketSimulator({ seed: 4, date: '2025-06-10' });
    for (let i = 0; i < d1.symbols.length; i++) expect(d2.previousClosePaise(i)).toBe(d1.closePaise(i));
  });

  it('rejects non-trading days with the next session named', () => {
    expect(() => new MarketSimulator({ seed: 1, date: '2025-06-14' })).toThrow(/not an NSE trading day \(next: 2025-06-16\)/);
  });

  it('makes plausible 15-minute bars on which TFL triggers on some days and not others', () => {
    const ranges: number[] = [];
    let symbolDays = 0;
    let triggered = 0;
    let date = '2025-03-03';
    for (let d = 0; d < 25; d++) {
      const sim = new MarketSimulator({ seed: 7, date, tickRateScale: 0.3 });
      const bars = bars15(sim);
      sim.symbols.forEach((spec, i) => {
        const bs = bars[i] ?? [];
        expect(bs).toHaveLength(25);
        if (spec.kind === 'EQUITY') for (const b of bs) ranges.push(((b.h - b.l) / b.c) * 100);
        symbolDays++;
        if (tflTriggers(bs)) triggered++;
      });
      const next = calendar.nextSessionAfter(date);
      if (!next) break;
      date = next.date;
    }
    ranges.sort((a, b) => a - b);
    const median = ranges[Math.floor(ranges.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(0.1);
    expect(median).toBeLessThan(0.5);
    expect(triggered).toBeGreaterThan(symbolDays * 0.5);
    expect(triggered).toBeLessThan(symbolDays);
  });
});
