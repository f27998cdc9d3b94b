import type { Exchange } from './instrument';

/**
 * A validated market tick. Prices are rupees as received (converted to paise inside the engine
 * where money is computed); `timeMs` is exchange time in epoch milliseconds.
 */
export interface Tick {
  readonly symbol: string;
  readonly exchange: Exchange;
  readonly timeMs: number;
  readonly price: number;
  /** Quantity traded since the previous tick of this symbol, when the feed says so. */
  readonly volume?: number;
  readonly bid?: number;
  readonly ask?: number;
}

/** Why a tick never reached a strategy. Counted per reason and reported in the day summary. */
export type TickRejectReason =
  | 'MALFORMED'
  | 'NON_POSITIVE_PRICE'
  | 'UNKNOWN_SYMBOL'
  | 'DUPLICATE'
  | 'OUT_OF_ORDER'
  | 'OUTSIDE_SESSION';

export const TICK_REJECT_REASONS: readonly TickRejectReason[] = [
  'MALFORMED',
  'NON_POSITIVE_PRICE',
  'UNKNOWN_SYMBOL',
  'DUPLICATE',
  'OUT_OF_ORDER',
  'OUTSIDE_SESSION',
];
