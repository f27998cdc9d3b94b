import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { awsRuntimeFromEnv } from '../trader/aws/config';
import { awsOps, localOps } from '../trader/aws/runtime';
import { METRIC } from '../trader/observability/metric-names';
import { MetricsReporter } from '../trader/observability/reporter';
import type { KillSwitchReading } from '../trader/risk/kill-switch';
import { CapturingLogger, ManualClock, ManualScheduler, fakeSdkOptions, json, jsonError, snsPublishOk, startFakeAws } from './support/fake-aws';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeAgent() {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setEncoding('utf8');
    let partial = '';
    s.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { lines, port: (server.address() as AddressInfo).port };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > 2_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('operational adapters wired from the environment', () => {
  it('AWS mode: kill switch from SSM, broker key from Secrets Manager, alerts to SNS, metrics to the agent', async () => {
    const agent = await fakeAgent();
    const aws = await startFakeAws((r) => {
      switch (r.operation) {
        case 'AmazonSSM.GetParameter':
          return json({ Parameter: { Name: '/tfl/default/kill-switch', Type: 'String', Value: 'stop', Version: 1 } });
        case 'secretsmanager.GetSecretValue':
          return json({ SecretString: JSON.stringify({ apiKey: 'k-123456' }), VersionId: 'v1' });
        case 'Publish':
          return snsPublishOk('m-1');
        default:
          return jsonError('UnknownOperationException', r.operation);
      }
    });
    cleanups.push(() => aws.close());
    const cfg = awsRuntimeFromEnv({
      TFL_PROFILE: 'default',
      AWS_REGION: 'ap-south-1',
      TFL_TABLE_NAME: 'tfl-state',
      TFL_ALERT_TOPIC_ARN: 'arn:aws:sns:ap-south-1:123456789012:tfl-alarms',
      TFL_BROKER_SECRET_ARN: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:tfl/broker-AbCdEf',
      TFL_KILL_SWITCH_PARAMETER: '/tfl/default/kill-switch',
      TFL_EMF_ENDPOINT: `tcp://127.0.0.1:${agent.port}`,
      TFL_EMF_LOG_GROUP: '/tfl/trader-metrics',
    });
    if (cfg === null) throw new Error('expected AWS mode');
    const clock = new ManualClock(Date.UTC(2024, 5, 10, 4, 0));
    const scheduler = new ManualScheduler();
    const logger = new CapturingLogger();
    const switches: KillSwitchReading[] = [];
    const ops = awsOps(cfg, { clock, scheduler, logger, onKillSwitch: (r) => void switches.push(r), sdk: { ...fakeSdkOptions(aws.endpoint), maxAttempts: 1 } });
    cleanups.push(() => ops.close());

    expect(ops.mode).toBe('aws');
    await ops.killSwitch?.start();
    expect(switches).toEqual([{ state: 'stop', warning: null }]);
    await expect(ops.brokerSecret?.get()).resolves.toMatchObject({ apiKey: 'k-123456' });
    await ops.alerts.alert('feed down', 'no ticks');
    expect(new URLSearchParams(aws.requests.at(-1)?.body).get('Subject')).toBe('TFL default: feed down');

    const reporter = new MetricsReporter({
      metrics: ops.metrics,
      snapshot: () => ({ ticksAccepted: 5, engineTimeMs: clock.ms, lastTickMs: clock.ms - 1_000, openPositions: 1, dayPnlPaise: 5_000, dayR: 0.1, ordersPlaced: 1, ordersRejected: 0, riskDenials: 0, errors: 0 }),
      clock,
      scheduler,
      logger,
    });
    reporter.start();
    clock.advance(60_000);
    reporter.report();
    await until(() => agent.lines.length === 1, 'the EMF record at the agent');
    const rec = JSON.parse(agent.lines[0] ?? '{}') as Record<string, unknown>;
    expect(rec).toMatchObject({ _aws: { LogGroupName: '/tfl/trader-metrics', CloudWatchMetrics: [{ Namespace: 'TFL', Dimensions: [['Profile']] }] }, Profile: 'default', [METRIC.heartbeat]: 1, TickAgeSeconds: 1 });
    expect(logger.text()).not.toContain('k-123456');
  });

  it('local mode: EMF lines and alerts go to the log; no AWS pollers', async () => {
    const out: string[] = [];
    const logger = new CapturingLogger();
    const ops = localOps({ profile: 'default', clock: new ManualClock(0), scheduler: new ManualScheduler(), logger, logSink: { write: (l: string) => out.push(l) } });
    expect(ops.killSwitch).toBeNull();
    expect(ops.brokerSecret).toBeNull();
    ops.metrics.gauge(METRIC.heartbeat, 1);
    ops.metrics.flush(1);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'TFL' }] }, Profile: 'default', Heartbeat: 1 });
    await ops.alerts.alert('x', 'y');
    expect(logger.at('warn')).toHaveLength(1);
    await ops.close();
  });
});
