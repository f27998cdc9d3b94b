import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import type { NseCalendar } from '../../trader/domain/calendar';
import { ATTR, PUT_ONCE_CONDITION, keys, partitions } from '../../trader/persistence/schema';
import type { DatedValue } from './rules';
import type { Alerter, BiasRecord, BiasStore, DailySeriesSource, Publisher, StoredBias, TradingDays } from './run';

/**
 * AWS adapters for the pre-market ports. Every call goes through clients built in handler.ts
 * with bounded request time and retries; items read back are parsed with zod (a corrupt item
 * is an error naming the key and field, never a guessed bias).
 */

/** Symbols whose daily bars the trader stores under `BARS#<symbol>` (schema.ts) at session end. */
export const BIAS_SYMBOLS = { nifty: 'NIFTY', vix: 'INDIAVIX' } as const;

const barItem = z.object({ sk: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), close: z.number().positive() });

/** Daily closes from the state table (`BARS#<symbol>`, sort key = date), latest `count` before `date`. */
export function dynamoSeries(doc: DynamoDBDocumentClient, tableName: string, symbol: string): DailySeriesSource {
  return {
    async closesBefore(date: string, count: number): Promise<DatedValue[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND #sk < :date',
          ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
          ExpressionAttributeValues: { ':pk': partitions.bars(symbol), ':date': date },
          ScanIndexForward: false,
          Limit: count,
        }),
      );
      const items = out.Items ?? [];
      return items
        .map((raw, i) => {
          const parsed = barItem.safeParse(raw);
          if (!parsed.success) throw new Error(`bad bar item ${partitions.bars(symbol)} #${i}: ${z.prettifyError(parsed.error)}`);
          return { date: parsed.data.sk, value: parsed.data.close };
        })
        .reverse();
    },
  };
}

const storedBias = z.object({
  date: z.string(),
  bias: z.enum(['LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']),
  reasons: z.array(z.string()),
  inputs: z.unknown(),
  ruleVersion: z.string(),
  computedAtMs: z.number().int(),
  alert: z.string().nullable(),
  publishedAtMs: z.number().int().optional(),
});

export function dynamoBiasStore(doc: DynamoDBDocumentClient, tableName: string): BiasStore {
  return {
    async putOnce(record: BiasRecord) {
      const key = keys.bias(record.date);
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key, ...record },
            ConditionExpression: PUT_ONCE_CONDITION,
          }),
        );
        return { created: true, record };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      // Another invocation stored the day's bias first: that record is the day's truth.
      const got = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }));
      const parsed = storedBias.safeParse(got.Item);
      if (!parsed.success) throw new Error(`bad bias item ${key.pk}/${key.sk}: ${z.prettifyError(parsed.error)}`);
      // inputs were written by this code from BiasInputs; they are carried through, not interpreted.
      const stored = { ...parsed.data, inputs: parsed.data.inputs ?? null } as StoredBias;
      return { created: false, record: stored };
    },
    async markPublished(date: string, atMs: number) {
      const key = keys.bias(date);
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key.pk, sk: key.sk },
            UpdateExpression: 'SET publishedAtMs = :t',
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(publishedAtMs)',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
            ExpressionAttributeValues: { ':t': atMs },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    },
  };
}

/** SNS subject lines are limited to 100 characters. */
function subject(s: string): string {
  return s.length <= 100 ? s : s.slice(0, 100);
}

/** Bias topic: a short SMS body and a full e-mail body in one message (MessageStructure json). */
export function snsPublisher(sns: SNSClient, topicArn: string): Publisher {
  return {
    async publish(m) {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject(m.subject),
          MessageStructure: 'json',
          Message: JSON.stringify({ default: m.full, email: m.full, sms: m.sms }),
        }),
      );
    },
  };
}

export function snsAlerter(sns: SNSClient, topicArn: string): Alerter {
  return {
    async alert(s, text) {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject(s), Message: text }));
    },
  };
}

/** Live trading days from the NSE calendar (2024–2026; it throws outside, which fails loudly). */
export function nseTradingDays(calendar: NseCalendar): TradingDays {
  return {
    isTradingDay: (date) => calendar.isTradingDay(date),
    previousTradingDay: (date) => calendar.previousSessionBefore(date)?.date ?? null,
  };
}
