import type { OpenAlgoBroker } from '../brokers/openalgo/openalgo-broker';
import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar, type TradingSession } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import type { FeedStatus } from '../market-data/feed';
import { WsFeed } from '../market-data/ws-feed';
import type { Logger } from '../observability/log';
import type { StateStore } from '../persistence/state-store';
import { StateJournalStore } from '../persistence/journal-store';
import { SimulatedClock } from './clock';
import type { DaySummary } from './engine';
import type { FaultHooks } from './faults';
import { DecisionPrimer, primesPerDay } from './primer';
import { warmUpDue, warmUpEngine } from './warm-up';
import { buildLiveRuntime } from './live-runtime';
import { recoverDay, type RecoveryReport } from './recovery';
import type { BiasSetting, Runtime } from './runtime';

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
  /** Refuse to trade when the broker's clock and ours differ by more (reliability case 25). */
  readonly maxClockSkewMs?: number;
  /** Something an operator must hear about (SNS in AWS, the log locally). */
  readonly alert?: (subject: string, message: string) => void;
  /** The runtime once built (metrics reporters read it). */
  readonly onRuntime?: (rt: Runtime, feed: () => { ticks: number; lastTickMs: number | null }) => void;
}

/** The broker's clock and ours disagree: times, square-off and expiry checks would be wrong. */
export class ClockSkewError extends Error {
  constructor(readonly skewMs: number) {
    super(`clock skew with the broker is ${Math.round(skewMs / 1000)} s (limit exceeded): fix the host's time sync before trading`);
    this.name = 'ClockSkewError';
  }
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

  if (broker.serverTimeMs !== undefined) {
    const skew = (await broker.serverTimeMs()) - o.wallNow();
    if (Math.abs(skew) > (o.maxClockSkewMs ?? 5_000)) throw new ClockSkewError(skew);
  }
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
            o.alert?.('lease lost', `another trader took over profile ${profile.name}; this one stops`);
          }
        },
        (err: unknown) => log.error('lease renewal failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    },
    Math.max(1_000, Math.floor(o.leaseTtlMs / 3)),
  );
  renew.unref();
  // Stopped on every way out: an open feed or broker stream would keep a failed trader's
  // process alive instead of letting it exit (and its supervisor restart it).
  let feed: WsFeed | null = null;
  let brokerStarted = false;

  try {
    const primer = await prepareBeforeOpen(o, session);
    const bias: Bias | null | 'off' = o.bias === 'store' ? ((await store.getBias(o.date))?.bias ?? null) : o.bias === 'off' ? 'off' : o.bias;
    if (bias === null) {
      log.error('no bias published for the day: no entries (strategies.md §1)', { date: o.date });
      o.alert?.('no bias', `no pre-market bias stored for ${o.date}: the trader will not enter (NO_BIAS)`);
    }
    const instruments = o.symbols.map((s) => instrumentFor(s));
    const day = await store.loadDay(profile.name, o.date);
    broker.restoreLinks(day.orders.flatMap((x) => (x.record.brokerOrderId === null ? [] : [{ clientOrderId: x.record.request.clientOrderId, brokerOrderId: x.record.brokerOrderId }])));
    brokerStarted = true;
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
      bias,
      date: o.date,
      log,
      journalStartSeq: Math.max(day.lastJournalSeq, day.snapshot?.journalSeq ?? 0),
      ...(o.faults !== undefined ? { faults: o.faults } : {}),
      ...(primer !== undefined ? { primer } : {}),
      onStoreUnavailable: (err) => o.alert?.('state store unavailable', `no new entries until it is back: ${err instanceof Error ? err.message : String(err)}`),
    });
    const { rt, driver } = live;
    // The day's bar per symbol from the ticks (the pre-market Lambda reads daily bars from the store).
    const daily = new Map<string, { o: number; h: number; l: number; c: number; v: number; t: number }>();
    let ticks = 0;
    let lastTickMs: number | null = null;
    o.onRuntime?.(rt, () => ({ ticks, lastTickMs }));

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
    feed = new WsFeed({ url: o.wsUrl, apiKey: o.apiKey, instruments, stallTimeoutMs: 0 });
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
          if (driver.tick(m.symbol, m.exchange, m.t, m.px, m.vol, m.bid, m.ask)) {
            ticks++;
            lastTickMs = m.t;
            const d = daily.get(m.symbol);
            if (d === undefined) daily.set(m.symbol, { o: m.px, h: m.px, l: m.px, c: m.px, v: m.vol ?? 0, t: m.t });
            else {
              if (m.px > d.h) d.h = m.px;
              if (m.px < d.l) d.l = m.px;
              d.c = m.px;
              d.v += m.vol ?? 0;
            }
          }
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
    // The day's bar per symbol for the pre-market Lambda: from the broker's 1-minute history
    // (whole even when the trader restarted during the day), else from the ticks seen.
    for (const inst of instruments) {
      try {
        const hist = broker.history === undefined ? [] : await broker.history(inst.symbol, inst.exchange, '1m', o.date, o.date);
        const d = daily.get(inst.symbol);
        const bar =
          hist.length > 0
            ? { startMs: session.openMs, open: hist[0]?.open ?? 0, high: Math.max(...hist.map((b) => b.high)), low: Math.min(...hist.map((b) => b.low)), close: hist[hist.length - 1]?.close ?? 0, volume: hist.reduce((a, b) => a + b.volume, 0) }
            : d === undefined
              ? null
              : { startMs: session.openMs, open: d.o, high: d.h, low: d.l, close: d.c, volume: d.v };
        if (bar !== null) await store.putDailyBar(inst.symbol, o.date, bar);
      } catch (err) {
        log.warn('daily bar not stored', { symbol: inst.symbol, error: err instanceof Error ? err.message : String(err) });
      }
    }
    if (!summary.flat) o.alert?.('not flat after the session', `profile ${profile.name} ${o.date}: positions remain; check the broker now`);
    await rt.journal.flush();
    return { summary, recovery };
  } finally {
    clearInterval(renew);
    const stops: [string, (() => Promise<void>) | null][] = [
      ['feed', feed === null ? null : () => (feed as WsFeed).stop()],
      ['broker', brokerStarted ? () => broker.stop() : null],
    ];
    for (const [what, stop] of stops) {
      if (stop === null) continue;
      try {
        await stop();
      } catch (err) {
        log.warn(`${what} did not stop cleanly`, { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

/** After the square-off, flat and nothing working: the day is done. */
function isDone(rt: { engine: { isSquaredOff: boolean }; portfolio: { openPositions: number }; orders: { inFlight: number; workingCount(): number } }): boolean {
  return rt.engine.isSquaredOff && rt.portfolio.openPositions === 0 && rt.orders.inFlight === 0 && rt.orders.workingCount() === 0;
}

/**
 * Before the open only (a restart during the session goes straight to recovery): the warm-up,
 * so the decision code meets the first real decision optimised, and the primer, which keeps it
 * in cache for each bar close. Either failing is alerted, and the day trades without it.
 */
async function prepareBeforeOpen(o: TradeSessionOptions, session: TradingSession): Promise<DecisionPrimer | undefined> {
  const { profile, log } = o;
  const failed = (what: string, err: unknown): void => {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(`${what} failed`, { error: msg });
    o.alert?.(`${what} failed`, `before the open, the ${what} threw: ${msg}`);
  };
  if (warmUpDue(profile, o.wallNow(), session)) {
    try {
      const w = await warmUpEngine({ profile, budgetMs: profile.warmUpMs });
      log.info('engine warm-up done', { sessions: w.sessions, decisions: w.decisions, ms: Math.round(w.ms) });
    } catch (err) {
      failed('engine warm-up', err);
    }
  }
  if (profile.primeLeadMs === 0 || o.wallNow() >= session.openMs) return undefined;
  try {
    const primer = await DecisionPrimer.prepare(profile, primesPerDay(profile), profile.primeLeadMs);
    log.info('decision primer ready', { primes: primer.remaining, leadMs: primer.leadMs });
    return primer;
  } catch (err) {
    failed('decision primer', err);
    return undefined;
  }
}
