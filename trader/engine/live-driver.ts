import type { Logger } from '../observability/log';
import type { StateStore } from '../persistence/state-store';
import type { Runtime } from './runtime';
import type { StorePersistence } from './store-persistence';
import { TickPump } from './tick-pump';

/**
 * Live and exchange-simulator runs: ticks go through the tick gate and the pump into the engine;
 * `settle()` is what must hold before a tick is acknowledged to a lockstep feed (or, live, before
 * the next checkpoint): the engine's order work is done, every store write it caused has
 * landed, and when the strategy, risk or books changed, a checkpoint is saved. A crash at any
 * instant then loses at most what the broker and its history can give back.
 */
export class LiveDriver {
  readonly pump: TickPump;
  /** Trades known to be in the store (by id); each is written once. */
  private readonly savedTrades = new Set<string>();

  constructor(
    readonly rt: Runtime,
    private readonly store: StateStore,
    private readonly persistence: StorePersistence,
    private readonly profile: string,
    private readonly date: string,
    private readonly log: Logger,
  ) {
    this.pump = new TickPump(rt.target, rt.orders);
  }

  /** A tick as decoded from the feed; false when the tick gate dropped it. */
  tick(symbol: string, exchange: string, timeMs: number, price: number, volume?: number, bid?: number, ask?: number): boolean {
    const i = this.rt.gate.accept(symbol, exchange, timeMs, price, volume, bid, ask);
    if (i < 0) return false;
    this.pump.push(i, timeMs, price, volume ?? 0, bid ?? 0, ask ?? 0);
    return true;
  }

  clock(nowMs: number): void {
    this.pump.clock(nowMs);
  }

  /** Everything the last events caused is done and durable (see the class comment). */
  async settle(): Promise<void> {
    await this.pump.idle();
    await this.rt.orders.idle();
    await this.persistence.flush();
    if (this.persistence.failure !== null) {
      // The store is down (the engine opens no new risk): keep trading what is open without
      // waiting on it; what it missed is rebuilt from the broker on the next restart.
      return;
    }
    for (const t of this.rt.engine.tradesList()) {
      if (this.savedTrades.has(t.tradeId)) continue;
      await this.store.putTrade(this.profile, this.date, t);
      this.savedTrades.add(t.tradeId);
    }
    if (this.rt.engine.needsCheckpoint) {
      const engine = this.rt.engine.snapshot();
      await this.store.putSnapshot(this.profile, this.date, { strategyId: 'tfl', takenAtMs: this.rt.engine.now, journalSeq: this.rt.journal.lastSeq, engine });
    }
    await this.rt.journal.flush();
    this.log.debug('settled', { now: this.rt.engine.now });
  }

  /** Trades already in the store (after a restart: the day's stored trades). */
  markTradesSaved(tradeIds: Iterable<string>): void {
    for (const id of tradeIds) this.savedTrades.add(id);
  }
}
