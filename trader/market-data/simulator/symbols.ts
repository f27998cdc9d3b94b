import type { Exchange } from '../../domain/instrument';
import { hashString } from './prng';

/** What the simulator needs to know about one instrument. Prices in rupees, tick in paise. */
export interface SimSymbolSpec {
  readonly symbol: string;
  readonly exchange: Exchange;
  /** Indices carry no volume, bid or ask (as OpenAlgo's NSE_INDEX quotes). */
  readonly kind: 'EQUITY' | 'INDEX';
  /** Price before the first simulated day (2024-01-01); later days chain closes from here. */
  readonly basePrice: number;
  /** Annualised volatility of log returns, e.g. 0.22 for 22 %. */
  readonly annualVol: number;
  readonly tickPaise: number;
  /** Mean tick rate over the session (the open and close are busier, midday quieter). */
  readonly ticksPerSecond: number;
  /** Mean traded value per tick in rupees (equities); sets the per-tick quantity. */
  readonly turnoverPerTickRupees: number;
  /** Loading on the common market factor (NIFTY itself is 1). */
  readonly marketCorrelation: number;
}

function equity(symbol: string, basePrice: number, annualVol: number, ticksPerSecond = 1.5): SimSymbolSpec {
  return {
    symbol,
    exchange: 'NSE',
    kind: 'EQUITY',
    basePrice,
    annualVol,
    tickPaise: 5,
    ticksPerSecond,
    turnoverPerTickRupees: 400_000,
    marketCorrelation: 0.55,
  };
}

/** A handful of liquid NSE names plus the NIFTY 50 index, at roughly 2024 price levels. */
export const DEFAULT_SIM_SYMBOLS: readonly SimSymbolSpec[] = [
  equity('RELIANCE', 1450, 0.22),
  equity('HDFCBANK', 1650, 0.19),
  equity('ICICIBANK', 1100, 0.21),
  equity('INFY', 1600, 0.25),
  equity('TCS', 3900, 0.21),
  equity('SBIN', 750, 0.27),
  {
    symbol: 'NIFTY',
    exchange: 'NSE_INDEX',
    kind: 'INDEX',
    basePrice: 21700,
    annualVol: 0.13,
    tickPaise: 5,
    ticksPerSecond: 1,
    turnoverPerTickRupees: 0,
    marketCorrelation: 1,
  },
];

const SYMBOL_NAME = /^[A-Z0-9&-]{1,32}$/;

/**
 * Specs for `--symbols A,B`: the defaults by name, anything else as a synthetic NSE equity
 * whose price and volatility are derived from its name (so a name always means the same market).
 */
export function simSymbolSpecs(names: readonly string[]): SimSymbolSpec[] {
  const seen = new Set<string>();
  const out: SimSymbolSpec[] = [];
  for (const raw of names) {
    const name = raw.trim().toUpperCase();
    if (!SYMBOL_NAME.test(name)) throw new Error(`simulator symbol '${raw}' is not an NSE symbol (A-Z, 0-9, &, -)`);
    if (seen.has(name)) continue;
    seen.add(name);
    const known = DEFAULT_SIM_SYMBOLS.find((s) => s.symbol === name);
    if (known) {
      out.push(known);
      continue;
    }
    const h = hashString(name);
    const basePrice = Math.round(100 + (h % 3000)) ;
    const annualVol = 0.18 + ((h >>> 12) % 15) / 100;
    out.push(equity(name, basePrice, annualVol));
  }
  return out;
}
