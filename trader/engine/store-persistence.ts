import type { Fill } from '../domain/order';
import type { Logger } from '../observability/log';
import type { OrderPersistence, ProtectiveState, TrackedOrder } from '../orders/order-manager';
import type { StateStore, StoredOrder } from '../persistence/state-store';

/**
 * Orders made durable in the state store (live mode). The intent is written (conditionally,
 * create-once) before the order is sent; every later transition is written in order per order,
 * guarded by the version the store holds; fills are written once by execution id. A write that
 * fails past the store's budget marks the store unavailable: the engine then opens no new risk
 * (an intent that cannot be saved is never sent) while positions stay protected, and an alert goes out.
 */
export class StorePersistence implements OrderPersistence {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private failed: unknown = null;

  constructor(
    private readonly store: StateStore,
    private readonly profile: string,
    private readonly date: () => string,
    private readonly symbolName: (symbol: number) => string,
    private readonly position: (symbol: number) => { netQty: number; avgPricePaise: number },
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly onUnavailable: (err: unknown) => void,
  ) {}

  /** The first store failure, if any (the trader stops opening risk). */
  get failure(): unknown {
    return this.failed;
  }

  async created(t: TrackedOrder): Promise<void> {
    const id = t.record.request.clientOrderId;
    // Entries open risk: no broker call without a saved intent. Stops and exits protect a position
    // that already exists: with the store down they still go out (best effort, logged and alerted);
    // a restart adopts such an order at the broker instead of sending a second one.
    const protective = t.record.purpose !== 'ENTRY';
    if (this.failed !== null) {
      if (!protective) throw new Error('state store unavailable: no broker call without a saved intent');
      // The store is already down: don't make a protective order wait for another failure.
      this.log.error('protective order sent without a saved intent (state store unavailable)', { clientOrderId: id });
      return;
    }
    if (t.record.version === 0) {
      try {
        await this.track(this.store.createOrder(this.profile, this.date(), stored(t)));
      } catch (err) {
        this.fail(`intent ${id}`, err);
        if (!protective) throw err;
        this.log.error('protective order sent without a saved intent (state store unavailable)', { clientOrderId: id });
        return;
      }
      this.chains.set(id, Promise.resolve());
      return;
    }
    // A resubmission after recovery: its transitions are already queued; wait until they are saved.
    await (this.chains.get(id) ?? Promise.resolve());
    const failed = this.failure;
    if (failed !== null && !protective) throw failed instanceof Error ? failed : new Error('store unavailable');
  }

  changed(t: TrackedOrder, previousVersion: number): void {
    const id = t.record.request.clientOrderId;
    const snapshot = stored(t);
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(() => this.store.updateOrder(this.profile, this.date(), snapshot, previousVersion)).catch((err: unknown) => this.fail(`order ${id}`, err));
    this.chains.set(id, next);
    void this.track(next);
  }

  fill(fill: Fill, costsPaise: number): void {
    void this.track(
      this.store.putFill(this.profile, this.date(), { fill, costsPaise }).catch((err: unknown) => {
        this.fail(`fill ${fill.executionId}`, err);
      }),
    );
  }

  async protective(state: ProtectiveState): Promise<void> {
    const pos = this.position(state.symbol);
    // Best effort: an exit must never wait on (or fail with) the store.
    await this.track(
      this.store.putPosition(this.profile, this.date(), {
        symbol: this.symbolName(state.symbol),
        netQty: pos.netQty,
        avgPricePaise: pos.avgPricePaise,
        stopPaise: state.stopPaise,
        exitingReason: state.exitingReason,
        updatedMs: this.clock(),
      }),
    ).catch((err: unknown) => this.fail(`position ${this.symbolName(state.symbol)}`, err));
  }

  /**
   * Resolves once every write started so far has settled (before a tick is acknowledged). With the
   * store down, it does not wait: the trader must not stall on a store it already knows is gone.
   */
  async flush(): Promise<void> {
    while (this.pending.size > 0 && this.failed === null) await Promise.allSettled([...this.pending]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.then(
      () => this.pending.delete(p),
      () => this.pending.delete(p),
    );
    return p;
  }

  private fail(what: string, err: unknown): void {
    this.log.error('state store write failed', { what, error: err instanceof Error ? err.message : String(err) });
    if (this.failed === null) {
      this.failed = err;
      this.onUnavailable(err);
    }
  }
}

function stored(t: TrackedOrder): StoredOrder {
  return { record: t.record, exitReason: t.exitReason, plannedStopPaise: t.plannedStopPaise, signalBarMs: t.signalBarMs };
}
