import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { dynamoBiasStore, dynamoSeries, snsPublisher } from './adapters';
import { createHandler } from './app';
import type { BiasRecord, PreMarketDeps } from './run';

const rising = Array.from({ length: 60 }, (_, i) => ({ date: `2024-0${i < 30 ? 4 : 5}-${String((i % 30) + 1).padStart(2, '0')}`, value: 20_000 + i * 20 }));

function ctx(over: Partial<PreMarketDeps> = {}) {
  const logged: string[] = [];
  const metrics: [string, number][] = [];
  let flushed = 0;
  const deps: PreMarketDeps = {
    clock: { nowMs: () => Date.UTC(2024, 5, 10, 3, 15) }, // 2024-06-10 08:45 IST
    calendar: { isTradingDay: (d) => d !== '2024-06-08', previousTradingDay: () => '2024-05-30' },
    nifty: { closesBefore: () => Promise.resolve(rising) },
    vix: { closesBefore: () => Promise.resolve(rising.slice(-30).map((r) => ({ date: r.date, value: 14 }))) },
    store: { putOnce: (record) => Promise.resolve({ created: true, record }), markPublished: () => Promise.resolve() },
    publisher: { publish: () => Promise.resolve() },
    alerter: { alert: () => Promise.resolve() },
    ...over,
  };
  const handler = createHandler({
    deps,
    logger: { info: (m: string) => void logged.push(m), warn: (m: string) => void logged.push(m), error: (m: string) => void logged.push(m) },
    metrics: { addMetric: (n: string, _u: unknown, v: number) => void metrics.push([n, v]), publishStoredMetrics: () => void flushed++ },
  } as unknown as Parameters<typeof createHandler>[0]);
  return { handler, logged, metrics, flushed: () => flushed };
}

describe('pre-market handler (deps injected)', () => {
  it("computes today's IST date, publishes, records the bias metric and flushes metrics", async () => {
    const c = ctx();
    await expect(c.handler({})).resolves.toEqual({ status: 'PUBLISHED', date: '2024-06-10', bias: 'LONGS_ONLY' });
    expect(c.metrics).toEqual([['Bias', 1]]);
    expect(c.flushed()).toBe(1);
  });

  it('accepts a manual date and rejects a malformed one', async () => {
    await expect(ctx().handler({ date: '2024-06-08' })).resolves.toEqual({ status: 'NOT_TRADING_DAY', date: '2024-06-08', bias: null });
    await expect(ctx().handler({ date: '8/6/2024' })).rejects.toThrow(/event field 'date'/);
  });

  it('lets a store failure fail the invocation (so the scheduler retries) and still flushes metrics', async () => {
    const c = ctx({ store: { putOnce: () => Promise.reject(new Error('TimeoutError')), markPublished: () => Promise.resolve() } });
    await expect(c.handler({})).rejects.toThrow('TimeoutError');
    expect(c.flushed()).toBe(1);
  });
});

describe('AWS adapters (fake SDK clients)', () => {
  const record: BiasRecord = { date: '2024-06-10', bias: 'LONGS_ONLY', reasons: ['r'], inputs: null, ruleVersion: 'bias-v1', computedAtMs: 1, alert: null };

  it('puts the bias once with attribute_not_exists and returns the stored record on a duplicate', async () => {
    const sent: { input: Record<string, unknown> }[] = [];
    const doc = {
      send: (cmd: { input: Record<string, unknown> }) => {
        sent.push(cmd);
        if (sent.length === 1) return Promise.reject(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
        return Promise.resolve({ Item: { ...record, bias: 'NO_TRADES', computedAtMs: 0, publishedAtMs: 5 } });
      },
    } as unknown as DynamoDBDocumentClient;
    const out = await dynamoBiasStore(doc, 'tfl-state').putOnce(record);
    expect(sent[0]?.input).toMatchObject({ TableName: 'tfl-state', ConditionExpression: 'attribute_not_exists(pk)', Item: { pk: 'BIAS', sk: '2024-06-10', kind: 'BIAS' } });
    expect(sent[1]?.input).toMatchObject({ Key: { pk: 'BIAS', sk: '2024-06-10' }, ConsistentRead: true });
    expect(out).toMatchObject({ created: false, record: { bias: 'NO_TRADES', publishedAtMs: 5 } });
  });

  it('reads the latest closes before the date from BARS#<symbol>, ascending', async () => {
    let input: Record<string, unknown> = {};
    const doc = {
      send: (cmd: { input: Record<string, unknown> }) => {
        input = cmd.input;
        return Promise.resolve({ Items: [{ sk: '2024-06-07', close: 2 }, { sk: '2024-06-06', close: 1 }] });
      },
    } as unknown as DynamoDBDocumentClient;
    const out = await dynamoSeries(doc, 't', 'NIFTY').closesBefore('2024-06-10', 60);
    expect(out).toEqual([{ date: '2024-06-06', value: 1 }, { date: '2024-06-07', value: 2 }]);
    expect(input).toMatchObject({ ExpressionAttributeValues: { ':pk': 'BARS#NIFTY', ':date': '2024-06-10' }, ScanIndexForward: false, Limit: 60 });
  });

  it('publishes one SNS message with a short SMS body and a full e-mail body', async () => {
    let input: Record<string, unknown> = {};
    const sns = { send: (cmd: { input: Record<string, unknown> }) => Promise.resolve(void (input = cmd.input)) } as unknown as SNSClient;
    await snsPublisher(sns, 'arn:aws:sns:ap-south-1:1:tfl-bias').publish({ subject: 's', sms: 'short', full: 'long' });
    expect(input).toMatchObject({ MessageStructure: 'json', Message: JSON.stringify({ default: 'long', email: 'long', sms: 'short' }) });
  });
});
