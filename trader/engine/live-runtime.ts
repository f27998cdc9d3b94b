import type { BrokerPort } from '../brokers/port';
import type { Profile } from '../config/profile';
import type { NseCalendar } from '../domain/calendar';
import type { Instrument } from '../domain/instrument';
import type { Logger } from '../observability/log';
import type { JournalStore } from '../persistence/port';
import type { StateStore } from '../persistence/state-store';
import type { SimulatedClock } from './clock';
import type { PrimerPort } from './engine';
import type { FaultHooks } from './faults';
import type { Strategy } from '../strategies/port';
import { LiveDriver } from './live-driver';
import { buildRuntime, type BiasSetting, type Runtime } from './runtime';
import { StorePersistence } from './store-persistence';

export interface LiveRuntimeOptions {
  readonly profile: Profile;
  readonly instruments: readonly Instrument[];
  readonly calendar: NseCalendar;
  readonly store: StateStore;
  readonly journalStore: JournalStore;
  readonly broker: BrokerPort;
  readonly clock: SimulatedClock;
  readonly bias: BiasSetting;
  readonly date: string;
  readonly log: Logger;
  /** The day's highest journal sequence so far (from the store), so a restart continues it. */
  readonly journalStartSeq: number;
  readonly faults?: FaultHooks;
  /** Replaces the profile's strategy (benchmarks and tests). */
  readonly strategy?: Strategy;
  /** Keeps the decision path warm before each bar boundary (primer.ts). */
  readonly primer?: PrimerPort;
  /** Called once when the store fails past its budget (alerting). */
  readonly onStoreUnavailable?: (err: unknown) => void;
}

export interface LiveRuntime {
  readonly rt: Runtime;
  readonly persistence: StorePersistence;
  readonly driver: LiveDriver;
}

/** The engine wired to a live broker adapter and the state store (the `trade` command, crash tests). */
export function buildLiveRuntime(o: LiveRuntimeOptions): LiveRuntime {
  let persistence: StorePersistence | null = null;
  const rt = buildRuntime({
    profile: o.profile,
    instruments: o.instruments,
    calendar: o.calendar,
    journalStore: o.journalStore,
    clock: o.clock,
    mode: 'live',
    bias: o.bias,
    log: o.log,
    broker: o.broker,
    journalStartSeq: o.journalStartSeq,
    ...(o.faults !== undefined ? { faults: o.faults } : {}),
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(o.primer !== undefined ? { primer: o.primer } : {}),
    persistence: (parts) => {
      persistence = new StorePersistence(
        o.store,
        o.profile.name,
        () => o.date,
        (s) => o.instruments[s]?.symbol ?? String(s),
        (s) => ({ netQty: parts.portfolio.netQty(s), avgPricePaise: parts.portfolio.entryPricePaise(s) }),
        () => o.clock.nowMs(),
        o.log,
        (err) => {
          parts.engine().storeUnavailable(err instanceof Error ? err.message : String(err));
          o.onStoreUnavailable?.(err);
        },
      );
      return persistence;
    },
  });
  if (persistence === null) throw new Error('live runtime: persistence was not built');
  const driver = new LiveDriver(rt, o.store, persistence, o.profile.name, o.date, o.log);
  return { rt, persistence, driver };
}
