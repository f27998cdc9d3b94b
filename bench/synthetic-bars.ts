import { ColumnarBarsBuilder } from '../trader/bars/columnar';
import { NseCalendar } from '../trader/domain/calendar';
import { DAY_MS, istDateKey, istMidnightOfDateKey } from '../trader/domain/time';
import type { BacktestSeries } from '../trader/engine/backtest';

/**
 * Deterministic N-minute bars (1 by default) for many symbols over a date range (every NSE session in it):
 * a seeded random walk with a U-shaped intraday volatility, prices on a 0.05 grid. Used to size
 * the backtest benchmark (50 symbols × a year ≈ 4.7 M bars) without shipping data.
 */
export function syntheticMinuteBars(symbols: number, from: string, to: string, seed: number, barMinutes = 1): BacktestSeries[] {
  const calendar = new NseCalendar();
  const sessions = [];
  for (let t = istMidnightOfDateKey(from); t <= istMidnightOfDateKey(to); t += DAY_MS) {
    const s = calendar.sessionOn(istDateKey(t));
    if (s !== null) sessions.push(s);
  }
  let state = seed >>> 0 || 1;
  const rnd = (): number => {
    // xorshift32: fast and good enough for a benchmark's price path
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const out: BacktestSeries[] = [];
  for (let k = 0; k < symbols; k++) {
    const b = new ColumnarBarsBuilder(sessions.length * 375);
    let px = 200 + 40 * k;
    for (const s of sessions) {
      const minutes = Math.round((s.closeMs - s.openMs) / 60_000);
      for (let m = 0; m < minutes; m += barMinutes) {
        const u = (m - minutes / 2) / (minutes / 2);
        const sigma = px * 0.0006 * Math.sqrt(barMinutes) * (0.7 + 0.8 * u * u);
        const open = px;
        const close = Math.max(1, open + sigma * gauss());
        const high = Math.max(open, close) + Math.abs(sigma * gauss()) * 0.5;
        const low = Math.max(0.05, Math.min(open, close) - Math.abs(sigma * gauss()) * 0.5);
        const snap = (x: number): number => Math.round(x * 20) / 20;
        const o = snap(open);
        const c = snap(close);
        b.push(s.openMs + m * 60_000, o, Math.max(snap(high), o, c), Math.min(snap(low), o, c), c, Math.floor(1000 + rnd() * 5000));
        px = c;
      }
    }
    out.push({ symbol: `SYN${String(k).padStart(2, '0')}`, bars: b.finish() });
  }
  return out;
}
