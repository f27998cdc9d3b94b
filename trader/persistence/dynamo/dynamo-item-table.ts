import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describeAwsError } from '../../aws/sdk';
import { ATTR, type ItemKey } from '../schema';
import { StoreUnavailableError } from '../state-store';
import { DEFAULT_STORE_BUDGET, type DynamoClients, type StoreBudget } from './client';
import { LEASE_ATTR, type Item, type ItemTable, type QueryOptions, type SkRange, type WriteCondition } from './item-table';

interface Expression {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** The closed set of write conditions as DynamoDB expressions (the memory table evaluates the same set). */
export function conditionExpression(condition: WriteCondition): Expression {
  switch (condition.kind) {
    case 'none':
      return {};
    case 'absent':
      return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } };
    case 'version':
      return { ConditionExpression: '#ver = :expected', ExpressionAttributeNames: { '#ver': ATTR.version }, ExpressionAttributeValues: { ':expected': condition.expected } };
    case 'absentOrAtMost':
      return {
        ConditionExpression: 'attribute_not_exists(#pk) OR #a <= :v',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#a': condition.attr },
        ExpressionAttributeValues: { ':v': condition.value },
      };
    case 'leaseFree':
      return {
        ConditionExpression: 'attribute_not_exists(#pk) OR #exp <= :now OR #owner = :owner',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#exp': LEASE_ATTR.expiresAtMs, '#owner': LEASE_ATTR.owner },
        ExpressionAttributeValues: { ':now': condition.nowMs, ':owner': condition.owner },
      };
    case 'owner':
      return { ConditionExpression: '#owner = :owner', ExpressionAttributeNames: { '#owner': LEASE_ATTR.owner }, ExpressionAttributeValues: { ':owner': condition.owner } };
  }
}

function keyCondition(range: SkRange | null): Expression & { readonly KeyConditionExpression: string } {
  const names = { '#pk': ATTR.pk, '#sk': ATTR.sk };
  if (range === null) return { KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': ATTR.pk } };
  switch (range.op) {
    case 'begins_with':
      return { KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sk)', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':sk': range.value } };
    case '<':
    case '<=':
    case '>':
      return { KeyConditionExpression: `#pk = :pk AND #sk ${range.op} :sk`, ExpressionAttributeNames: names, ExpressionAttributeValues: { ':sk': range.value } };
  }
}

function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err instanceof Error && err.name === 'ConditionalCheckFailedException');
}

/** Errors that say the service is busy or gone, after the SDK's retries: the store is unavailable. */
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'AbortError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  if (UNAVAILABLE_NAMES.has(err.name)) return true;
  const fault = (err as { $fault?: unknown }).$fault;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (fault === 'server' || (typeof status === 'number' && status >= 500)) return true;
  if (typeof status === 'number') return false; // an answer: the request itself was refused
  // No HTTP answer: connection refused or reset, socket hang up, DNS, credentials unreachable —
  // but not our own bugs (a value the marshaller refused), which must not read as an outage.
  return !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError);
}

export interface DynamoItemTableOptions {
  /** Owned by the table from now on: `close()` destroys them. */
  readonly clients: DynamoClients;
  readonly tableName: string;
  readonly budget?: StoreBudget;
  readonly description?: string;
  /** Runs on close after the client is destroyed (e.g. stop the embedded server). */
  readonly onClose?: () => Promise<void>;
}

/**
 * The state table in DynamoDB. Every call gets an AbortSignal and a deadline
 * (`operationTimeoutMs`, retries included): past it, or when the SDK's bounded retries give up on
 * throttling, 5xx, timeouts or dropped connections, the call rejects with StoreUnavailableError.
 * A failed condition is an answer (false), not an error. Other client errors (validation, a
 * missing table) are bugs or configuration: they are rethrown as they are, with the key.
 */
export class DynamoItemTable implements ItemTable {
  readonly description: string;
  private readonly clients: DynamoClients;
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly budget: StoreBudget;
  private readonly onClose: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(options: DynamoItemTableOptions) {
    this.clients = options.clients;
    this.doc = options.clients.doc;
    this.tableName = options.tableName;
    this.budget = options.budget ?? DEFAULT_STORE_BUDGET;
    this.onClose = options.onClose;
    this.description = options.description ?? `dynamodb ${options.tableName}`;
  }

  async put(item: Item & ItemKey, condition: WriteCondition): Promise<boolean> {
    try {
      await this.call('PutItem', item, (abortSignal) => this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...conditionExpression(condition) }), { abortSignal }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async delete(key: ItemKey, condition: WriteCondition): Promise<boolean> {
    try {
      await this.call('DeleteItem', key, (abortSignal) =>
        this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [ATTR.pk]: key.pk, [ATTR.sk]: key.sk }, ...conditionExpression(condition) }), { abortSignal }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async get(key: ItemKey): Promise<Item | null> {
    const out = await this.call('GetItem', key, (abortSignal) =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [ATTR.pk]: key.pk, [ATTR.sk]: key.sk }, ConsistentRead: true }), { abortSignal }),
    );
    return out.Item ?? null;
  }

  async query(pk: string, range: SkRange | null, options: QueryOptions = {}): Promise<Item[]> {
    const kc = keyCondition(range);
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const remaining = options.limit === undefined ? undefined : options.limit - items.length;
      const page = await this.call('Query', { pk, sk: range?.value ?? '' }, (abortSignal) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            ...kc,
            ExpressionAttributeValues: { ...kc.ExpressionAttributeValues, ':pk': pk },
            ScanIndexForward: options.reverse !== true,
            ConsistentRead: true,
            ...(remaining === undefined ? {} : { Limit: remaining }),
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
          { abortSignal },
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && (options.limit === undefined || items.length < options.limit));
    return items;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clients.client.destroy();
    if (this.onClose !== undefined) await this.onClose();
  }

  /** One SDK call under the operation deadline; errors classified (condition failures pass through). */
  private async call<T>(operation: string, key: ItemKey, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const ms = this.budget.operationTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new StoreUnavailableError(`${this.description}: ${operation} ${key.pk} / ${key.sk} got no answer within ${ms} ms`));
      }, ms);
    });
    try {
      // The race also bounds what the abort signal does not reach (credential and endpoint resolution).
      return await Promise.race([send(controller.signal), deadline]);
    } catch (err) {
      if (err instanceof StoreUnavailableError || isConditionFailed(err)) throw err;
      const what = `${this.description}: ${operation} ${key.pk} / ${key.sk}: ${describeAwsError(err, { withMessage: true })}`;
      if (isUnavailable(err)) throw new StoreUnavailableError(`${what} (after up to ${this.budget.maxAttempts} attempts)`, { cause: err });
      throw new Error(what, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
