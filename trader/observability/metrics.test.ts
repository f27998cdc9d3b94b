import { describe, expect, it } from 'vitest';
import { METRIC, METRIC_NAMESPACE } from './metric-names';
import { EmfMetrics, LogEmfSink, METRIC_UNITS, emfRecord } from './metrics';
import type { EmfSink } from './metrics';

function capture(): EmfSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, send: (l) => void lines.push(l), close: () => Promise.resolve() };
}

describe('EMF records', () => {
  it('carry _aws.Timestamp, the namespace, the Profile dimension, each metric with its unit, and the values', () => {
    const sink = capture();
    const m = new EmfMetrics({ namespace: METRIC_NAMESPACE, profile: 'default', logGroupName: '/tfl/trader-metrics' }, sink);
    m.gauge(METRIC.heartbeat, 1);
    m.gauge(METRIC.dayPnlRupees, -1234.5);
    m.count(METRIC.ordersPlaced);
    m.count(METRIC.ordersPlaced, 2);
    m.flush(1_718_000_000_123);
    expect(sink.lines).toHaveLength(1);
    expect(JSON.parse(sink.lines[0] ?? '')).toEqual({
      _aws: {
        Timestamp: 1_718_000_000_123,
        LogGroupName: '/tfl/trader-metrics',
        CloudWatchMetrics: [
          {
            Namespace: 'TFL',
            Dimensions: [['Profile']],
            Metrics: [
              { Name: 'Heartbeat', Unit: 'Count' },
              { Name: 'DayPnlRupees', Unit: 'None' },
              { Name: 'OrdersPlaced', Unit: 'Count' },
            ],
          },
        ],
      },
      Profile: 'default',
      Heartbeat: 1,
      DayPnlRupees: -1234.5,
      OrdersPlaced: 3,
    });
  });

  it('omits _aws.LogGroupName when none is configured (the agent picks its default)', () => {
    const rec = emfRecord({ namespace: 'TFL', profile: 'p', logGroupName: null }, 5, new Map([[METRIC.heartbeat, 1]]));
    expect(rec?._aws).not.toHaveProperty('LogGroupName');
    expect(rec?._aws.Timestamp).toBe(5);
  });

  it('leaves out non-finite values and sends nothing when nothing is left', () => {
    const sink = capture();
    const m = new EmfMetrics({ namespace: 'TFL', profile: 'p', logGroupName: null }, sink);
    m.gauge(METRIC.dayR, Number.NaN);
    m.flush(1);
    expect(sink.lines).toEqual([]);
    m.gauge(METRIC.dayR, Number.POSITIVE_INFINITY);
    m.gauge(METRIC.heartbeat, 1);
    m.flush(2);
    const rec = JSON.parse(sink.lines[0] ?? '') as Record<string, unknown>;
    expect(rec).not.toHaveProperty('DayR');
    expect(rec).toHaveProperty('Heartbeat', 1);
  });

  it('starts counts afresh after each flush', () => {
    const sink = capture();
    const m = new EmfMetrics({ namespace: 'TFL', profile: 'p', logGroupName: null }, sink);
    m.count(METRIC.errors, 4);
    m.flush(1);
    m.count(METRIC.errors);
    m.flush(2);
    expect(sink.lines.map((l) => (JSON.parse(l) as { Errors: number }).Errors)).toEqual([4, 1]);
  });

  it('names a unit for every trader metric', () => {
    for (const name of Object.values(METRIC)) expect(METRIC_UNITS[name]).toBeDefined();
  });

  it('writes the same JSON as one log line locally', () => {
    const out: string[] = [];
    const m = new EmfMetrics({ namespace: 'TFL', profile: 'p', logGroupName: null }, new LogEmfSink({ write: (s: string) => out.push(s) }));
    m.gauge(METRIC.heartbeat, 1);
    m.flush(7);
    expect(out).toHaveLength(1);
    expect(out[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ _aws: { Timestamp: 7 }, Heartbeat: 1, Profile: 'p' });
  });
});
