import { z } from 'zod';
import { EXCHANGES, type Exchange, type Instrument } from '../domain/instrument';

/**
 * The instrument master for equity/index mode: lot size, tick size and type per symbol, as data.
 * Live trading replaces this with the broker's master (`/instruments`); options come from it too.
 *
 * Index mode (signals and positions on the NIFTY 50 index itself) sizes the index in index units
 * (lot 1), so R-based sizing works as strategies.md §1 states it, and costs it as the index
 * future. An index cannot be bought; trading index signals for real is options mode, where lot
 * sizes come from the broker's instrument master. Cash equities trade in lots of 1.
 */
const InstrumentSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9&-]{1,32}$/, 'symbol must be 1–32 of A–Z, 0–9, & and -'),
  exchange: z.enum(EXCHANGES as [Exchange, ...Exchange[]]),
  type: z.enum(['EQUITY', 'INDEX', 'FUTURE', 'OPTION']),
  lotSize: z.number().int().positive(),
  tickPaise: z.number().int().positive(),
  freezeQty: z.number().int().positive().optional(),
});

const MASTER: readonly Instrument[] = [
  { symbol: 'NIFTY', exchange: 'NSE_INDEX', type: 'INDEX', lotSize: 1, tickPaise: 5 },
  { symbol: 'BANKNIFTY', exchange: 'NSE_INDEX', type: 'INDEX', lotSize: 1, tickPaise: 5 },
  { symbol: 'RELIANCE', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
  { symbol: 'HDFCBANK', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
  { symbol: 'ICICIBANK', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
  { symbol: 'INFY', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
  { symbol: 'TCS', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
  { symbol: 'SBIN', exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 },
].map((i) => InstrumentSchema.parse(i));

const INDEX_NAMES = new Set(['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'INDIAVIX']);

/**
 * The instrument for a symbol: from the master, or an NSE cash equity (lot 1, tick 0.05) for a
 * name the master does not list; index names outside the master are refused rather than guessed.
 */
export function instrumentFor(symbol: string): Instrument {
  const upper = symbol.toUpperCase();
  const known = MASTER.find((i) => i.symbol === upper);
  if (known) return known;
  if (INDEX_NAMES.has(upper)) throw new Error(`index ${upper} is not in the instrument master (lot size unknown)`);
  return InstrumentSchema.parse({ symbol: upper, exchange: 'NSE', type: 'EQUITY', lotSize: 1, tickPaise: 5 });
}

export function masterInstruments(): readonly Instrument[] {
  return MASTER;
}
