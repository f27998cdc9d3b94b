import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type AttributeDefinition,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { STATE_TABLE, type KeyDefinition } from '../schema';

/**
 * Create the state table from schema.ts when it does not exist (embedded dynalite, DynamoDB
 * Local) and wait until it and its indexes are ACTIVE. Never used against AWS: there the State
 * stack owns the table (PITR, deletion protection, retention).
 */
export async function ensureStateTable(client: DynamoDBClient, tableName: string, options: { readonly timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  if ((await describe(client, tableName)) === null) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (err) {
      // Created concurrently by another process on the same server: wait for it like ours.
      if (!(err instanceof ResourceInUseException)) throw err;
    }
  }
  while (true) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 10_000} ms (status ${table?.TableStatus ?? 'missing'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CreateTable request for schema.ts's state table (TTL is set by the stack; dynalite has no TTL calls). */
export function createTableInput(tableName: string): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Map<string, AttributeDefinition>();
  const define = (k: KeyDefinition): void => {
    attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  };
  define(STATE_TABLE.partitionKey);
  define(STATE_TABLE.sortKey);
  for (const index of STATE_TABLE.globalSecondaryIndexes) {
    define(index.partitionKey);
    define(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: STATE_TABLE.billing,
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: STATE_TABLE.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: STATE_TABLE.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: STATE_TABLE.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table ?? null;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return null;
    throw err;
  }
}
