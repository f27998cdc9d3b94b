import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { LogAlertPublisher, SnsAlertPublisher, fileDedupeMemory, snsMessage, snsSubject } from '../trader/aws/alerts';
import type { AlertDedupeMemory } from '../trader/aws/alerts';
import { sdkClientConfig } from '../trader/aws/sdk';
import { CapturingLogger, ManualClock, fakeSdkOptions, snsError, snsPublishOk, startFakeAws } from './support/fake-aws';
import type { FakeAws, FakeAwsHandler } from './support/fake-aws';

const TOPIC = 'arn:aws:sns:ap-south-1:123456789012:tfl-alarms';
const MIN = 60_000;

const open: FakeAws[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(handler: FakeAwsHandler, o: { callTimeoutMs?: number; memory?: AlertDedupeMemory; clock?: ManualClock } = {}) {
  const aws = await startFakeAws(handler);
  open.push(aws);
  const logger = new CapturingLogger();
  const clock = o.clock ?? new ManualClock(1_000_000);
  const publisher = new SnsAlertPublisher({
    client: new SNSClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1, requestTimeoutMs: 5_000 })),
    topicArn: TOPIC,
    clock,
    logger,
    subjectPrefix: 'TFL default: ',
    dedupeWindowMs: 15 * MIN,
    callTimeoutMs: o.callTimeoutMs ?? 2_000,
    ...(o.memory === undefined ? {} : { memory: o.memory }),
  });
  const published = () => aws.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
  return { aws, logger, clock, publisher, published };
}

describe('SNS alerts (SDK against a local SNS query endpoint)', () => {
  it('publishes subject and message to the topic', async () => {
    const s = await setup(() => snsPublishOk('m-1'));
    await s.publisher.alert('feed down', 'no ticks for 120 s');
    expect(s.published()).toEqual([
      expect.objectContaining({ Action: 'Publish', TopicArn: TOPIC, Subject: 'TFL default: feed down', Message: 'no ticks for 120 s' }),
    ]);
    expect(s.logger.lines.find((l) => l.msg === 'alert published')?.fields).toMatchObject({ messageId: 'm-1' });
  });

  it('sends one message per subject per window, then reports how many were suppressed', async () => {
    const s = await setup(() => snsPublishOk('m'));
    await s.publisher.alert('restart', 'a');
    await s.publisher.alert('restart', 'b');
    s.clock.advance(10 * MIN);
    await s.publisher.alert('restart', 'c');
    await s.publisher.alert('other', 'd'); // a different subject is not a duplicate
    expect(s.published().map((p) => p.Message)).toEqual(['a', 'd']);
    s.clock.advance(5 * MIN);
    await s.publisher.alert('restart', 'e');
    const last = s.published().at(-1);
    expect(last?.Subject).toBe('TFL default: restart');
    expect(last?.Message).toMatch(/^e\n\n\(2 more alerts with this subject were suppressed in the last 15 min/);
  });

  it('treats concurrent alerts with one subject as duplicates', async () => {
    const s = await setup(() => snsPublishOk('m'));
    await Promise.all([s.publisher.alert('x', '1'), s.publisher.alert('x', '2'), s.publisher.alert('x', '3')]);
    expect(s.aws.requests).toHaveLength(1);
  });

  it('logs an SNS error at ERROR and resolves', async () => {
    const s = await setup(() => snsError('AuthorizationError', 'not authorized to publish'));
    await expect(s.publisher.alert('x', 'y')).resolves.toBeUndefined();
    expect(s.logger.at('error')[0]?.fields).toMatchObject({ subject: 'TFL default: x', error: expect.stringContaining('AuthorizationError') as unknown });
  });

  it('bounds a hanging SNS call and resolves', async () => {
    const s = await setup(() => 'hang', { callTimeoutMs: 200 });
    const t0 = performance.now();
    await expect(s.publisher.alert('x', 'y')).resolves.toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(s.logger.at('error')).toHaveLength(1);
  });

  it('does not re-send across restarts within the window when the dedupe memory is a file (crash loop)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-alerts-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-sent.json');
    const clock = new ManualClock(1_000_000);
    const first = await setup(() => snsPublishOk('m'), { clock, memory: fileDedupeMemory(path, new CapturingLogger()) });
    await first.publisher.alert('trader crashed', 'boom');
    clock.advance(MIN);
    const second = await setup(() => snsPublishOk('m'), { clock, memory: fileDedupeMemory(path, new CapturingLogger()) });
    await second.publisher.alert('trader crashed', 'boom again');
    expect(second.aws.requests).toHaveLength(0);
    clock.advance(15 * MIN);
    const third = await setup(() => snsPublishOk('m'), { clock, memory: fileDedupeMemory(path, new CapturingLogger()) });
    await third.publisher.alert('trader crashed', 'still');
    expect(third.aws.requests).toHaveLength(1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'TFL default: trader crashed': clock.ms });
  });

  it('starts empty with a warning when the dedupe file is corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-alerts-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-sent.json');
    writeFileSync(path, '{not json');
    const logger = new CapturingLogger();
    expect(fileDedupeMemory(path, logger).load().size).toBe(0);
    expect(logger.at('warn')).toHaveLength(1);
    expect(fileDedupeMemory(join(dir, 'absent.json'), logger).load().size).toBe(0);
    expect(logger.at('warn')).toHaveLength(1); // absent is normal
  });
});

describe('alert text for SNS', () => {
  it('makes subjects printable ASCII, single line, under 100 characters', () => {
    expect(snsSubject('P&L ₹ -5000\nhalted')).toBe('P&L -5000 halted');
    expect(snsSubject('x'.repeat(150))).toHaveLength(99);
    expect(snsSubject(' \n ')).toBe('(no subject)');
  });
  it('bounds message size', () => {
    expect(Buffer.byteLength(snsMessage('€'.repeat(100_000)))).toBeLessThan(256 * 1024);
    expect(snsMessage('')).toBe('(no message)');
  });
});

describe('LogAlertPublisher', () => {
  it('writes the alert as a WARN line', async () => {
    const logger = new CapturingLogger();
    await new LogAlertPublisher(logger).alert('feed down', 'no ticks');
    expect(logger.lines).toEqual([{ level: 'warn', msg: 'ALERT: feed down', fields: { alert: true, subject: 'feed down', message: 'no ticks' } }]);
  });
});
