import { describe, expect, it } from 'vitest';
import { CapturingLogger, ManualClock, ManualScheduler } from '../../test/support/fake-aws';
import { EmfMetrics } from './metrics';
import { MetricsReporter } from './reporter';
import type { TraderSnapshot } from './reporter';

const T0 = Date.UTC(2024, 5, 10, 4, 0); // 09:30 IST

function setup(initial: Partial<TraderSnapshot> = {}) {
  let snap: TraderSnapshot = {
    ticksAccepted: 0,
    engineTimeMs: null,
    lastTickMs: null,
    openPositions: 0,
    dayPnlPaise: 0,
    dayR: 0,
    ordersPlaced: 0,
    ordersRejected: 0,
    riskDenials: 0,
    errors: 0,
    ...initial,
  };
  const records: Record<string, unknown>[] = [];
  const clock = new ManualClock(T0);
  const scheduler = new ManualScheduler();
  const logger = new CapturingLogger();
  const metrics = new EmfMetrics({ namespace: 'TFL', profile: 'default', logGroupName: null }, {
    send: (l) => void records.push(JSON.parse(l) as Record<string, unknown>),
    close: () => Promise.resolve(),
  });
  const reporter = new MetricsReporter({ metrics, snapshot: () => snap, clock, scheduler, logger });
  const minute = (next: Partial<TraderSnapshot> = {}) => {
    snap = { ...snap, ...next };
    clock.advance(60_000);
    scheduler.fire();
    return records[records.length - 1] ?? {};
  };
  return { reporter, scheduler, clock, logger, records, minute, setSnap: (s: Partial<TraderSnapshot>) => (snap = { ...snap, ...s }) };
}

describe('MetricsReporter', () => {
  it('reports once a minute through the injected scheduler and stops when told', () => {
    const s = setup();
    s.reporter.start();
    expect(s.scheduler.intervals()).toEqual([60_000]);
    s.minute();
    s.minute();
    expect(s.records).toHaveLength(2);
    s.reporter.stop();
    expect(s.scheduler.size).toBe(0);
  });

  it('sends Heartbeat 1 only after real progress: ticks accepted or the engine clock advancing', () => {
    const s = setup();
    s.reporter.start();
    expect(s.minute()).toMatchObject({ Heartbeat: 0 }); // nothing happened yet
    expect(s.minute({ ticksAccepted: 10 })).toMatchObject({ Heartbeat: 1 });
    expect(s.minute()).toMatchObject({ Heartbeat: 0 }); // stuck: same counters, same engine time
    expect(s.minute({ engineTimeMs: T0 + 100_000 })).toMatchObject({ Heartbeat: 1 }); // quiet market, clock moved
    expect(s.minute({ engineTimeMs: T0 + 100_000 })).toMatchObject({ Heartbeat: 0 });
  });

  it('computes ticks per second over the interval and tick age against the wall clock', () => {
    const s = setup();
    s.reporter.start();
    const rec = s.minute({ ticksAccepted: 1200, lastTickMs: T0 + 60_000 - 2_500 });
    expect(rec).toMatchObject({ TicksPerSecond: 20, TickAgeSeconds: 2.5 });
    const stale = s.minute();
    expect(stale).toMatchObject({ TicksPerSecond: 0, TickAgeSeconds: 62.5 });
  });

  it('leaves tick age out before the first tick (no made-up age)', () => {
    const s = setup();
    s.reporter.start();
    expect(s.minute()).not.toHaveProperty('TickAgeSeconds');
  });

  it('sends levels as they are and counters as the increase since the last report', () => {
    const s = setup();
    s.reporter.start();
    const a = s.minute({ openPositions: 2, dayPnlPaise: -123_456, dayR: -0.75, ordersPlaced: 3, ordersRejected: 1, riskDenials: 2, errors: 0 });
    expect(a).toMatchObject({ OpenPositions: 2, DayPnlRupees: -1234.56, DayR: -0.75, OrdersPlaced: 3, OrdersRejected: 1, RiskDenials: 2, Errors: 0 });
    const b = s.minute({ ordersPlaced: 5, errors: 1 });
    expect(b).toMatchObject({ OrdersPlaced: 2, OrdersRejected: 0, RiskDenials: 0, Errors: 1 });
  });

  it('withholds the heartbeat and logs an error when the snapshot throws, without throwing into the scheduler', () => {
    const s = setup();
    const reporter = new MetricsReporter({
      metrics: new EmfMetrics({ namespace: 'TFL', profile: 'p', logGroupName: null }, { send: (l) => void s.records.push(JSON.parse(l) as Record<string, unknown>), close: () => Promise.resolve() }),
      snapshot: () => {
        throw new Error('portfolio broken');
      },
      clock: s.clock,
      scheduler: s.scheduler,
      logger: s.logger,
    });
    reporter.start();
    expect(() => s.scheduler.fire()).not.toThrow();
    expect(s.records).toEqual([expect.objectContaining({ Heartbeat: 0 })]);
    expect(s.logger.at('error')).toHaveLength(1);
  });
});
