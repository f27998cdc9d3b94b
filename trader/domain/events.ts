import type { Direction, ExitReason, Intent } from './intent';
import type { Paise } from './money';
import type { Fill, OrderRequest, OrderState } from './order';

/** Why the risk gate said no. Every denial is an event with one of these, never an exception. */
export type DenialReason =
  | 'NO_BIAS'
  | 'BIAS'
  | 'MAX_OPEN_POSITIONS'
  | 'MAX_TRADES_PER_DAY'
  | 'MAX_TRADES_PER_SYMBOL'
  | 'STRATEGY_DAILY_USE'
  | 'RISK_BUDGET'
  | 'SIZE_BELOW_ONE_LOT'
  | 'OUTSIDE_WINDOW'
  | 'HALTED'
  | 'KILL_SWITCH'
  | 'INVALID_STOP'
  | 'POSITION_OPEN'
  | 'STORE_UNAVAILABLE';

/** A closed round trip. Money in paise; `r` is the price move in units of the initial risk. */
export interface TradeRecord {
  readonly tradeId: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly direction: Direction;
  readonly qty: number;
  readonly entryTimeMs: number;
  readonly entryPricePaise: Paise;
  readonly exitTimeMs: number;
  readonly exitPricePaise: Paise;
  readonly exitReason: ExitReason;
  readonly initialStopPaise: Paise;
  readonly initialRiskPaise: Paise;
  readonly grossPaise: Paise;
  readonly costsPaise: Paise;
  readonly netPaise: Paise;
  readonly r: number;
  /** Maximum adverse / favourable excursion per unit while open (≥ 0). */
  readonly maePaise: Paise;
  readonly mfePaise: Paise;
}

/**
 * The journal: every signal, risk decision, order change, fill, position change and trade, in
 * the order the engine saw them, so a day can be audited line by line.
 */
export type JournalEvent =
  | {
      readonly type: 'SESSION_STARTED';
      readonly timeMs: number;
      readonly mode: 'paper' | 'backtest' | 'live';
      readonly date: string;
      readonly profile: string;
      readonly symbols: readonly string[];
    }
  | { readonly type: 'SIGNAL'; readonly timeMs: number; readonly intent: Intent }
  | {
      readonly type: 'RISK_DECISION';
      readonly timeMs: number;
      readonly strategy: string;
      readonly symbol: string;
      readonly decision: 'APPROVED';
      readonly qty: number;
      readonly riskPaise: Paise;
      readonly resized: boolean;
    }
  | {
      readonly type: 'RISK_DECISION';
      readonly timeMs: number;
      readonly strategy: string;
      readonly symbol: string;
      readonly decision: 'DENIED';
      readonly reason: DenialReason;
      readonly detail: string;
    }
  | {
      readonly type: 'ORDER';
      readonly timeMs: number;
      readonly request: OrderRequest;
      readonly brokerOrderId: string | null;
      readonly from: OrderState | null;
      readonly to: OrderState;
      readonly filledQty: number;
      readonly avgFillPaise: Paise | null;
      readonly note?: string;
    }
  | { readonly type: 'FILL'; readonly timeMs: number; readonly fill: Fill; readonly costsPaise: Paise }
  | {
      readonly type: 'POSITION';
      readonly timeMs: number;
      readonly strategy: string;
      readonly symbol: string;
      readonly netQty: number;
      readonly avgPricePaise: Paise;
      readonly realisedPaise: Paise;
    }
  | { readonly type: 'TRADE'; readonly timeMs: number; readonly trade: TradeRecord }
  | { readonly type: 'HALT'; readonly timeMs: number; readonly reason: string }
  /** The trader restarted and resumed the day: what recovery found and did. */
  | { readonly type: 'RECOVERED'; readonly timeMs: number; readonly detail: Readonly<Record<string, number | string | boolean>> }
  | { readonly type: 'SESSION_ENDED'; readonly timeMs: number; readonly flat: boolean };

export type JournalEventType = JournalEvent['type'];

/** A journal entry as stored: the event plus its position in the day's sequence. */
export type JournalEntry = JournalEvent & { readonly seq: number };
