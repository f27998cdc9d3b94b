import { BarAggregator } from '../bars/aggregator';
import { costSegmentOf, createCostModel } from '../brokers/costs';
import { PaperBroker } from '../brokers/paper/paper-broker';
import type { Profile } from '../config/profile';
import type { NseCalendar } from '../domain/calendar';
import type { Instrument } from '../domain/instrument';
import type { BrokerPort } from '../brokers/port';
import type { Bias } from '../domain/intent';
import { parseHhmm } from '../domain/time';
import { TickGate } from '../market-data/tick-gate';
import type { Logger } from '../observability/log';
import { journalPersistence, OrderManager, type CostFn, type OrderPersistence } from '../orders/order-manager';
import { Journal } from '../persistence/journal';
import type { JournalStore } from '../persistence/port';
import { Portfolio } from '../portfolio/portfolio';
import { RiskGate } from '../risk/risk-gate';
import type { Strategy } from '../strategies/port';
import { TflStrategy } from '../strategies/tfl/strategy';
import type { SimulatedClock } from './clock';
import { Engine, type PrimerPort } from './engine';
import { RiskBook } from './risk-book';
import type { PumpTarget } from './tick-pump';
import type { FaultHooks } from './faults';

/** `off` disables the bias filter (both sides trade); null: none published (no entries, NO_BIAS); otherwise the day's bias. */
export type BiasSetting = Bias | 'off' | null;

export interface RuntimeOptions {
  readonly profile: Profile;
  readonly instruments: readonly Instrument[];
  readonly calendar: NseCalendar;
  readonly journalStore: JournalStore;
  /** Simulated time for paper/backtest: advanced only when an event is applied (see `target`). */
  readonly clock: SimulatedClock;
  readonly mode: 'paper' | 'backtest' | 'live';
  readonly bias: BiasSetting;
  readonly log: Logger;
  /** Replaces the profile's strategy (tests drive the engine with scripted strategies). */
  readonly strategy?: Strategy;
  /** A live broker adapter; default: the paper broker, which also fills against the ticks. */
  readonly broker?: BrokerPort;
  /** Crash points (crash suite only). */
  readonly faults?: FaultHooks;
  /** The journal continues the day's sequence after a restart. */
  readonly journalStartSeq?: number;
  /** Keeps the decision path warm before each bar boundary (live trading; primer.ts). */
  readonly primer?: PrimerPort;
  /** Where orders are made durable; default: the journal (paper, backtest). */
  readonly persistence?: (parts: PersistenceParts) => OrderPersistence;
}

export interface PersistenceParts {
  readonly portfolio: Portfolio;
  readonly journal: Journal;
  readonly engine: () => Engine;
}

/** One trading runtime: the engine and the parts it drives, wired for paper or backtest. */
export interface Runtime {
  readonly engine: Engine;
  readonly orders: OrderManager;
  readonly broker: BrokerPort;
  /** The paper broker when it is the broker (null in live mode). */
  readonly paper: PaperBroker | null;
  readonly portfolio: Portfolio;
  readonly journal: Journal;
  readonly gate: TickGate;
  readonly risk: RiskGate;
  readonly riskBook: RiskBook;
  readonly bias: Bias | null;
  /** Where the tick pump delivers: advances the clock to the event, then the engine. */
  readonly target: PumpTarget;
  /** The runtime's clock: what orders, fills and stored records are stamped with. */
  readonly clock: SimulatedClock;
}

/**
 * Composition for paper and backtest modes: the paper broker fills against the same ticks the
 * engine sees (it is the engine's market matcher), and the journal is written before any order
 * reaches the broker. Live mode swaps the broker adapter and the clock, nothing else.
 */
export function buildRuntime(opts: RuntimeOptions): Runtime {
  const { profile, instruments, calendar, log } = opts;
  const biasOff = opts.bias === 'off';
  const bias: Bias | null = opts.bias === 'off' ? null : opts.bias;
  const strategy = opts.strategy ?? new TflStrategy({ ...profile.tfl, requireBias: biasOff ? false : profile.tfl.requireBias }, profile.strategy);
  const riskGate = new RiskGate({ ...profile.risk, requireBias: biasOff ? false : profile.risk.requireBias });
  const risk = new RiskBook(riskGate, instruments);
  const portfolio = new Portfolio(profile.strategy);
  const journal = new Journal(opts.journalStore, opts.journalStartSeq ?? 0);
  // Index mode: an index cannot be bought, so the paper broker fills it as its future would be
  // (same price, lot and tick from the master; costed as futures below).
  const tradable = instruments.map((i) => (i.type === 'INDEX' ? { ...i, type: 'FUTURE' as const } : i));
  const paper = opts.broker === undefined ? new PaperBroker({ instruments: tradable, config: profile.paperBroker, clock: opts.clock }) : null;
  const broker: BrokerPort = opts.broker ?? (paper as PaperBroker);
  const model = createCostModel(profile.costs);
  // Index mode is costed as the index future (an index itself is not tradable).
  const costs: CostFn = (fill, inst, before) =>
    model.fillCharges({
      segment: costSegmentOf(inst.type) ?? 'FUTURES',
      side: fill.side,
      qty: fill.qty,
      pricePaise: fill.pricePaise,
      orderTurnoverBeforePaise: before,
    }).totalPaise;
  const orders = new OrderManager({
    broker,
    clock: opts.clock,
    instruments,
    strategyId: profile.strategy,
    product: profile.product,
    costs,
    log,
    ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
    persistence: opts.persistence?.({ portfolio, journal, engine: () => engineRef }) ?? journalPersistence(() => journal.flush()),
  });
  // eslint-disable-next-line prefer-const -- assigned right below; persistence reads it lazily
  let engineRef: Engine;
  const engine = new Engine({
    profile: { name: profile.name, strategyId: profile.strategy, squareOffMinute: parseHhmm(profile.squareOff), mode: opts.mode },
    instruments,
    strategy,
    risk,
    portfolio,
    journal,
    log,
    bars: (timeframeMinutes, onClose, onBucketClosed) =>
      new BarAggregator({ timeframeMinutes, symbolCount: instruments.length, calendar, graceMs: profile.barGraceMs, onClose, onBucketClosed }),
    orders,
    ...(paper !== null ? { matcher: paper } : {}),
    ...(opts.primer !== undefined ? { primer: opts.primer } : {}),
  });
  engineRef = engine;
  orders.attach({
    onFill: (s, fill, c, isEntry, reason, stop) => engine.onFill(s, fill, c, isEntry, reason, stop),
    onEntryComplete: (s, dir, qty, t, stop) => engine.onEntryComplete(s, dir, qty, t, stop),
    onEntryAbandoned: (s, reason) => engine.onEntryAbandoned(s, reason),
    onStopMoved: (s, stop) => engine.onStopMoved(s, stop),
    record: (e) => engine.record(e),
    positionQty: (s) => portfolio.netQty(s),
    isBooked: (id) => engine.isBooked(id),
    deliveredState: (s) => engine.deliveredState(s),
  });
  const gate = new TickGate(instruments, calendar);
  const clock = opts.clock;
  const target: PumpTarget = {
    onTick: (symbol, timeMs, price, volume, bid, ask) => {
      clock.advanceTo(timeMs);
      return engine.onTick(symbol, timeMs, price, volume, bid, ask);
    },
    onClock: (nowMs) => {
      clock.advanceTo(nowMs);
      engine.onClock(nowMs);
    },
  };
  return { engine, orders, broker, paper, portfolio, journal, gate, risk: riskGate, riskBook: risk, bias, target, clock };
}
