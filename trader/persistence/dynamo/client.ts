import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sdkClientConfig } from '../../aws/sdk';
import { stateTableName } from '../schema';

/**
 * How the trader reaches its state table, and the time and retry budget of every call.
 * Pure: the composition root passes the environment in (`storeConfigFromEnv`); nothing here
 * reads `process.env`.
 */

/**
 * The budget of one store call. DynamoDB answers in single-digit milliseconds (dynalite on
 * loopback in under one), so an attempt that takes a second is hung, not slow; three attempts
 * with short jittered back-off ride out a throttle burst or a dropped connection, and the
 * operation deadline caps the whole call (attempts, back-off, credential and endpoint
 * resolution) so the trader learns within 3 s that the store is gone — then it stops opening
 * risk (no broker call without a saved intent) and keeps protecting open positions.
 */
export interface StoreBudget {
  /** TCP connect (+TLS) of one attempt. */
  readonly connectionTimeoutMs: number;
  /** One attempt, request sent to response read; with `throwOnRequestTimeout`, so it really fails. */
  readonly requestTimeoutMs: number;
  /** Attempts including the first (throttling, 5xx, timeouts, resets are retried). */
  readonly maxAttempts: number;
  /** Back-off before retry n: a random delay up to min(cap, base × 2^(n−1)) (full jitter). */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** The whole SDK call, retries included; past it → StoreUnavailableError. */
  readonly operationTimeoutMs: number;
}

export const DEFAULT_STORE_BUDGET: StoreBudget = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  maxAttempts: 3,
  backoffBaseMs: 50,
  backoffCapMs: 400,
  operationTimeoutMs: 3_000,
};

/** Static credentials for local servers (dynalite, DynamoDB Local): never real keys. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'local';
/** The embedded store's table (the deployed one is `<prefix>-state`, from the stack). */
export const EMBEDDED_TABLE_NAME = stateTableName('tfl');

export interface DynamoClientConfig {
  readonly region: string;
  /** Set for a local server; omitted in AWS (regional endpoint, instance-role credentials). */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly budget?: StoreBudget;
}

export interface DynamoClients {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

export function createDynamoClients(config: DynamoClientConfig): DynamoClients {
  const budget = config.budget ?? DEFAULT_STORE_BUDGET;
  const base = sdkClientConfig({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    connectionTimeoutMs: budget.connectionTimeoutMs,
    requestTimeoutMs: budget.requestTimeoutMs,
    maxAttempts: budget.maxAttempts,
  });
  const client = new DynamoDBClient({ ...base, retryStrategy: new BoundedRetryStrategy(budget) });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return { client, doc };
}

// ----- retries: bounded attempts, short back-off (the SDK's default waits up to 1 s + 2 s on throttling) -----

type RetryErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

class Attempt implements RetryToken {
  constructor(
    private readonly retries: number,
    private readonly delayMs: number,
  ) {}
  getRetryCount(): number {
    return this.retries;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
}

/**
 * The SDK's retry-strategy interface (v2), kept small: retry throttling and transient errors
 * (timeouts, resets, HTTP 500/502/503/504) until `maxAttempts`, with full-jitter back-off capped
 * at `backoffCapMs`. Everything else (validation, conditional-check failure) is final at once.
 * Random jitter is fine here: it spreads retries, it never decides anything.
 */
export class BoundedRetryStrategy {
  constructor(private readonly budget: Pick<StoreBudget, 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs'>) {}

  acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return Promise.resolve(new Attempt(0, 0));
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: { readonly errorType: RetryErrorType }): Promise<RetryToken> {
    const retries = token.getRetryCount() + 1;
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || retries >= this.budget.maxAttempts) return Promise.reject(new Error('no retry'));
    const ceiling = Math.min(this.budget.backoffCapMs, this.budget.backoffBaseMs * 2 ** (retries - 1));
    return Promise.resolve(new Attempt(retries, Math.floor(Math.random() * ceiling)));
  }

  recordSuccess(_token: RetryToken): void {}
}

// ----- where the store lives -----

export type StoreConfig =
  /** dynalite in-process on 127.0.0.1, data under `dataDir` (kept across restarts). */
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly tableName: string }
  /** A DynamoDB-compatible server at an explicit endpoint (DynamoDB Local, a test proxy). */
  | { readonly kind: 'endpoint'; readonly endpoint: string; readonly region: string; readonly tableName: string }
  /** The deployed table in AWS (created by the State stack, never by the trader). */
  | { readonly kind: 'aws'; readonly region: string; readonly tableName: string };

export interface StoreEnvDefaults {
  /** The trader's data directory (`--data-dir`); the embedded store lives in `<dataDir>/dynalite`. */
  readonly dataDir: string;
}

/**
 * Pick the store from the environment (`--store memory` is the caller's business):
 * - nothing set → embedded dynalite under `<dataDir>/dynalite`;
 * - `TFL_DYNAMODB_ENDPOINT` → that server (region `AWS_REGION` or 'local'; table
 *   `TFL_TABLE_NAME` or the embedded name), dummy credentials;
 * - `TFL_TABLE_NAME` + `AWS_REGION` (or `AWS_DEFAULT_REGION`) → the real table in AWS.
 * Half a configuration (a region without a table name, or the reverse) is an error naming the
 * missing variable: a trader meant for AWS must never fall back to a local store silently.
 */
export function storeConfigFromEnv(env: Readonly<Record<string, string | undefined>>, defaults: StoreEnvDefaults = { dataDir: '.tfl' }): StoreConfig {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const endpoint = value('TFL_DYNAMODB_ENDPOINT');
  const region = value('AWS_REGION') ?? value('AWS_DEFAULT_REGION');
  const tableName = value('TFL_TABLE_NAME');
  if (tableName !== undefined && !/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName)) {
    throw new Error(`TFL_TABLE_NAME '${tableName}' is not a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)`);
  }
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(endpoint)) throw new Error(`TFL_DYNAMODB_ENDPOINT '${endpoint}' is not an http(s) URL`);
    return { kind: 'endpoint', endpoint, region: region ?? LOCAL_REGION, tableName: tableName ?? EMBEDDED_TABLE_NAME };
  }
  if (tableName !== undefined && region !== undefined) return { kind: 'aws', region, tableName };
  if (tableName !== undefined) throw new Error('TFL_TABLE_NAME is set but AWS_REGION is not: set both for the AWS store, or neither for the embedded one');
  if (region !== undefined) throw new Error('AWS_REGION is set but TFL_TABLE_NAME is not: set both for the AWS store, or neither for the embedded one');
  return { kind: 'embedded', dataDir: join(defaults.dataDir, 'dynalite'), tableName: EMBEDDED_TABLE_NAME };
}
