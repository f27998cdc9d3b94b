import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { SsmKillSwitch } from '../trader/aws/ssm-kill-switch';
import { sdkClientConfig } from '../trader/aws/sdk';
import type { KillSwitchReading } from '../trader/risk/kill-switch';
import { CapturingLogger, ManualScheduler, fakeSdkOptions, json, jsonError, startFakeAws } from './support/fake-aws';
import type { FakeAws, FakeAwsHandler } from './support/fake-aws';

const NAME = '/tfl/default/kill-switch';

function parameter(value: string) {
  return json({ Parameter: { Name: NAME, Type: 'String', Value: value, Version: 3, ARN: `arn:aws:ssm:ap-south-1:123456789012:parameter${NAME}`, DataType: 'text' } });
}

const open: FakeAws[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function setup(handler: FakeAwsHandler, timing: { requestTimeoutMs?: number; callTimeoutMs?: number } = {}) {
  const aws = await startFakeAws(handler);
  open.push(aws);
  const client = new SSMClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1, requestTimeoutMs: timing.requestTimeoutMs ?? 1_000 }));
  const changes: KillSwitchReading[] = [];
  const scheduler = new ManualScheduler();
  const logger = new CapturingLogger();
  const ks = new SsmKillSwitch({
    client,
    parameterName: NAME,
    scheduler,
    logger,
    onChange: (r) => void changes.push(r),
    intervalMs: 5_000,
    callTimeoutMs: timing.callTimeoutMs ?? 2_000,
  });
  return { aws, ks, changes, scheduler, logger };
}

describe('SSM kill switch (SDK against a local SSM JSON endpoint)', () => {
  it('sends AmazonSSM.GetParameter for the parameter and maps off / stop / flatten like the file switch', async () => {
    let value = 'off';
    const s = await setup(() => parameter(value));
    await expect(s.ks.start()).resolves.toEqual({ state: 'off', warning: null });
    expect(s.aws.requests[0]?.operation).toBe('AmazonSSM.GetParameter');
    expect(JSON.parse(s.aws.requests[0]?.body ?? '{}')).toMatchObject({ Name: NAME });
    for (const [raw, state] of [['stop', 'stop'], [' FLATTEN\n', 'flatten'], ['', 'off'], ['Off', 'off']] as const) {
      value = raw;
      await expect(s.ks.poll()).resolves.toEqual({ state, warning: null });
    }
    expect(s.changes.map((c) => c.state)).toEqual(['off', 'stop', 'flatten', 'off']);
  });

  it('calls back only on change, and polls on the injected schedule', async () => {
    let value = 'off';
    const s = await setup(() => parameter(value));
    await s.ks.start();
    expect(s.scheduler.intervals()).toEqual([5_000]);
    s.scheduler.fire();
    await s.ks.poll(); // joins the scheduled poll
    expect(s.aws.requests).toHaveLength(2);
    value = 'stop';
    s.scheduler.fire();
    await s.ks.poll();
    s.scheduler.fire();
    await s.ks.poll();
    expect(s.changes.map((c) => c.state)).toEqual(['off', 'stop']);
    s.ks.stop();
    expect(s.scheduler.size).toBe(0);
  });

  it('treats an unknown value as stop with a warning', async () => {
    const s = await setup(() => parameter('pause'));
    const r = await s.ks.start();
    expect(r.state).toBe('stop');
    expect(r.warning).toMatch(/unrecognised content 'pause'/);
  });

  it('treats a missing parameter as stop (a deployment fault, not permission to trade)', async () => {
    const s = await setup(() => jsonError('ParameterNotFound', 'Parameter /tfl/default/kill-switch not found.'));
    const r = await s.ks.start();
    expect(r).toEqual({ state: 'stop', warning: expect.stringContaining('the parameter does not exist') as unknown });
    expect(s.logger.at('warn')).toHaveLength(1);
  });

  it('treats a server error as stop, logs it once while it lasts, and recovers when readable again', async () => {
    let fail = true;
    const s = await setup(() => (fail ? jsonError('InternalServerError', 'boom', 500) : parameter('off')));
    await expect(s.ks.start()).resolves.toMatchObject({ state: 'stop', warning: expect.stringContaining('InternalServerError') as unknown });
    await s.ks.poll();
    await s.ks.poll();
    expect(s.logger.at('warn')).toHaveLength(1);
    fail = false;
    await expect(s.ks.poll()).resolves.toEqual({ state: 'off', warning: null });
    expect(s.changes.map((c) => c.state)).toEqual(['stop', 'off']);
    expect(s.logger.lines.some((l) => l.msg === 'kill switch readable again')).toBe(true);
  });

  it('logs one ERROR when the parameter stays unreadable for errorAfterFailures polls', async () => {
    let fail = true;
    const aws = await startFakeAws(() => (fail ? jsonError('AccessDeniedException', 'not authorized') : parameter('off')));
    open.push(aws);
    const logger = new CapturingLogger();
    const ks = new SsmKillSwitch({
      client: new SSMClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1 })),
      parameterName: NAME,
      scheduler: new ManualScheduler(),
      logger,
      onChange: () => undefined,
      errorAfterFailures: 3,
    });
    await ks.start();
    await ks.poll();
    expect(logger.at('error')).toHaveLength(0);
    for (let i = 0; i < 5; i++) await ks.poll();
    expect(logger.at('error')).toHaveLength(1);
    fail = false;
    await ks.poll();
    fail = true;
    for (let i = 0; i < 3; i++) await ks.poll();
    expect(logger.at('error')).toHaveLength(2); // a new outage counts afresh
  });

  it('bounds a hanging server: stop with a warning within the deadline', async () => {
    const s = await setup(() => 'hang', { requestTimeoutMs: 5_000, callTimeoutMs: 200 });
    const t0 = performance.now();
    const r = await s.ks.start();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r.state).toBe('stop');
    expect(r.warning).toMatch(/cannot read the kill switch/);
  });

  it('bounds one hung attempt by the request timeout too', async () => {
    const s = await setup(() => 'hang', { requestTimeoutMs: 150, callTimeoutMs: 10_000 });
    const t0 = performance.now();
    const r = await s.ks.start();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r.warning).toMatch(/TimeoutError/);
  });

  it('never lets a failed read lower flatten to stop', async () => {
    let fail = false;
    const s = await setup(() => (fail ? jsonError('ThrottlingException', 'slow down') : parameter('flatten')));
    await s.ks.start();
    fail = true;
    await expect(s.ks.poll()).resolves.toMatchObject({ state: 'flatten' });
    expect(s.changes.map((c) => c.state)).toEqual(['flatten']);
  });

  it('survives a throwing callback and delivers the state again on the next poll', async () => {
    const aws = await startFakeAws(() => parameter('stop'));
    open.push(aws);
    const logger = new CapturingLogger();
    let calls = 0;
    const ks = new SsmKillSwitch({
      client: new SSMClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1 })),
      parameterName: NAME,
      scheduler: new ManualScheduler(),
      logger,
      onChange: () => {
        calls++;
        if (calls === 1) throw new Error('engine busy');
      },
    });
    await expect(ks.start()).resolves.toMatchObject({ state: 'stop' });
    await ks.poll();
    await ks.poll();
    expect(calls).toBe(2);
    expect(logger.at('error')).toHaveLength(1);
  });
});
