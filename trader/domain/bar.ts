/**
 * An OHLC bar labelled by its start (the 09:15 15-minute bar covers 09:15:00.000–09:29:59.999).
 * Prices in rupees as traded; `volume` is 0 when the source has none.
 */
export interface Bar {
  readonly startMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type Timeframe = { readonly minutes: number };

export type CandleColour = 'GREEN' | 'RED' | 'DOJI';

export function candleColour(bar: Pick<Bar, 'open' | 'close'>): CandleColour {
  if (bar.close > bar.open) return 'GREEN';
  if (bar.close < bar.open) return 'RED';
  return 'DOJI';
}
