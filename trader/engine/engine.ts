import type { Bar } from '../domain/bar';
import type { TradingSession } from '../domain/calendar';
import type { DenialReason, JournalEvent, TradeRecord } from '../domain/events';
import type { Instrument } from '../domain/instrument';
import type { Bias, Direction, ExitReason, Intent } from '../domain/intent';
import { toPaise } from '../domain/money';
import type { Fill } from '../domain/order';
import { MINUTE_MS, istMidnightMs } from '../domain/time';
import type { Logger } from '../observability/log';
import type { Journal } from '../persistence/journal';
import type { Portfolio } from '../portfolio/portfolio';
import type { Strategy, StrategyOutput } from '../strategies/port';

type EnterIntent = Extract<Intent, { kind: 'ENTER' }>;

/** Bars of one timeframe for every symbol; closes buckets for all symbols at once. */
export interface BarFeed {
  onTick(symbol: number, timeMs: number, price: number, volume: number): unknown;
  /** Clock-driven close (end + grace reached); returns whether a bucket closed. */
  onClock(nowMs: number): boolean;
  flush(): void;
  /** End (exclusive) of the open bucket, NaN when none is open. */
  readonly bucketEndMs: number;
  /** Close the open bucket now if `timeMs` is at or past its end (a tick proved it is over). */
  closeThrough(timeMs: number): boolean;
  /** Merge a smaller bar (history replay after a restart). */
  mergeBar(symbol: number, bar: Bar): unknown;
}
export type BarFeedFactory = (
  timeframeMinutes: number,
  onClose: (symbol: number, bar: Bar) => void,
  onBucketClosed: (bucketStartMs: number) => void,
) => BarFeed;

/** A broker that needs to see the market to fill (the paper broker). Live adapters don't. */
export interface MarketMatcher {
  onTick(symbol: number, timeMs: number, pricePaise: number, bidPaise: number, askPaise: number): void;
}

/** The risk gate as the engine sees it (see `RiskBook`, which keeps the book the gate reads). */
export interface RiskPort {
  /** Rank, size and admit simultaneous entries; one decision per candidate, in ranked order. */
  admit(candidates: readonly EntryCandidate[], nowMs: number): readonly AdmitDecision[];
  /** Mark to market: true when this call crossed the daily loss limit (flatten and halt now). */
  breached(realisedNetPaise: number, unrealisedPaise: number): boolean;
  /** The operator's kill switch: true when this call halted trading (flatten now). */
  setKillSwitch(state: 'off' | 'stop' | 'flatten'): boolean;
  readonly state: 'ACTIVE' | 'REDUCING' | 'HALTED';
  setBias(bias: Bias | null): void;
  onSessionStart(dateKey: string): void;
  onEntryFilled(symbol: number, riskPaise: number): void;
  onEntryAbandoned(symbol: number): void;
  onPositionRiskChanged(symbol: number, riskPaise: number): void;
  onPositionClosed(symbol: number): void;
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

export interface EntryCandidate {
  readonly symbol: number;
  readonly intent: EnterIntent;
  readonly lotSize: number;
}

export type AdmitDecision =
  | { readonly symbol: number; readonly approved: true; readonly qty: number; readonly riskPaise: number; readonly resized: boolean }
  | { readonly symbol: number; readonly approved: false; readonly reason: DenialReason; readonly detail: string };

/** The order manager as the engine sees it: it owns orders and protective stops per symbol. */
export interface OrderPort {
  enter(symbol: number, direction: Direction, qty: number, stopPaise: number, signalBarMs: number): void;
  moveStop(symbol: number, stopPaise: number, reason: string): void;
  exit(symbol: number, fraction: number, reason: ExitReason): void;
  /** Cancel every working order that is not protecting a position (entries). */
  cancelEntries(): void;
  /** Working operations with the broker or the store that have not settled yet. */
  readonly inFlight: number;
  idle(): Promise<void>;
}

export interface EngineProfile {
  readonly name: string;
  readonly strategyId: string;
  /** Minutes after IST midnight when every position is squared off (15:15 → 915). */
  readonly squareOffMinute: number;
  readonly mode: 'paper' | 'backtest' | 'live';
}

export interface EngineDeps {
  readonly profile: EngineProfile;
  readonly instruments: readonly Instrument[];
  readonly strategy: Strategy;
  readonly risk: RiskPort;
  readonly portfolio: Portfolio;
  readonly journal: Journal;
  readonly bars: BarFeedFactory;
  readonly log: Logger;
  /** Set after construction (the order manager needs the engine's fill callbacks). */
  orders?: OrderPort;
  matcher?: MarketMatcher;
  /** Runs a throw-away decision shortly before each bar boundary (primer.ts); live trading only. */
  readonly primer?: PrimerPort;
}

/** Keeps the decision path warm: called once per bar boundary, `leadMs` before it, never on the deciding tick. */
export interface PrimerPort {
  readonly leadMs: number;
  prime(): boolean;
}

/** A checkpoint of the engine (plain JSON; validated by the store adapter on the way back in). */
export interface EngineSnapshot {
  readonly version: 1;
  readonly date: string;
  readonly nowMs: number;
  readonly squaredOff: boolean;
  readonly haltReason: string | null;
  readonly signals: number;
  readonly intentCount: number;
  readonly denials: Readonly<Partial<Record<DenialReason, number>>>;
  readonly pendingTargetR: readonly number[];
  readonly stopPaise: readonly number[];
  readonly delivered: readonly number[];
  readonly booked: readonly string[];
  readonly trades: readonly TradeRecord[];
  readonly strategy: unknown;
  readonly risk: unknown;
  readonly portfolio: unknown;
}

export interface DaySummary {
  readonly date: string;
  readonly trades: readonly TradeRecord[];
  readonly denials: Readonly<Partial<Record<DenialReason, number>>>;
  readonly signals: number;
  readonly realisedNetPaise: number;
  readonly costsPaise: number;
  readonly flat: boolean;
  readonly halted: string | null;
}

/**
 * The kernel: one event flow for backtest, paper and live; only the clock, the feed and the
 * broker adapter change. Per tick, in this order: the paper matcher fills resting orders
 * against the tick (so a stop hit on this tick is known before anything decides), positions are
 * marked, bars advance (closing a bucket for all symbols runs the strategy on every closed bar,
 * then ranks and gates the bucket's entries together), the strategy sees the tick, and the daily
 * loss limit is checked. Entries decided on a tick fill on a later tick.
 */
export class Engine {
  private readonly feeds: BarFeed[] = [];
  private readonly pendingEntries: EnterIntent[] = [];
  private readonly stopPaise: number[];
  private readonly out: StrategyOutput;
  private readonly trades: TradeRecord[] = [];
  private denials: Partial<Record<DenialReason, number>> = {};
  private signals = 0;
  private session: TradingSession | null = null;
  private squareOffMs = Number.POSITIVE_INFINITY;
  private squaredOff = false;
  private haltReason: string | null = null;
  private nowMs = 0;
  private lastPricePaise: number[];
  private readonly symbolIndex = new Map<string, number>();
  /** Target R per symbol for the entry in flight (set at admission, read when the entry completes). */
  private readonly pendingTargetR: number[] = [];
  /** What the strategy has been told per symbol: 0 flat, 1 entry pending, 2 position open. */
  private readonly delivered: number[] = [];
  /** Execution ids booked in the portfolio (each fill is booked once, whatever the source). */
  private readonly booked = new Set<string>();
  /** Something the checkpoint covers changed since the last checkpoint. */
  private dirty = false;
  /**
   * The earliest time at which something happens before a tick may be applied: the open bucket's
   * end (any timeframe) or the square-off. +Infinity while unknown (no bucket open); refreshed
   * after a tick opens one. Keeps the per-tick check to one comparison.
   */
  private nextBoundaryMs = Number.POSITIVE_INFINITY;
  /** Some timeframe has no open bucket: the next tick opens one, then the boundary is refreshed. */
  private boundaryIncomplete = true;
  /** When the primer runs for the coming boundary (+Infinity: no primer, or this boundary is primed already). */
  private primeAtMs = Number.POSITIVE_INFINITY;
  /** The boundary the primer last ran for (it runs once per boundary). */
  private primedForMs = Number.NaN;
  private primerFailed = false;

  constructor(private readonly deps: EngineDeps) {
    const n = deps.instruments.length;
    this.stopPaise = new Array<number>(n).fill(0);
    this.lastPricePaise = new Array<number>(n).fill(0);
    this.out = { emit: (intent) => this.onIntent(intent) };
    deps.instruments.forEach((inst, i) => {
      this.symbolIndex.set(inst.symbol, i);
      deps.strategy.addSymbol(i, inst.symbol, inst.tickPaise);
      deps.portfolio.addSymbol(i, inst.symbol);
    });
    for (const tf of deps.strategy.timeframes) {
      this.feeds.push(
        deps.bars(
          tf,
          (sym, bar) => this.onBarClosed(sym, tf, bar),
          () => this.onBucketClosed(),
        ),
      );
    }
  }

  get now(): number {
    return this.nowMs;
  }
  private intentCount = 0;
  /** Strategy intents handled since start (monotonic): benchmarks find decision ticks with it. */
  get intentsHandled(): number {
    return this.intentCount;
  }

  /** Entry signals so far today (each one is ranked and gated at its bucket's close). */
  get entrySignals(): number {
    return this.signals;
  }

  /** Risk denials so far today. */
  get denialCount(): number {
    let n = 0;
    for (const v of Object.values(this.denials)) n += v ?? 0;
    return n;
  }

  get isSquaredOff(): boolean {
    return this.squaredOff;
  }

  /** The running session's trades so far. */
  tradesList(): readonly TradeRecord[] {
    return this.trades;
  }

  /** Trades closed so far in the running session. */
  get tradesSoFar(): number {
    return this.trades.length;
  }
  get halted(): string | null {
    return this.haltReason;
  }

  private get orders(): OrderPort {
    const o = this.deps.orders;
    if (o === undefined) throw new Error('engine has no order manager attached');
    return o;
  }

  /** Begin a trading session: daily state resets, the bias is applied, the journal opens the day. */
  startSession(session: TradingSession, bias: Bias | null): void {
    this.session = session;
    const midnight = istMidnightMs(session.openMs);
    this.squareOffMs = Math.min(midnight + this.deps.profile.squareOffMinute * MINUTE_MS, session.closeMs);
    this.squaredOff = false;
    this.haltReason = null;
    this.trades.length = 0;
    this.denials = {};
    this.signals = 0;
    this.booked.clear();
    this.delivered.length = 0;
    this.dirty = true;
    this.deps.portfolio.resetDay();
    this.deps.risk.onSessionStart(session.date);
    this.deps.risk.setBias(bias);
    this.deps.strategy.setBias(bias);
    this.deps.strategy.onSessionStart(session.date, session.openMs);
    this.refreshBoundary();
    this.record({
      type: 'SESSION_STARTED',
      timeMs: session.openMs,
      mode: this.deps.profile.mode,
      date: session.date,
      profile: this.deps.profile.name,
      symbols: this.deps.instruments.map((i) => i.symbol),
    });
  }

  /** The bias changed during the day (e.g. published late). */
  setBias(bias: Bias | null): void {
    this.deps.risk.setBias(bias);
    this.deps.strategy.setBias(bias);
  }

  /**
   * Hot path: one accepted tick (already validated by the tick gate). No allocation unless
   * something is decided. Returns false when the tick was not applied yet: its time crossed a bar
   * boundary or the square-off, the resulting decisions put orders in flight, and the caller (the
   * tick pump) must deliver the same tick again once they settle. That is what makes an entry
   * decided at a bar close fill on the first tick after the close, without the decision ever
   * seeing that tick's price.
   */
  onTick(symbol: number, timeMs: number, price: number, volume: number, bid: number, ask: number): boolean {
    if (timeMs > this.nowMs) this.nowMs = timeMs;
    if (timeMs >= this.primeAtMs) this.prime(timeMs);
    if (timeMs >= this.nextBoundaryMs) {
      if (timeMs >= this.squareOffMs && !this.squaredOff) this.squareOff(timeMs);
      for (let i = 0; i < this.feeds.length; i++) this.feeds[i]?.closeThrough(timeMs);
      this.refreshBoundary();
      if (this.orders.inFlight > 0) return false;
    }
    const px = toPaise(price);
    this.lastPricePaise[symbol] = px;
    const matcher = this.deps.matcher;
    if (matcher !== undefined) matcher.onTick(symbol, timeMs, px, bid > 0 ? toPaise(bid) : 0, ask > 0 ? toPaise(ask) : 0);
    this.deps.portfolio.mark(symbol, px);
    for (let i = 0; i < this.feeds.length; i++) this.feeds[i]?.onTick(symbol, timeMs, price, volume);
    if (this.boundaryIncomplete) this.refreshBoundary();
    this.deps.strategy.onTick(symbol, timeMs, px, this.out);
    if (this.deps.portfolio.openPositions > 0 && this.haltReason === null) {
      if (this.deps.risk.breached(this.deps.portfolio.realisedNetPaise, this.deps.portfolio.unrealisedPaise)) {
        this.flattenAndHalt('DAILY_LOSS_LIMIT', 'daily loss limit reached', timeMs);
      }
    }
    return true;
  }

  private refreshBoundary(): void {
    let next = this.squaredOff ? Number.POSITIVE_INFINITY : this.squareOffMs;
    let incomplete = false;
    for (let i = 0; i < this.feeds.length; i++) {
      const end = this.feeds[i]?.bucketEndMs ?? Number.NaN;
      if (Number.isNaN(end)) incomplete = true;
      else if (end < next) next = end;
    }
    this.nextBoundaryMs = next;
    this.boundaryIncomplete = incomplete;
    this.primeAtMs = this.deps.primer !== undefined && next !== this.primedForMs && Number.isFinite(next) ? next - this.deps.primer.leadMs : Number.POSITIVE_INFINITY;
  }

  /**
   * Runs the primer for the coming boundary, unless this event already crosses it (the prime
   * would then delay the very decision it is for). A failing primer is switched off for the day:
   * it must never disturb trading.
   */
  private prime(timeMs: number): void {
    this.primeAtMs = Number.POSITIVE_INFINITY;
    this.primedForMs = this.nextBoundaryMs;
    const primer = this.deps.primer;
    // Also after a halt or the square-off: entries are still decided then (and denied).
    if (primer === undefined || timeMs >= this.nextBoundaryMs || this.primerFailed) return;
    try {
      primer.prime();
    } catch (err) {
      this.primerFailed = true;
      this.deps.log.warn('decision primer failed: priming off for the day', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Time passes without ticks (live timer or the simulator's clock): close bars, square off. */
  onClock(nowMs: number): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    if (nowMs >= this.primeAtMs) this.prime(nowMs);
    if (nowMs >= this.squareOffMs && !this.squaredOff) this.squareOff(nowMs);
    let closed = false;
    for (const f of this.feeds) closed = f.onClock(nowMs) || closed;
    if (closed || this.squaredOff) this.refreshBoundary();
  }

  /** The operator's kill switch (read outside the engine). */
  killSwitch(state: 'off' | 'stop' | 'flatten'): void {
    if (this.deps.risk.setKillSwitch(state) && this.haltReason === null) this.flattenAndHalt('KILL_SWITCH', 'kill switch: flatten', this.nowMs);
  }

  /** End of the session's data: close the last bars, square off anything left, summarise. */
  async endSession(): Promise<DaySummary> {
    for (const f of this.feeds) f.flush();
    if (!this.squaredOff) this.squareOff(this.nowMs);
    this.refreshBoundary();
    await this.orders.idle();
    const flat = this.deps.portfolio.openPositions === 0;
    this.record({ type: 'SESSION_ENDED', timeMs: this.nowMs, flat });
    await this.deps.journal.flush();
    // The session stays set: a checkpoint taken after the end (the driver settles once more) must
    // still name its day, or a restart then would find it corrupt and refuse to start.
    const date = this.session?.date ?? '';
    return {
      date,
      trades: [...this.trades],
      denials: { ...this.denials },
      signals: this.signals,
      realisedNetPaise: this.deps.portfolio.realisedNetPaise,
      costsPaise: this.deps.portfolio.costsPaise,
      flat,
      halted: this.haltReason,
    };
  }

  // ---- checkpoints and restarts ------------------------------------------------------------

  private storeDown: string | null = null;
  /**
   * The state store failed past its budget: open no new risk (entries are denied with
   * STORE_UNAVAILABLE) while open positions keep their stops and exits.
   */
  storeUnavailable(reason: string): void {
    if (this.storeDown !== null) return;
    this.storeDown = reason;
    this.record({ type: 'HALT', timeMs: this.nowMs, reason: `state store unavailable: ${reason}` });
    this.deps.log.error('state store unavailable: no new entries', { reason });
  }

  /** Whether anything a checkpoint covers changed since the last `snapshot()`. */
  get needsCheckpoint(): boolean {
    return this.dirty;
  }

  /** True while bars from history are being replayed into a restored engine. */
  private replaying = false;

  /**
   * The state a restart resumes from: strategy, risk, portfolio, what the strategy has been told,
   * and which executions are booked. Taken (and saved) before a tick that changed any of it is
   * acknowledged, so a restart loses only the open bars, which history rebuilds.
   */
  snapshot(): EngineSnapshot {
    this.dirty = false;
    return {
      version: 1,
      date: this.session?.date ?? '',
      nowMs: this.nowMs,
      squaredOff: this.squaredOff,
      haltReason: this.haltReason,
      signals: this.signals,
      intentCount: this.intentCount,
      denials: { ...this.denials },
      pendingTargetR: [...this.pendingTargetR],
      stopPaise: [...this.stopPaise],
      delivered: this.deps.instruments.map((_, i) => this.delivered[i] ?? 0),
      booked: [...this.booked],
      trades: [...this.trades],
      strategy: this.deps.strategy.snapshot(),
      risk: this.deps.risk.snapshot(),
      portfolio: this.deps.portfolio.snapshot(),
    };
  }

  /** Resume a session from a checkpoint (instead of `startSession`). */
  restore(session: TradingSession, bias: Bias | null, snapshot: EngineSnapshot): void {
    if (snapshot.date !== session.date) throw new Error(`checkpoint is for ${snapshot.date}, not ${session.date}`);
    if (snapshot.delivered.length !== this.deps.instruments.length) throw new Error('checkpoint is for a different set of symbols');
    this.session = session;
    this.squareOffMs = Math.min(istMidnightMs(session.openMs) + this.deps.profile.squareOffMinute * MINUTE_MS, session.closeMs);
    this.nowMs = snapshot.nowMs;
    this.squaredOff = snapshot.squaredOff;
    this.haltReason = snapshot.haltReason;
    this.signals = snapshot.signals;
    this.intentCount = snapshot.intentCount;
    this.denials = { ...snapshot.denials };
    snapshot.pendingTargetR.forEach((v, i) => (this.pendingTargetR[i] = v));
    snapshot.stopPaise.forEach((v, i) => (this.stopPaise[i] = v));
    snapshot.delivered.forEach((v, i) => (this.delivered[i] = v));
    this.booked.clear();
    for (const id of snapshot.booked) this.booked.add(id);
    this.trades.length = 0;
    this.trades.push(...snapshot.trades);
    this.deps.strategy.restore(snapshot.strategy);
    this.deps.risk.restore(snapshot.risk);
    this.deps.risk.setBias(bias);
    this.deps.strategy.setBias(bias);
    this.deps.portfolio.restore(snapshot.portfolio);
    this.refreshBoundary();
    this.dirty = false;
  }

  get timeframes(): readonly number[] {
    return this.deps.strategy.timeframes;
  }

  get instrumentList(): readonly Instrument[] {
    return this.deps.instruments;
  }

  /** What the strategy has been told about a symbol (recovery compares it with the orders). */
  deliveredState(symbol: number): 'FLAT' | 'PENDING' | 'OPEN' {
    const d = this.delivered[symbol] ?? 0;
    return d === 2 ? 'OPEN' : d === 1 ? 'PENDING' : 'FLAT';
  }

  isBooked(executionId: string): boolean {
    return this.booked.has(executionId);
  }

  /**
   * Rebuild the open bars after a restart from the broker's 1-minute history (bars starting at
   * or after `fromMs`, the partial current minute included). Bars that complete during the replay
   * reach the strategy, but any decision it makes is dropped: it would be stale.
   */
  replayHistoryBars(bars: readonly { readonly symbol: number; readonly bar: Bar }[], feedFromMs: ((timeframeMinutes: number) => number) | null): void {
    this.replaying = true;
    const tfs = this.deps.strategy.timeframes;
    const from = tfs.map((tf) => (feedFromMs === null ? Number.NEGATIVE_INFINITY : feedFromMs(tf)));
    try {
      for (const { symbol, bar } of bars) {
        // Each timeframe only from its own open bucket at the checkpoint: earlier bars are in the checkpoint.
        for (let i = 0; i < this.feeds.length; i++) if (bar.startMs >= (from[i] ?? 0)) this.feeds[i]?.mergeBar(symbol, bar);
      }
      this.pendingEntries.length = 0;
    } finally {
      this.replaying = false;
      this.refreshBoundary();
    }
  }

  // ---- callbacks from the order manager -------------------------------------------------

  /** A fill was applied to an order; the engine books it and tells the strategy. */
  onFill(symbol: number, fill: Fill, costsPaise: number, isEntry: boolean, exitReason: ExitReason | null, stopPaise: number): void {
    if (this.booked.has(fill.executionId)) return; // booked before a restart: never twice
    this.booked.add(fill.executionId);
    this.dirty = true;
    const pf = this.deps.portfolio;
    if (isEntry && pf.netQty(symbol) === 0) pf.setInitialStop(symbol, stopPaise);
    const res = pf.applyFill(symbol, fill.side, fill.qty, fill.pricePaise, costsPaise, fill.timeMs, isEntry ? null : exitReason);
    this.record({ type: 'FILL', timeMs: fill.timeMs, fill, costsPaise });
    this.record({
      type: 'POSITION',
      timeMs: fill.timeMs,
      strategy: this.deps.profile.strategyId,
      symbol: fill.symbol,
      netQty: res.netQty,
      avgPricePaise: pf.entryPricePaise(symbol),
      realisedPaise: pf.realisedNetPaise,
    });
    if (res.closed !== null) {
      this.trades.push(res.closed);
      this.record({ type: 'TRADE', timeMs: fill.timeMs, trade: res.closed });
      this.deps.risk.onPositionClosed(symbol);
      this.delivered[symbol] = 0;
      this.deps.strategy.onPositionClosed(symbol, fill.timeMs);
    }
  }

  /** The entry is complete (fully filled): the position is live and its stop is being placed. */
  onEntryComplete(symbol: number, direction: Direction, qty: number, entryTimeMs: number, stopPaise: number): void {
    const targetR = this.pendingTargetR[symbol] ?? 0;
    const entry = this.deps.portfolio.entryPricePaise(symbol);
    const riskPerUnit = Math.abs(entry - stopPaise);
    this.stopPaise[symbol] = stopPaise;
    const targetPaise = direction === 'LONG' ? entry + targetR * riskPerUnit : entry - targetR * riskPerUnit;
    this.deps.risk.onEntryFilled(symbol, riskPerUnit * qty);
    this.delivered[symbol] = 2;
    this.dirty = true;
    this.deps.strategy.onPositionOpened(
      symbol,
      { direction, qty, entryTimeMs, entryPricePaise: entry, stopPaise, riskPerUnitPaise: riskPerUnit, targetPaise },
      this.out,
    );
  }

  /** The entry will not happen (rejected by the broker, cancelled unfilled). */
  onEntryAbandoned(symbol: number, reason: string): void {
    this.delivered[symbol] = 0;
    this.dirty = true;
    this.deps.risk.onEntryAbandoned(symbol);
    this.deps.strategy.onEntryAbandoned(symbol, this.nowMs, reason);
  }

  /** The protective stop moved at the broker (trailing): open risk shrinks. */
  onStopMoved(symbol: number, stopPaise: number): void {
    this.stopPaise[symbol] = stopPaise;
    this.deps.risk.onPositionRiskChanged(symbol, this.deps.portfolio.openRiskPaise(symbol, stopPaise));
  }

  record(event: JournalEvent): void {
    this.deps.journal.record(event);
  }

  // ---- internals ------------------------------------------------------------------------

  private onBarClosed(symbol: number, timeframe: number, bar: Bar): void {
    this.deps.strategy.onBar(symbol, timeframe, bar, this.out);
  }

  private onBucketClosed(): void {
    this.dirty = true;
    if (this.pendingEntries.length === 0) return;
    const intents = this.pendingEntries.splice(0);
    this.admit(intents);
  }

  private onIntent(intent: Intent): void {
    this.intentCount += 1;
    this.dirty = true;
    if (this.replaying) return; // rebuilding state from history after a restart: decisions are stale
    this.signals += intent.kind === 'ENTER' ? 1 : 0;
    this.record({ type: 'SIGNAL', timeMs: intent.decidedAtMs, intent });
    const symbol = this.symbolIndex.get(intent.symbol);
    if (symbol === undefined) throw new Error(`strategy ${intent.strategy} emitted an intent for unknown symbol ${intent.symbol}`);
    switch (intent.kind) {
      case 'ENTER':
        // Entries wait for the end of the bucket so simultaneous triggers are ranked together.
        this.pendingEntries.push(intent);
        return;
      case 'MOVE_STOP':
        if (this.deps.portfolio.netQty(symbol) === 0) return;
        this.orders.moveStop(symbol, intent.stopPaise, intent.reason);
        return;
      case 'EXIT':
        if (this.deps.portfolio.netQty(symbol) === 0) return;
        this.orders.exit(symbol, intent.fraction, intent.reason);
        return;
    }
  }

  private admit(intents: EnterIntent[]): void {
    const now = this.nowMs;
    const candidates: EntryCandidate[] = [];
    for (const intent of intents) {
      const symbol = this.symbolIndex.get(intent.symbol);
      const inst = symbol === undefined ? undefined : this.deps.instruments[symbol];
      if (symbol === undefined || inst === undefined) continue;
      candidates.push({ symbol, intent, lotSize: inst.lotSize });
    }
    const decisions = this.squaredOff
      ? candidates.map((c): AdmitDecision => ({ symbol: c.symbol, approved: false, reason: 'OUTSIDE_WINDOW', detail: 'after square-off' }))
      : this.storeDown !== null
        ? candidates.map((c): AdmitDecision => ({ symbol: c.symbol, approved: false, reason: 'STORE_UNAVAILABLE', detail: this.storeDown ?? '' }))
        : this.deps.risk.admit(candidates, now);
    for (const d of decisions) {
      const c = candidates.find((x) => x.symbol === d.symbol);
      if (c === undefined) continue;
      if (d.approved) {
        this.record({
          type: 'RISK_DECISION',
          timeMs: now,
          strategy: c.intent.strategy,
          symbol: c.intent.symbol,
          decision: 'APPROVED',
          qty: d.qty,
          riskPaise: d.riskPaise,
          resized: d.resized,
        });
        this.pendingTargetR[c.symbol] = c.intent.targetR;
        this.delivered[c.symbol] = 1;
        this.orders.enter(c.symbol, c.intent.direction, d.qty, c.intent.stopPaise, c.intent.signalBarMs);
      } else {
        this.denials[d.reason] = (this.denials[d.reason] ?? 0) + 1;
        this.record({
          type: 'RISK_DECISION',
          timeMs: now,
          strategy: c.intent.strategy,
          symbol: c.intent.symbol,
          decision: 'DENIED',
          reason: d.reason,
          detail: d.detail,
        });
        this.deps.strategy.onEntryAbandoned(c.symbol, now, `${d.reason}: ${d.detail}`);
      }
    }
  }

  private squareOff(timeMs: number): void {
    this.squaredOff = true;
    this.orders.cancelEntries();
    for (let s = 0; s < this.deps.instruments.length; s++) {
      if (this.deps.portfolio.netQty(s) !== 0) this.orders.exit(s, 1, 'SQUARE_OFF');
    }
    this.deps.log.info('square-off', { timeMs });
  }

  private flattenAndHalt(reason: ExitReason, text: string, timeMs: number): void {
    this.haltReason = text;
    this.dirty = true;
    this.record({ type: 'HALT', timeMs, reason: text });
    this.orders.cancelEntries();
    for (let s = 0; s < this.deps.instruments.length; s++) {
      if (this.deps.portfolio.netQty(s) !== 0) this.orders.exit(s, 1, reason);
    }
    this.deps.log.warn('flatten and halt', { reason: text });
  }

  /**
   * End of data with orders still working (a backtest file that stops before the square-off):
   * show the matcher each symbol's last price once more, so exits fill there instead of never.
   */
  settleAtLastPrices(): void {
    const matcher = this.deps.matcher;
    if (matcher === undefined) return;
    for (let s = 0; s < this.lastPricePaise.length; s++) {
      const px = this.lastPricePaise[s] ?? 0;
      if (px > 0) matcher.onTick(s, this.nowMs, px, 0, 0);
    }
  }

  /** Last traded price per symbol (paise), for reports and end-of-data square-off. */
  lastPrice(symbol: number): number {
    return this.lastPricePaise[symbol] ?? 0;
  }
}
