/**
 * The market-data feed port: one live stream of decoded ticks. Adapters: the OpenAlgo WebSocket
 * client (ws-feed.ts, also used against the local simulator) and, later, others. The engine
 * hands every tick to the TickGate before anything else sees it.
 *
 * Callbacks run synchronously inside the adapter's socket handler, one at a time, in arrival
 * order; the feed never awaits per tick. Hot-path arguments are plain values (no Tick object).
 */

/** A tick as decoded from the wire. `volume` is per-tick traded quantity; undefined = not sent. */
export type FeedTickHandler = (
  symbol: string,
  exchange: string,
  timeMs: number,
  price: number,
  volume: number | undefined,
  bid: number | undefined,
  ask: number | undefined,
) => void;

export type FeedStatus =
  | { readonly kind: 'connecting'; readonly attempt: number; readonly url: string }
  | { readonly kind: 'subscribed'; readonly symbols: number; readonly failed: readonly string[] }
  | { readonly kind: 'disconnected'; readonly code: number; readonly reason: string }
  | { readonly kind: 'reconnect_scheduled'; readonly attempt: number; readonly delayMs: number }
  /** First tick after a reconnect: ticks between the two times may be missing (live: backfill from REST). */
  | { readonly kind: 'gap'; readonly lastTickMs: number; readonly firstTickMs: number; readonly reconnects: number }
  | { readonly kind: 'malformed'; readonly reason: string; readonly sample: string }
  | { readonly kind: 'server_error'; readonly code: string; readonly message: string }
  | { readonly kind: 'watchdog'; readonly which: 'pong' | 'stall'; readonly silentMs: number }
  | { readonly kind: 'fatal'; readonly error: Error }
  | { readonly kind: 'stopped' };

export interface FeedHandlers {
  readonly onTick: FeedTickHandler;
  /** Simulated wall clock (simulator extension `sim_clock`): time has reached `timeMs`. */
  readonly onClock?: (timeMs: number) => void;
  /** End of stream (simulator extension `sim_end`): the session is over; no more ticks. */
  readonly onEnd?: (timeMs: number) => void;
  readonly onStatus?: (status: FeedStatus) => void;
  /**
   * Lockstep (exchange simulator extension, trader/exchange-sim/README.md): called after the
   * onTick/onClock of every message that carries a sequence number. Simulated time stands still
   * until the consumer calls `feed.ack(seq)`, which it does once its work for that message
   * (orders included) has settled. Without this handler the feed acknowledges by itself right
   * after the synchronous callback returns. `orderEvents` is the number of order_update events
   * the simulator had emitted when it sent the message (its `oseq`): a consumer that receives
   * order updates on another socket waits until it has seen that many before acknowledging.
   */
  readonly onLockstep?: (seq: number, orderEvents: number) => void;
}

export interface FeedCounters {
  /** Frames received (all kinds). */
  readonly messages: number;
  /** market_data messages decoded and handed to onTick. */
  readonly ticks: number;
  /** Frames that failed to decode (non-JSON, schema); reported and skipped, connection kept. */
  readonly malformed: number;
  readonly reconnects: number;
  readonly bytes: number;
  readonly serverErrors: number;
  readonly watchdogTerminations: number;
}

export interface MarketFeed {
  /**
   * Connect, authenticate and subscribe. Resolves on the first subscription ack; rejects on a
   * fatal error (rejected API key, nothing subscribable). Reconnects are handled inside.
   */
  start(handlers: FeedHandlers): Promise<void>;
  /** Close the socket and cancel timers; no callbacks after it resolves. */
  stop(): Promise<void>;
  /**
   * Lockstep: message `seq` (handed to onLockstep) has been processed. Safe to call while
   * disconnected: the server sends the unacknowledged message again after the reconnect and the
   * feed answers it with this acknowledgement without delivering it twice. Feeds without
   * lockstep may omit it.
   */
  ack?(seq: number): void;
  counters(): FeedCounters;
}

/** Raised when the server rejects the credentials: retrying cannot help, so the feed stops. */
export class FeedAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedAuthError';
  }
}
