/**
 * Instruments in OpenAlgo's canonical format (brokers.md §1.5): the symbol and exchange are
 * the identity; lot and tick sizes always come from an instrument master, never from literals.
 */
export type Exchange = 'NSE' | 'BSE' | 'NFO' | 'BFO' | 'NSE_INDEX' | 'BSE_INDEX';
export const EXCHANGES: readonly Exchange[] = ['NSE', 'BSE', 'NFO', 'BFO', 'NSE_INDEX', 'BSE_INDEX'];

export type InstrumentType = 'EQUITY' | 'INDEX' | 'FUTURE' | 'OPTION';

export interface InstrumentRef {
  readonly symbol: string;
  readonly exchange: Exchange;
}

export interface Instrument extends InstrumentRef {
  readonly type: InstrumentType;
  readonly lotSize: number;
  /** Price grid in paise (0.05 rupee → 5). Integer, so snapping is exact. */
  readonly tickPaise: number;
  readonly freezeQty?: number;
  readonly expiry?: string;
  readonly strike?: number;
  readonly optionType?: 'CE' | 'PE';
  readonly underlying?: string;
}

/** Stable key for maps: 'NSE:RELIANCE'. */
export function instrumentKey(ref: InstrumentRef): string {
  return `${ref.exchange}:${ref.symbol}`;
}
