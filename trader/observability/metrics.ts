import type { LogSink } from './log';
import { METRIC } from './metric-names';
import type { TraderMetricName } from './metric-names';

/**
 * The trader's metrics port and its CloudWatch embedded-metric-format (EMF) encoding.
 *
 * Values are recorded with `gauge` (last value wins) or `count` (summed) and leave the process
 * as ONE EMF record per `flush(atMs)`: namespace, dimension `Profile` = the profile name, one
 * entry per metric recorded since the previous flush. Where the record goes is the sink's
 * business: the CloudWatch agent's TCP endpoint in AWS (metrics-tcp.ts), the trader's log
 * locally (LogEmfSink). Nothing here reads a clock: the caller stamps the flush.
 */

export type MetricUnit = 'Count' | 'Count/Second' | 'Seconds' | 'None';

/** CloudWatch units per trader metric (metric-names.ts documents each). */
export const METRIC_UNITS: Readonly<Record<TraderMetricName, MetricUnit>> = {
  Heartbeat: 'Count',
  TicksPerSecond: 'Count/Second',
  TickAgeSeconds: 'Seconds',
  OpenPositions: 'Count',
  DayPnlRupees: 'None',
  DayR: 'None',
  OrdersPlaced: 'Count',
  OrdersRejected: 'Count',
  RiskDenials: 'Count',
  Errors: 'Count',
};

/** Emission order (stable records, readable diffs): the order of `METRIC`. */
const ORDER: readonly TraderMetricName[] = Object.values(METRIC);

export interface Metrics {
  /** Set a level (positions, P&L, age); the last value before a flush is the one sent. */
  gauge(name: TraderMetricName, value: number): void;
  /** Add to a per-flush count (orders, denials); starts at 0 after each flush. */
  count(name: TraderMetricName, by?: number): void;
  /** Emit everything recorded since the last flush as one record stamped `atMs`; nothing recorded, nothing sent. */
  flush(atMs: number): void;
}

/** Where an encoded EMF record (one JSON line, without the newline) goes. Must never throw or block. */
export interface EmfSink {
  send(line: string): void;
  close(): Promise<void>;
}

export interface EmfOptions {
  /** CloudWatch namespace (`TFL`; TFL_METRICS_NAMESPACE). */
  readonly namespace: string;
  /** Value of the `Profile` dimension. */
  readonly profile: string;
  /** `_aws.LogGroupName`: the agent writes the record to this log group (TFL_EMF_LOG_GROUP); null = agent default. */
  readonly logGroupName: string | null;
}

export interface EmfRecord {
  readonly _aws: {
    readonly Timestamp: number;
    readonly LogGroupName?: string;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: MetricUnit }[];
    }[];
  };
  readonly Profile: string;
  readonly [metric: string]: unknown;
}

/**
 * One EMF record (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Non-finite values are left out: CloudWatch rejects NaN and Infinity, and one bad value must
 * not cost the heartbeat in the same record. Returns null when no value remains.
 */
export function emfRecord(opts: EmfOptions, atMs: number, values: ReadonlyMap<TraderMetricName, number>): EmfRecord | null {
  const metrics: { Name: string; Unit: MetricUnit }[] = [];
  const fields: Record<string, number> = {};
  for (const name of ORDER) {
    const v = values.get(name);
    if (v === undefined || !Number.isFinite(v)) continue;
    metrics.push({ Name: name, Unit: METRIC_UNITS[name] });
    fields[name] = v;
  }
  if (metrics.length === 0) return null;
  const directive = { Namespace: opts.namespace, Dimensions: [['Profile']], Metrics: metrics };
  const aws =
    opts.logGroupName === null
      ? { Timestamp: Math.trunc(atMs), CloudWatchMetrics: [directive] }
      : { Timestamp: Math.trunc(atMs), LogGroupName: opts.logGroupName, CloudWatchMetrics: [directive] };
  return { _aws: aws, Profile: opts.profile, ...fields };
}

/** The metrics port over an EMF sink. */
export class EmfMetrics implements Metrics {
  private readonly values = new Map<TraderMetricName, number>();
  constructor(
    private readonly opts: EmfOptions,
    private readonly sink: EmfSink,
  ) {}
  gauge(name: TraderMetricName, value: number): void {
    this.values.set(name, value);
  }
  count(name: TraderMetricName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }
  flush(atMs: number): void {
    const rec = emfRecord(this.opts, atMs, this.values);
    this.values.clear();
    if (rec !== null) this.sink.send(JSON.stringify(rec));
  }
}

/**
 * Local runs: the same EMF JSON, one line per record, into the trader's log stream (file or
 * stdout). The lines carry no `level`, so the ERROR/FATAL metric filter never counts them.
 */
export class LogEmfSink implements EmfSink {
  constructor(private readonly out: LogSink) {}
  send(line: string): void {
    this.out.write(`${line}\n`);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
