import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { NseCalendar } from '../../trader/domain/calendar';
import { METRIC_NAMESPACE, PRE_MARKET_SERVICE } from '../../trader/observability/metric-names';
import { BIAS_SYMBOLS, dynamoBiasStore, dynamoSeries, nseTradingDays, snsAlerter, snsPublisher } from './adapters';
import { createHandler } from './app';

/**
 * Composition root of the pre-market Lambda: the environment is parsed once at cold start
 * (a bad value fails the init with the variable's name), SDK clients get bounded request
 * times that actually throw (`throwOnRequestTimeout`) and bounded retries.
 */
export const envSchema = z.object({
  TABLE_NAME: z.string().min(3),
  BIAS_TOPIC_ARN: z.string().startsWith('arn:'),
  ALERT_TOPIC_ARN: z.string().startsWith('arn:'),
  SDK_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(2_000),
  SDK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
});
export type PreMarketEnv = z.infer<typeof envSchema>;

export function parseEnv(env: Record<string, string | undefined>): PreMarketEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`pre-market environment: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const env = parseEnv(process.env);
const requestHandler = new NodeHttpHandler({
  connectionTimeout: 1_000,
  requestTimeout: env.SDK_REQUEST_TIMEOUT_MS,
  throwOnRequestTimeout: true,
});
const clientConfig = { requestHandler, maxAttempts: env.SDK_MAX_ATTEMPTS };
const doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), { marshallOptions: { removeUndefinedValues: true } });
const sns = new SNSClient(clientConfig);

export const handler = createHandler({
  deps: {
    clock: { nowMs: () => Date.now() },
    calendar: nseTradingDays(new NseCalendar()),
    nifty: dynamoSeries(doc, env.TABLE_NAME, BIAS_SYMBOLS.nifty),
    vix: dynamoSeries(doc, env.TABLE_NAME, BIAS_SYMBOLS.vix),
    store: dynamoBiasStore(doc, env.TABLE_NAME),
    publisher: snsPublisher(sns, env.BIAS_TOPIC_ARN),
    alerter: snsAlerter(sns, env.ALERT_TOPIC_ARN),
  },
  logger: new Logger({ serviceName: PRE_MARKET_SERVICE }),
  metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName: PRE_MARKET_SERVICE }),
});
