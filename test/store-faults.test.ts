import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { transition } from '../trader/orders/state-machine';
import { LOCAL_CREDENTIALS, createDynamoClients, type StoreBudget } from '../trader/persistence/dynamo/client';
import { ensureStateTable } from '../trader/persistence/dynamo/create-table';
import { DynamoStateStore } from '../trader/persistence/dynamo/dynamo-state-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../trader/persistence/dynamo/embedded';
import { keys } from '../trader/persistence/schema';
import { fill, intent, request } from '../trader/persistence/state-store.contract';
import { StoreConflictError, StoreCorruptError, StoreUnavailableError, type StoredOrder } from '../trader/persistence/state-store';

/**
 * Store-level fault cases of reliability.md §4 (5, 6, 22, 23, 24): the DynamoDB adapter against
 * dynalite on 127.0.0.1, with a fault proxy (node:http) between the SDK and dynalite that
 * answers with throttling or 500s, never answers, or forwards a write and drops its answer.
 */

const P = 'default';
const D = '2024-06-10';
const THROTTLE = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' });
const INTERNAL = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' });

type Mode =
  | { readonly kind: 'pass' }
  /** Answer `status`/`body` to the next `times` requests, then pass. */
  | { readonly kind: 'fail'; readonly status: number; readonly body: string; times: number }
  /** Accept requests and never answer. */
  | { readonly kind: 'blackhole' }
  /** Forward the next `times` requests of `operation` and drop their answers (reset the connection). */
  | { readonly kind: 'dropAnswer'; readonly operation: string; times: number };

class FaultProxy {
  mode: Mode = { kind: 'pass' };
  /** Operation of every request received ('PutItem', 'GetItem', …), in order. */
  readonly seen: string[] = [];
  /** Requests forwarded to dynalite. */
  readonly forwarded: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly upstreamPort: number) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  count(operation: string, list: readonly string[] = this.seen): number {
    return list.filter((o) => o === operation).length;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      this.seen.push(operation);
      const mode = this.mode;
      if (mode.kind === 'blackhole') return;
      if (mode.kind === 'fail' && mode.times > 0) {
        mode.times--;
        res.writeHead(mode.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(mode.body);
        return;
      }
      const drop = mode.kind === 'dropAnswer' && mode.operation === operation && mode.times > 0;
      if (drop) mode.times--;
      this.forward(req, Buffer.concat(chunks), operation, (status, headers, body) => {
        if (drop) {
          req.socket.destroy(); // committed upstream; the client never hears of it
          return;
        }
        res.writeHead(status, headers);
        res.end(body);
      });
    });
  }

  private forward(req: IncomingMessage, body: Buffer, operation: string, reply: (status: number, headers: Record<string, string>, body: Buffer) => void): void {
    this.forwarded.push(operation);
    const up = httpRequest({ host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const parts: Buffer[] = [];
      upRes.on('data', (c: Buffer) => parts.push(c));
      upRes.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(upRes.headers)) if (typeof v === 'string') headers[k] = v;
        reply(upRes.statusCode ?? 502, headers, Buffer.concat(parts));
      });
    });
    up.on('error', () => req.socket.destroy());
    up.end(body);
  }
}

const BUDGET: StoreBudget = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 3, backoffBaseMs: 20, backoffCapMs: 100, operationTimeoutMs: 5_000 };

let dir: string;
let dynalite: EmbeddedDynamo;
let proxy: FaultProxy;
let proxyEndpoint: string;
let tables = 0;
let tableName: string;
const open: DynamoStateStore[] = [];

function storeVia(endpoint: string, budget: StoreBudget = BUDGET): DynamoStateStore {
  const store = new DynamoStateStore({ clients: createDynamoClients({ region: 'local', endpoint, credentials: LOCAL_CREDENTIALS, budget }), tableName, budget });
  open.push(store);
  return store;
}

function accepted(order: StoredOrder): StoredOrder {
  const r = transition(order.record, { kind: 'SUBMIT_ACCEPTED', timeMs: order.record.createdMs + 100, brokerOrderId: 'B1' });
  if (!r.ok) throw new Error(r.error.message);
  return { ...order, record: r.record };
}

async function elapsedMs(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return { ms: performance.now() - t0, error };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfl-store-faults-'));
  dynalite = await startEmbeddedDynamo({ dataDir: dir });
});

afterAll(async () => {
  await dynalite.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  tableName = `faults-${++tables}`;
  const setup = createDynamoClients({ region: 'local', endpoint: dynalite.endpoint, credentials: LOCAL_CREDENTIALS });
  await ensureStateTable(setup.client, tableName);
  setup.client.destroy();
  proxy = new FaultProxy(Number(new URL(dynalite.endpoint).port));
  proxyEndpoint = await proxy.start();
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await proxy.close();
});

describe('store faults (reliability.md §4)', () => {
  it('case 22: throttled twice, the SDK retries and the intent is saved', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'fail', status: 400, body: THROTTLE, times: 2 };
    await store.createOrder(P, D, intent());
    expect(proxy.count('PutItem')).toBe(3);
    expect((await store.loadDay(P, D)).orders).toEqual([intent()]);
  });

  it('case 22: HTTP 500 twice, the SDK retries and the fill is saved once', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'fail', status: 500, body: INTERNAL, times: 2 };
    expect(await store.putFill(P, D, fill())).toBe('created');
    expect(proxy.count('PutItem')).toBe(3);
    expect((await store.loadDay(P, D)).fills).toHaveLength(1);
  });

  it('case 22: throttled past the retry budget, the call rejects with StoreUnavailableError and nothing is stored', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'fail', status: 400, body: THROTTLE, times: 100 };
    const { error } = await elapsedMs(store.createOrder(P, D, intent()));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String(error)).toMatch(/ThrottlingException/);
    expect(proxy.count('PutItem')).toBe(BUDGET.maxAttempts);
    proxy.mode = { kind: 'pass' };
    expect((await store.loadDay(P, D)).orders).toEqual([]);
  });

  it('case 22: 500s past the retry budget also reject with StoreUnavailableError', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'fail', status: 500, body: INTERNAL, times: 100 };
    await expect(store.appendJournal(P, D, { type: 'HALT', timeMs: 1, reason: 'x', seq: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(proxy.count('PutItem')).toBe(BUDGET.maxAttempts);
  });

  it('case 23: a store that never answers rejects within the deadline (500 ms budget, measured)', async () => {
    const budget: StoreBudget = { ...BUDGET, requestTimeoutMs: 300, operationTimeoutMs: 500 };
    const store = storeVia(proxyEndpoint, budget);
    proxy.mode = { kind: 'blackhole' };
    const { ms, error } = await elapsedMs(store.createOrder(P, D, intent()));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1_500);
    const read = await elapsedMs(store.loadDay(P, D));
    expect(read.error).toBeInstanceOf(StoreUnavailableError);
    expect(read.ms).toBeLessThan(1_500);
  });

  it('case 23: the request timeout alone fails a hung attempt (throwOnRequestTimeout), not only the deadline', async () => {
    const budget: StoreBudget = { ...BUDGET, requestTimeoutMs: 300, maxAttempts: 1, operationTimeoutMs: 20_000 };
    const store = storeVia(proxyEndpoint, budget);
    proxy.mode = { kind: 'blackhole' };
    const { ms, error } = await elapsedMs(store.getBias(D));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(ms).toBeLessThan(1_500);
  });

  it('case 24: a committed write whose ack was lost is treated as done when the stored item matches', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'dropAnswer', operation: 'PutItem', times: 1 };
    await store.createOrder(P, D, intent());
    // First attempt committed (answer dropped), the retry failed its condition, the read matched.
    expect(proxy.count('PutItem', proxy.forwarded)).toBe(2);
    expect(proxy.count('GetItem', proxy.forwarded)).toBe(1);

    proxy.mode = { kind: 'dropAnswer', operation: 'PutItem', times: 1 };
    await store.updateOrder(P, D, accepted(intent()), 0); // the version guard fails on the retry, the read matches
    expect((await store.loadDay(P, D)).orders).toEqual([accepted(intent())]);

    // A fill: stored once; the retry cannot tell its own lost write from an earlier one.
    proxy.mode = { kind: 'dropAnswer', operation: 'PutItem', times: 1 };
    expect(await store.putFill(P, D, fill())).toBe('duplicate');
    expect((await store.loadDay(P, D)).fills).toEqual([fill()]);
  });

  it('case 24: a committed write whose acks were all lost is done on a later identical retry, and a StoreConflictError with a different payload', async () => {
    const store = storeVia(proxyEndpoint);
    proxy.mode = { kind: 'dropAnswer', operation: 'PutItem', times: BUDGET.maxAttempts };
    await expect(store.createOrder(P, D, intent())).rejects.toBeInstanceOf(StoreUnavailableError);
    proxy.mode = { kind: 'pass' };
    // The outcome was unknown; the item is there (committed by the first attempt).
    const different: StoredOrder = { ...intent(), record: { ...intent().record, request: request(undefined, 20) } };
    const conflict = await elapsedMs(store.createOrder(P, D, different));
    expect(conflict.error).toBeInstanceOf(StoreConflictError);
    const key = keys.order(P, D, intent().record.request.clientOrderId);
    expect(conflict.error).toMatchObject({ key: { pk: key.pk, sk: key.sk } });
    await store.createOrder(P, D, intent());
    expect((await store.loadDay(P, D)).orders).toEqual([intent()]);
  });

  it('case 5 (store level): two traders on one store, exactly one acquires the lease; after it expires the other does', async () => {
    const a = storeVia(dynalite.endpoint);
    const b = storeVia(dynalite.endpoint);
    const now = 1_718_000_000_000;
    const [ra, rb] = await Promise.all([a.acquireLease(P, 'trader-a', now, 30_000), b.acquireLease(P, 'trader-b', now, 30_000)]);
    expect([ra.acquired, rb.acquired].filter(Boolean)).toHaveLength(1);
    const [winner, loser, loserName, winnerName] = ra.acquired ? [a, b, 'trader-b', 'trader-a'] : [b, a, 'trader-a', 'trader-b'];
    expect(await loser.acquireLease(P, loserName, now + 29_999, 30_000)).toEqual({ acquired: false, owner: winnerName, expiresAtMs: now + 30_000 });
    // The winner stops renewing (crashed); once the lease expires the other takes over.
    expect(await loser.acquireLease(P, loserName, now + 30_000, 30_000)).toEqual({ acquired: true, expiresAtMs: now + 60_000 });
    expect(await winner.renewLease(P, winnerName, now + 30_001, 30_000)).toBe(false);
  });

  it('case 6 (store level): a corrupt order item stops recovery with StoreCorruptError naming the key and field', async () => {
    const c = createDynamoClients({ region: 'local', endpoint: dynalite.endpoint, credentials: LOCAL_CREDENTIALS });
    const key = keys.order(P, D, intent().record.request.clientOrderId);
    await c.doc.send(new PutCommand({ TableName: tableName, Item: { ...key, ver: 0, exitReason: null, plannedStopPaise: 1, signalBarMs: 1, record: { ...intent().record, state: 'WORKING' } } }));
    c.client.destroy();
    const store = storeVia(dynalite.endpoint);
    const { error } = await elapsedMs(store.loadDay(P, D));
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect(error).toMatchObject({ key: { pk: key.pk, sk: key.sk }, field: 'record.state' });
  });
});
