import type { OpenAlgoBroker } from '../brokers/openalgo/openalgo-broker';
import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import type { FeedStatus } from '../market-data/feed';
import { WsFeed } from '../market-data/ws-feed';
import type { Logger } from '../observability/log';
import type { StateStore } from '../persistence/state-store';
import { StateJournalStore } from '../persistence/journal-store';
import { SimulatedClock } from './clock';
import type { DaySummary } from './engine';
import type { FaultHooks } from './faults';
import { buildLiveRuntime } from './live-runtime';
import { recoverDay, type RecoveryReport } from './recovery';
import type { BiasSetting } from './runtime';

export interface TradeSessionOptions {
  readonly profile: Profile;
  readonly symbols: readonly string[];
  readonly date: string;
  readonly store: StateStore;
  readonly broker: OpenAlgoBroker;
  readonly wsUrl: string;
  readonly apiKey: string;
  /** 'store': the day's bias as published (none → no entries); otherwise fixed for the run. */
  readonly bias: BiasSetting | 'store';
  /** Unique per trader process data directory; the lease owner. */
  readonly owner: string;
  readonly leaseTtlMs: number;
  readonly log: Logger;
  readonly faults?: FaultHooks;
  /** The operator's kill switch (file or SSM), polled by the caller; null = none. */
  readonly onKillSwitchReady?: (apply: (state: 'off' | 'stop' | 'flatten') => void) => void;
  /** Wall clock (lease renewal, live-mode time without simulator clock messages). */
  readonly wallNow: () => number;
}

export interface TradeSessionResult {
  readonly summary: DaySummary;
  readonly recovery: RecoveryReport;
}

/** The lease is held by another trader: this one must not trade. */
export class LeaseHeldError extends Error {
  constructor(
    readonly owner: string,
    readonly expiresAtMs: number,
  ) {
    super(`another trader (${owner}) holds this profile's lease until ${new Date(expiresAtMs).toISOString()}; not starting`);
    this.name = 'LeaseHeldError';
  }
}

/**
 * One trading day against a broker (OpenAlgo, or the exchange simulator speaking its wire
 * format). Restart = recovery: take the lease, restore and reconcile before the first tick is
 * applied, then trade. With a lockstep feed each message is applied only after the order events
 * the simulator emitted before it have been seen and booked, and acknowledged only after
 * everything it caused is durable, so a run is the same whatever the trader's speed or crashes.
 * Returns after the square-off once flat (the caller exits 0).
 */
export async function runTradeSession(o: TradeSessionOptions): Promise<TradeSessionResult> {
  const { profile, store, broker, log } = o;
  const calendar = new NseCalendar({ specialSessions: profile.specialSessions });
  const session = calendar.sessionOn(o.date);
  if (session === null) throw new Error(`${o.date} is not an NSE trading day for this profile: nothing to do`);

  const lease = await store.acquireLease(profile.name, o.owner, o.wallNow(), o.leaseTtlMs);
  if (!lease.acquired) throw new LeaseHeldError(lease.owner, lease.expiresAtMs);
  let leaseLost = false;
  const renew = setInterval(
    () => {
      void store.renewLease(profile.name, o.owner, o.wallNow(), o.leaseTtlMs).then(
        (ok) => {
          if (!ok) {
            leaseLost = true;
            log.fatal('lease lost to another trader: stopping');
          }
        },
        (err: unknown) => log.error('lease renewal failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    },
    Math.max(1_000, Math.floor(o.leaseTtlMs / 3)),
  );
  renew.unref();

  try {
    const bias: Bias | null | 'off' = o.bias === 'store' ? ((await store.getBias(o.date))?.bias ?? null) : o.bias === 'off' ? 'off' : o.bias;
    if (bias === null) log.warn('no bias published for the day: no entries (strategies.md §1)', { date: o.date });
    const instruments = o.symbols.map((s) => instrumentFor(s));
    const day = await store.loadDay(profile.name, o.date);
    broker.restoreLinks(day.orders.flatMap((x) => (x.record.brokerOrderId === null ? [] : [{ clientOrderId: x.record.request.clientOrderId, brokerOrderId: x.record.brokerOrderId }])));
    await broker.start();
    const clock = new SimulatedClock(day.snapshot?.takenAtMs ?? session.openMs);
    const live = buildLiveRuntime({
      profile,
      instruments,
      calendar,
      store,
      journalStore: new StateJournalStore(store, profile.name, o.date),
      broker,
      clock,
      bias: bias === 'off' ? 'off' : (bias ?? 'NO_TRADES'),
      date: o.date,
      log,
      journalStartSeq: Math.max(day.lastJournalSeq, day.snapshot?.journalSeq ?? 0),
      ...(o.faults !== undefined ? { faults: o.faults } : {}),
    });
    const { rt, driver } = live;

    // Messages wait here until recovery is done; a lockstep message also waits for its order events.
    type Ack = { seq: number; oseq: number };
    type Msg = ({ kind: 'tick'; symbol: string; exchange: string; t: number; px: number; vol?: number; bid?: number; ask?: number } | { kind: 'clock'; t: number } | { kind: 'end'; t: number }) & { ack?: Ack };
    const queue: Msg[] = [];
    let wake: () => void = () => undefined;
    let lastPushed: Msg | null = null;
    const push = (m: Msg): void => {
      queue.push(m);
      lastPushed = m;
      wake();
    };
    // Set from the feed's callbacks (a holder, so the loop below reads the live value).
    const feedState: { failure: Error | null } = { failure: null };
    const failed = (): Error | null => feedState.failure;
    const feed = new WsFeed({ url: o.wsUrl, apiKey: o.apiKey, instruments, stallTimeoutMs: 0 });
    await feed.start({
      onTick: (symbol, exchange, t, px, vol, bid, ask) => push({ kind: 'tick', symbol, exchange, t, px, ...(vol !== undefined ? { vol } : {}), ...(bid !== undefined ? { bid } : {}), ...(ask !== undefined ? { ask } : {}) }),
      onClock: (t) => push({ kind: 'clock', t }),
      onEnd: (t) => push({ kind: 'end', t }),
      // Called synchronously right after the callback of the message it belongs to.
      onLockstep: (seq, oseq) => {
        if (lastPushed !== null) lastPushed.ack = { seq, oseq };
      },
      onStatus: (s: FeedStatus) => {
        if (s.kind === 'fatal') {
          feedState.failure = s.error;
          wake();
        } else if (s.kind !== 'subscribed' && s.kind !== 'connecting') log.warn(`feed ${s.kind}`, { ...s });
      },
    });

    // Recovery happens before the first message is applied. In lockstep the first message is the
    // one the simulator sent last (possibly unacknowledged): market time is its time.
    while (queue.length === 0 && failed() === null) await new Promise<void>((r) => (wake = r));
    const early = failed();
    if (early !== null) throw early;
    const firstTime = queue[0]?.t ?? session.openMs;
    const recovery = await recoverDay({
      rt,
      session,
      bias: bias === 'off' ? null : bias,
      day,
      history: async (symbol, exchange, fromMs, toMs) => {
        const bars = await (broker.history?.(symbol, exchange as never, '1m', o.date, o.date) ?? Promise.resolve([]));
        // History includes the forming minute as of the last acknowledged tick (lockstep).
        return bars.filter((b) => b.startMs >= fromMs && b.startMs <= toMs);
      },
      nowMs: firstTime,
      entryValidityMs: 60_000,
      log,
    });
    driver.markTradesSaved(day.trades.map((t) => t.tradeId));
    await driver.settle();
    o.onKillSwitchReady?.((state) => rt.engine.killSwitch(state));

    // The trading loop.
    let ended = false;
    while (!ended) {
      const f = failed();
      if (f !== null) throw f;
      if (leaseLost) throw new Error('lease lost to another trader');
      const m = queue.shift();
      if (m === undefined) {
        if (isDone(rt)) break;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      // In lockstep, the simulator's order events for this message come first (they happened first).
      const ack = m.ack;
      if (ack !== undefined) {
        await broker.waitForOrderUpdates(ack.oseq);
        await broker.settled();
        await rt.orders.idle();
      }
      switch (m.kind) {
        case 'tick':
          driver.tick(m.symbol, m.exchange, m.t, m.px, m.vol, m.bid, m.ask);
          break;
        case 'clock':
          driver.clock(m.t);
          break;
        case 'end':
          driver.clock(Math.max(m.t, session.closeMs));
          ended = true;
          break;
      }
      await driver.settle();
      if (ack !== undefined) feed.ack(ack.seq);
      if (isDone(rt)) break;
    }
    const summary = await rt.engine.endSession();
    await driver.settle();
    await store.putSummary(profile.name, o.date, {
      date: o.date,
      profile: profile.name,
      trades: summary.trades.length,
      netPaise: summary.trades.reduce((a, t) => a + t.netPaise, 0),
      totalR: summary.trades.reduce((a, t) => a + t.r, 0),
      flat: summary.flat,
      halted: summary.halted,
      denials: summary.denials,
    });
    await feed.stop();
    await broker.stop();
    await rt.journal.flush();
    return { summary, recovery };
  } finally {
    clearInterval(renew);
  }
}

/** After the square-off, flat and nothing working: the day is done. */
function isDone(rt: { engine: { isSquaredOff: boolean }; portfolio: { openPositions: number }; orders: { inFlight: number; workingCount(): number } }): boolean {
  return rt.engine.isSquaredOff && rt.portfolio.openPositions === 0 && rt.orders.inFlight === 0 && rt.orders.workingCount() === 0;
}
