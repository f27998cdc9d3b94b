import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_KIND_INDEX, keys } from '../schema';
import { StoreUnavailableError } from '../state-store';
import { describeStateStore, intent, journalEntry, trade } from '../state-store.contract';
import { EMBEDDED_TABLE_NAME, LOCAL_CREDENTIALS, createDynamoClients, storeConfigFromEnv, type StoreBudget } from './client';
import { ensureStateTable } from './create-table';
import { DynamoStateStore, openDynamoStateStore } from './dynamo-state-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded';

/** Loopback and an idle machine: generous enough for a busy CI box, still bounded. */
const TEST_BUDGET: StoreBudget = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3, backoffBaseMs: 20, backoffCapMs: 200, operationTimeoutMs: 8_000 };

let dir: string;
let server: EmbeddedDynamo;
let tables = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfl-dynamo-'));
  server = await startEmbeddedDynamo({ dataDir: join(dir, 'shared') });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function clients(endpoint = server.endpoint): ReturnType<typeof createDynamoClients> {
  return createDynamoClients({ region: 'local', endpoint, credentials: LOCAL_CREDENTIALS, budget: TEST_BUDGET });
}

describeStateStore('dynamodb (dynalite on 127.0.0.1)', async () => {
  const tableName = `contract-${++tables}`;
  const c = clients();
  await ensureStateTable(c.client, tableName);
  const store = new DynamoStateStore({ clients: c, tableName, budget: TEST_BUDGET });
  return {
    store,
    putRawItem: async (item) => {
      await c.doc.send(new PutCommand({ TableName: tableName, Item: item }));
    },
    close: () => store.close(),
  };
});

describe('DynamoStateStore', () => {
  it('creates the table exactly as schema.ts defines it (keys and the byKind index)', async () => {
    const c = clients();
    try {
      await ensureStateTable(c.client, 'schema-check');
      await ensureStateTable(c.client, 'schema-check'); // idempotent
      const t = (await c.client.send(new DescribeTableCommand({ TableName: 'schema-check' }))).Table;
      expect(t?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(t?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName), i.Projection?.ProjectionType])).toEqual([[BY_KIND_INDEX, ['gsi1pk', 'gsi1sk'], 'ALL']]);
    } finally {
      c.client.destroy();
    }
  });

  it('stores items with their kind, version and byKind attributes (trades list across days through the index)', async () => {
    const tableName = `items-${++tables}`;
    const c = clients();
    await ensureStateTable(c.client, tableName);
    const store = new DynamoStateStore({ clients: c, tableName, budget: TEST_BUDGET });
    try {
      await store.createOrder('default', '2024-06-10', intent());
      await store.putTrade('default', '2024-06-10', trade('T1'));
      await store.putTrade('default', '2024-06-11', trade('T2'));
      await store.appendJournal('default', '2024-06-10', journalEntry(1));
      const key = keys.order('default', '2024-06-10', intent().record.request.clientOrderId);
      const order = (await c.doc.send(new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk } }))).Item;
      expect(order).toMatchObject({ kind: 'ORDER', ver: 0 });
      const journal = (await c.doc.send(new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: keys.journal('default', '2024-06-10', 1).sk } }))).Item;
      expect(journal).toMatchObject({ kind: 'JOURNAL', seq: 1, type: 'HALT' });
      const listed = await c.doc.send(
        new QueryCommand({ TableName: tableName, IndexName: BY_KIND_INDEX, KeyConditionExpression: 'gsi1pk = :k', ExpressionAttributeValues: { ':k': 'default#TRADE' } }),
      );
      expect(listed.Items?.map((i): unknown => i.gsi1sk)).toEqual(['2024-06-10#T1', '2024-06-11#T2']);
    } finally {
      await store.close();
    }
  });

  it('a missing table is a configuration error, not an outage (not StoreUnavailableError)', async () => {
    const store = new DynamoStateStore({ clients: clients(), tableName: 'no-such-table', budget: TEST_BUDGET });
    try {
      const error = await store.createOrder('default', '2024-06-10', intent()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect(String(error)).toMatch(/ResourceNotFoundException/);
    } finally {
      await store.close();
    }
  });

  it('keeps the data across a restart of the embedded server on the same directory', async () => {
    const dataDir = join(dir, 'restart');
    const first = await openDynamoStateStore({ kind: 'embedded', dataDir, tableName: EMBEDDED_TABLE_NAME }, TEST_BUDGET);
    await first.createOrder('default', '2024-06-10', intent());
    for (let seq = 1; seq <= 5; seq++) await first.appendJournal('default', '2024-06-10', journalEntry(seq));
    await first.close();

    const second = await openDynamoStateStore({ kind: 'embedded', dataDir, tableName: EMBEDDED_TABLE_NAME }, TEST_BUDGET);
    try {
      const day = await second.loadDay('default', '2024-06-10');
      expect(day.orders).toEqual([intent()]);
      expect(day.lastJournalSeq).toBe(5);
      expect(second.description).toContain(dataDir);
    } finally {
      await second.close();
    }
  });
});

describe('storeConfigFromEnv', () => {
  it('embedded dynalite under the data directory when nothing is configured', () => {
    expect(storeConfigFromEnv({})).toEqual({ kind: 'embedded', dataDir: join('.tfl', 'dynalite'), tableName: 'tfl-state' });
    expect(storeConfigFromEnv({ TFL_TABLE_NAME: '' }, { dataDir: '/var/lib/tfl' })).toEqual({ kind: 'embedded', dataDir: '/var/lib/tfl/dynalite', tableName: 'tfl-state' });
  });

  it('the real table with a table name and a region', () => {
    expect(storeConfigFromEnv({ TFL_TABLE_NAME: 'tfl-state', AWS_REGION: 'ap-south-1' })).toEqual({ kind: 'aws', region: 'ap-south-1', tableName: 'tfl-state' });
    expect(storeConfigFromEnv({ TFL_TABLE_NAME: 'tfl-state', AWS_DEFAULT_REGION: 'ap-south-1' })).toMatchObject({ kind: 'aws' });
  });

  it('an explicit endpoint (DynamoDB Local, a proxy) with dummy credentials', () => {
    expect(storeConfigFromEnv({ TFL_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toEqual({ kind: 'endpoint', endpoint: 'http://127.0.0.1:8000', region: 'local', tableName: 'tfl-state' });
  });

  it('refuses half a configuration instead of silently using a local store', () => {
    expect(() => storeConfigFromEnv({ TFL_TABLE_NAME: 'tfl-state' })).toThrow(/AWS_REGION/);
    expect(() => storeConfigFromEnv({ AWS_REGION: 'ap-south-1' })).toThrow(/TFL_TABLE_NAME/);
    expect(() => storeConfigFromEnv({ TFL_TABLE_NAME: 'a', AWS_REGION: 'ap-south-1' })).toThrow(/TFL_TABLE_NAME/);
    expect(() => storeConfigFromEnv({ TFL_DYNAMODB_ENDPOINT: 'localhost:8000' })).toThrow(/TFL_DYNAMODB_ENDPOINT/);
  });
});

describe('embedded store directory lock', () => {
  it('refuses a second embedded store on the same directory with a clear error, and frees it on close', async () => {
    const dataDir = join(dir, 'locked');
    const first = await startEmbeddedDynamo({ dataDir });
    await expect(startEmbeddedDynamo({ dataDir })).rejects.toThrow(/in use by this process/);
    await first.close();
    const again = await startEmbeddedDynamo({ dataDir });
    await again.close();
  });

  it('takes over a lock left by a process that died', async () => {
    const dataDir = join(dir, 'stale');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tfl-store.lock'), '2147483646'); // no such process
    const store = await startEmbeddedDynamo({ dataDir });
    await store.close();
  });
});
