import type { Paise } from './money';

export type Direction = 'LONG' | 'SHORT';

/** The day's pre-market bias (strategies.md §5). `null` where a bias is required means "no bias yet". */
export type Bias = 'LONGS_ONLY' | 'SHORTS_ONLY' | 'NO_TRADES';

/**
 * What a strategy wants. Strategies decide; the engine (risk gate, order manager) acts.
 * Entry intents carry what the risk gate needs to rank simultaneous signals.
 */
export type Intent =
  | {
      readonly kind: 'ENTER';
      readonly strategy: string;
      readonly symbol: string;
      readonly direction: Direction;
      /** Start of the bar whose close triggered the entry: part of the client order id. */
      readonly signalBarMs: number;
      readonly decidedAtMs: number;
      /** Protective stop, on the instrument's tick grid. */
      readonly stopPaise: Paise;
      /** Price the decision was made at (the trigger bar's close), for sizing before the fill. */
      readonly refPricePaise: Paise;
      /** Target in R multiples of the filled risk (10 by default). */
      readonly targetR: number;
      /** Ranking keys for simultaneous triggers: smaller range first, then higher relative volume. */
      readonly rangePct: number;
      readonly relVolume: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'MOVE_STOP';
      readonly strategy: string;
      readonly symbol: string;
      readonly stopPaise: Paise;
      readonly decidedAtMs: number;
      readonly reason: 'BREAKEVEN' | 'TRAIL' | 'TRAIL_ATR';
    }
  | {
      readonly kind: 'EXIT';
      readonly strategy: string;
      readonly symbol: string;
      readonly decidedAtMs: number;
      /** Fraction of the open quantity to close (1 = all; 0.5 for the optional partial). */
      readonly fraction: number;
      readonly reason: ExitReason;
    };

export type ExitReason =
  | 'STOP'
  | 'TARGET'
  | 'PARTIAL_TARGET'
  | 'SQUARE_OFF'
  | 'KILL_SWITCH'
  | 'DAILY_LOSS_LIMIT'
  | 'STOP_AT_ENTRY'
  | 'MANUAL'
  | 'RECONCILED';
