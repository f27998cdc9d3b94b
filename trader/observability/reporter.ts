import type { Clock } from '../engine/clock';
import type { Logger } from './log';
import { METRIC } from './metric-names';
import type { TraderMetricName } from './metric-names';
import type { Metrics } from './metrics';

/** Periodic work, injected (a manual scheduler in tests, `timerScheduler` in the process). */
export interface Scheduler {
  /** Run `fn` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, fn: () => void): () => void;
}

/** Real timers for the composition root; unref'd so they never keep a finished process alive. */
export const timerScheduler: Scheduler = {
  every(intervalMs, fn) {
    const t = setInterval(fn, intervalMs);
    t.unref();
    return () => clearInterval(t);
  },
};

/**
 * What the trader knows about itself, read once per report. Counters are cumulative since the
 * process started (the reporter sends per-interval differences); levels are current values.
 */
export interface TraderSnapshot {
  /** Ticks the tick gate accepted since start. */
  readonly ticksAccepted: number;
  /** The engine's clock as of the last event it processed (tick or clock message); null before any. */
  readonly engineTimeMs: number | null;
  /** Exchange time of the newest accepted tick; null before the first. */
  readonly lastTickMs: number | null;
  readonly openPositions: number;
  /** Realised + unrealised P&L of the day, integer paise. */
  readonly dayPnlPaise: number;
  readonly dayR: number;
  readonly ordersPlaced: number;
  readonly ordersRejected: number;
  readonly riskDenials: number;
  /** Errors the trader handled (not the ERROR log line count, which a metric filter does). */
  readonly errors: number;
}

export interface MetricsReporterOptions {
  readonly metrics: Metrics;
  readonly snapshot: () => TraderSnapshot;
  /** Wall clock in the process: tick age is measured against it. */
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Default 60 s (the alarms' period). */
  readonly intervalMs?: number;
}

const COUNTERS = [
  ['ordersPlaced', METRIC.ordersPlaced],
  ['ordersRejected', METRIC.ordersRejected],
  ['riskDenials', METRIC.riskDenials],
  ['errors', METRIC.errors],
] as const satisfies readonly (readonly [keyof TraderSnapshot, TraderMetricName])[];

/**
 * Once per interval: Heartbeat (1 only when the main loop made real progress since the last
 * report — a tick accepted or the engine clock advanced — else 0, so a live but stuck process
 * still breaches the alarm), TicksPerSecond, TickAgeSeconds, the day's levels and the
 * per-interval counts. Never throws into the scheduler: a failing snapshot is logged and that
 * report carries Heartbeat 0 (whatever broke the snapshot is not progress).
 */
export class MetricsReporter {
  private readonly intervalMs: number;
  private cancel: (() => void) | null = null;
  private prev: TraderSnapshot | null = null;
  private prevAtMs: number | null = null;

  constructor(private readonly o: MetricsReporterOptions) {
    this.intervalMs = o.intervalMs ?? 60_000;
  }

  start(): void {
    if (this.cancel !== null) return;
    this.prevAtMs = this.o.clock.nowMs();
    this.cancel = this.o.scheduler.every(this.intervalMs, () => this.report());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** One report now (the scheduler calls this; the composition root may call it once before exit). */
  report(): void {
    const m = this.o.metrics;
    const now = this.o.clock.nowMs();
    let snap: TraderSnapshot;
    try {
      snap = this.o.snapshot();
    } catch (err) {
      this.o.logger.error('metrics snapshot failed; heartbeat withheld', { error: err });
      m.gauge(METRIC.heartbeat, 0);
      m.flush(now);
      return;
    }
    const prev = this.prev;
    const progressed =
      snap.ticksAccepted > (prev?.ticksAccepted ?? 0) ||
      (snap.engineTimeMs !== null && (prev === null || prev.engineTimeMs === null || snap.engineTimeMs > prev.engineTimeMs));
    m.gauge(METRIC.heartbeat, progressed ? 1 : 0);

    const elapsedMs = this.prevAtMs === null ? 0 : now - this.prevAtMs;
    if (elapsedMs > 0) m.gauge(METRIC.ticksPerSecond, (delta(snap.ticksAccepted, prev?.ticksAccepted) * 1000) / elapsedMs);
    if (snap.lastTickMs !== null) m.gauge(METRIC.tickAgeSeconds, Math.max(0, now - snap.lastTickMs) / 1000);
    m.gauge(METRIC.openPositions, snap.openPositions);
    m.gauge(METRIC.dayPnlRupees, snap.dayPnlPaise / 100);
    m.gauge(METRIC.dayR, snap.dayR);
    for (const [field, name] of COUNTERS) m.count(name, delta(snap[field], prev?.[field]));
    m.flush(now);

    this.prev = snap;
    this.prevAtMs = now;
  }
}

/** Increase of a cumulative counter; a counter that went down was reset, so all of it is new. */
function delta(current: number, previous: number | undefined): number {
  if (previous === undefined || current < previous) return current;
  return current - previous;
}
