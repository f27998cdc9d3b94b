import type { Bar } from '../domain/bar';
import type { Bias, Direction, Intent } from '../domain/intent';
import type { Paise } from '../domain/money';

/**
 * Strategies are pure decision code: bars and ticks in, intents out. No broker, clock, random
 * or I/O calls inside; everything they know arrives through these calls. Symbols are addressed
 * by the engine's dense index (0..n-1) so per-tick state lookups are array reads.
 */
export interface StrategyOutput {
  emit(intent: Intent): void;
}

/** What the engine tells a strategy about its own position on a symbol once the entry filled. */
export interface OpenedPosition {
  readonly direction: Direction;
  readonly qty: number;
  readonly entryTimeMs: number;
  readonly entryPricePaise: Paise;
  readonly stopPaise: Paise;
  /** abs(entry fill − initial stop) per unit: the trade's 1 R. */
  readonly riskPerUnitPaise: Paise;
  readonly targetPaise: Paise;
}

export interface Strategy<TSnapshot = unknown> {
  readonly id: string;
  /** Bar timeframes (minutes) this strategy wants `onBar` for. */
  readonly timeframes: readonly number[];
  /** Called once per symbol before any data, with its dense index and tick size. */
  addSymbol(index: number, symbol: string, tickPaise: number): void;
  /** The day's bias (null: none published yet). Called at session start and whenever it changes. */
  setBias(bias: Bias | null): void;
  /** A session began (daily state resets). */
  onSessionStart(dateKey: string, openMs: number): void;
  /** A completed bar of one of `timeframes`. */
  onBar(symbol: number, timeframeMinutes: number, bar: Bar, out: StrategyOutput): void;
  /** Every accepted tick of a symbol; must not allocate unless it emits. */
  onTick(symbol: number, timeMs: number, pricePaise: Paise, out: StrategyOutput): void;
  /** The entry filled (fully); the position is live with its protective stop being placed. */
  onPositionOpened(symbol: number, position: OpenedPosition, out: StrategyOutput): void;
  /** The position on the symbol is flat again. */
  onPositionClosed(symbol: number, exitTimeMs: number): void;
  /** The entry the strategy asked for will not happen (denied by risk, rejected by the broker). */
  onEntryAbandoned(symbol: number, timeMs: number, reason: string): void;
  snapshot(): TSnapshot;
  restore(snapshot: TSnapshot): void;
}
