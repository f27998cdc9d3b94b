/**
 * Fault cases of reliability.md §4 at the trader level that need processes or a wire broker:
 * `tfl trade` child processes on one dynalite server (cases 5, 6, 26), the exchange simulator in
 * lockstep (case 5), and the OpenAlgo adapter over the scripted fake OpenAlgo (cases 21, 25, 26).
 * Every server is on 127.0.0.1 with an ephemeral port; every child is killed in `finally`.
 * The in-process cases are in test/fault-cases.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAlgoBroker } from '../trader/brokers/openalgo/openalgo-broker';
import type { BrokerStatus } from '../trader/brokers/port';
import { defaultProfile } from '../trader/config/profile';
import { instrumentFor } from '../trader/config/instruments';
import type { Bar } from '../trader/domain/bar';
import { NseCalendar } from '../trader/domain/calendar';
import type { Bias, Intent } from '../trader/domain/intent';
import { toPaise } from '../trader/domain/money';
import { formatIst, istMinuteOfDay, istTimeOnDate } from '../trader/domain/time';
import { SimulatedClock } from '../trader/engine/clock';
import { buildLiveRuntime } from '../trader/engine/live-runtime';
import { recoverDay } from '../trader/engine/recovery';
import { ClockSkewError, runTradeSession } from '../trader/engine/trade-session';
import { nullLogger } from '../trader/observability/log';
import { EMBEDDED_TABLE_NAME, LOCAL_CREDENTIALS, LOCAL_REGION, createDynamoClients } from '../trader/persistence/dynamo/client';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../trader/persistence/dynamo/embedded';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import { MemoryStateStore } from '../trader/persistence/memory-state-store';
import { keys } from '../trader/persistence/schema';
import { StoreConflictError, type BiasRecord } from '../trader/persistence/state-store';
import { intent } from '../trader/persistence/state-store.contract';
import type { OpenedPosition, Strategy, StrategyOutput } from '../trader/strategies/port';
import { spawnSim, type SimChild } from './support/exchange-sim-client';
import { FakeOpenAlgo } from './support/fake-openalgo';

const MAIN = join(import.meta.dirname, '..', 'trader', 'main.ts');
const DATE = '2025-01-07';
const SYMBOLS = 'RELIANCE,INFY,SBIN';

let root: string;
const children = new Set<ChildProcess>();
const servers: EmbeddedDynamo[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tfl-fault-trader-'));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of servers) await d.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A dynalite server of its own per test (the trader's table name is fixed: `TFL_TABLE_NAME` in
 * the environment would select the AWS runtime), with the state table created.
 */
async function dynaliteServer(): Promise<EmbeddedDynamo> {
  const d = await startEmbeddedDynamo({ dataDir: dataDir('dynalite') });
  servers.push(d);
  return d;
}

interface Child {
  readonly proc: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  output(): string;
}

/** `tfl trade <args>` as a child process, local mode; `--store default` goes to `dynamo` (null: no endpoint). */
function trader(args: readonly string[], dynamo: EmbeddedDynamo | null): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, TFL_FAULT_POINT: '' };
  delete env.AWS_REGION;
  delete env.AWS_DEFAULT_REGION;
  delete env.TFL_TABLE_NAME;
  delete env.TFL_DYNAMODB_ENDPOINT;
  if (dynamo !== null) env.TFL_DYNAMODB_ENDPOINT = dynamo.endpoint;
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'trade', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, done, output: () => `${stdout}\n${stderr}` };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function dataDir(name: string): string {
  return mkdtempSync(join(root, `${name}-`));
}

describe('reliability.md §4 fault cases (trader processes, dynalite, fake OpenAlgo)', () => {
  it('case 5: two traders on one profile and one store: the second exits 3 at once naming the lease holder while the first trades the day to the end (exit 0)', async () => {
    const dynamo = await dynaliteServer();
    const table = EMBEDDED_TABLE_NAME;
    const key = 'case5-key';
    const sim: SimChild = await spawnSim(['--port', '0', '--api-key', key, '--seed', '5', '--date', DATE, '--symbols', SYMBOLS, '--state-dir', dataDir('sim'), '--lockstep', '--tick-rate-scale', '0.5']);
    const c = createDynamoClients({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
    const args = (dir: string): string[] => ['--broker', 'openalgo', '--api-url', sim.restUrl, '--ws-url', sim.wsUrl, '--api-key', key, '--symbols', SYMBOLS, '--data-dir', dir, '--date', DATE, '--bias', 'off', '--store', 'default'];
    try {
      const first = trader(args(dataDir('first')), dynamo);
      // The first holds the lease once its item is in the table.
      const leaseKey = keys.lease(defaultProfile().name);
      await waitFor(
        async () => {
          if (first.proc.exitCode !== null) throw new Error(`first trader exited early: ${first.output()}`);
          return (await c.doc.send(new GetCommand({ TableName: table, Key: { pk: leaseKey.pk, sk: leaseKey.sk } })).catch(() => ({ Item: undefined }))).Item !== undefined;
        },
        30_000,
        'first trader takes the lease',
      );
      const t0 = Date.now();
      const second = await within(trader(args(dataDir('second')), dynamo).done, 30_000, 'second trader exits');
      expect(second.code, second.stderr).toBe(3);
      expect(second.stderr).toMatch(/another trader \(.+\) holds this profile's lease until .*; not starting/);
      expect(second.stdout).toMatch(/second trader refused/); // the alert (local mode: in the log)
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(first.proc.exitCode).toBeNull(); // still trading
      const r = await within(first.done, 240_000, 'first trader finishes the day');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/done: \d+ trades/);
    } finally {
      c.client.destroy();
      sim.proc.kill('SIGKILL');
      await sim.exited;
    }
  }, 300_000);

  it('case 6: a corrupt order item in the store: `tfl trade` fails naming the key and field on every restart, and the broker gets no order', async () => {
    const dynamo = await dynaliteServer();
    const table = EMBEDDED_TABLE_NAME;
    const fake = await FakeOpenAlgo.start({ apiKey: 'case6-key' });
    const c = createDynamoClients({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
    try {
      const profile = defaultProfile().name;
      const good = intent();
      const key = keys.order(profile, DATE, good.record.request.clientOrderId);
      await c.doc.send(new PutCommand({ TableName: table, Item: { ...key, ver: 0, exitReason: null, plannedStopPaise: 1, signalBarMs: 1, record: { ...good.record, state: 'WORKING' } } }));
      const dir = dataDir('case6');
      for (let restart = 0; restart < 2; restart++) {
        const r = await within(
          trader(['--broker', 'openalgo', '--api-url', fake.apiUrl, '--ws-url', fake.wsUrl, '--api-key', fake.apiKey, '--symbols', 'RELIANCE', '--data-dir', dir, '--date', DATE, '--bias', 'off', '--store', 'default'], dynamo).done,
          30_000,
          'trader exits',
        );
        expect(r.code, r.stderr).not.toBe(0);
        expect(r.signal).toBeNull();
        expect(r.stderr).toContain(`${key.pk} / ${key.sk}, field 'record.state'`);
      }
      expect(fake.count('placeorder')).toBe(0);
      expect(fake.orders).toEqual([]);
    } finally {
      c.client.destroy();
      await fake.close();
    }
  }, 90_000);

  it("case 21: a fill frame lost on a healthy stream is applied by the adapter's periodic reconcile into the trader's books: position open, fill stored once, entry FILLED and linked, stop placed", async () => {
    const fake = await FakeOpenAlgo.start({ apiKey: 'case21-key' });
    const broker = new OpenAlgoBroker({ config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: fake.apiKey, strategy: 'tfl', pollIntervalMs: 150 } });
    const statuses: BrokerStatus[] = [];
    broker.onStatus((s) => statuses.push(s));
    try {
      const profile = defaultProfile();
      const calendar = new NseCalendar();
      const session = calendar.sessionOn(DATE);
      if (session === null) throw new Error('no session');
      const store = new MemoryStateStore();
      const strategy = new OneEntry('RELIANCE', istTimeOnDate(DATE, '09:59'));
      await broker.start();
      const live = buildLiveRuntime({
        profile,
        instruments: [instrumentFor('RELIANCE')],
        calendar,
        store,
        journalStore: new MemoryJournalStore(),
        broker,
        clock: new SimulatedClock(session.openMs),
        bias: 'off',
        date: DATE,
        log: nullLogger,
        journalStartSeq: 0,
        strategy,
      });
      await recoverDay({ rt: live.rt, session, bias: null, day: await store.loadDay(profile.name, DATE), history: () => Promise.resolve([]), nowMs: session.openMs, entryValidityMs: 60_000, log: nullLogger });
      // The entry's 'complete' update never reaches the trader; REST (trade book, order book) shows it.
      fake.pushFilter = (m) => m.order_status !== 'complete';
      fake.trade(toPaise(1_250));
      live.driver.tick('RELIANCE', 'NSE', istTimeOnDate(DATE, '09:59'), 1_250, 100);
      // Entries are ranked and admitted when their 15-minute bucket closes: the next bucket's tick sends it.
      live.driver.tick('RELIANCE', 'NSE', istTimeOnDate(DATE, '10:01'), 1_250, 100);
      await live.driver.settle();
      const entry = live.rt.orders.orders().find((o) => o.purpose === 'ENTRY');
      expect(entry?.brokerOrderId, 'the entry was sent').toEqual(expect.any(String));
      fake.trade(toPaise(1_251));
      await waitFor(() => fake.orders.some((o) => o.pricetype === 'SL-M'), 10_000, 'the stop is placed after the reconciled fill');
      await live.driver.settle();
      await live.rt.orders.idle();
      expect(fake.pushes.some((p) => p.dropped)).toBe(true);
      expect(statuses.some((s) => s.kind === 'discrepancy')).toBe(true);
      const qty = fake.orders.find((o) => o.pricetype === 'MARKET')?.quantity ?? 0;
      expect(qty).toBeGreaterThan(0);
      expect(live.rt.portfolio.netQty(0)).toBe(qty);
      expect(strategy.opened).toHaveLength(1);
      await live.rt.journal.flush();
      const day = await store.loadDay(profile.name, DATE);
      expect(day.fills).toHaveLength(1);
      const storedEntry = day.orders.find((o) => o.record.purpose === 'ENTRY');
      expect(storedEntry?.record).toMatchObject({ state: 'FILLED', filledQty: qty, brokerOrderId: fake.orders.find((o) => o.pricetype === 'MARKET')?.orderid });
      const stops = fake.orders.filter((o) => o.pricetype === 'SL-M');
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatchObject({ action: 'SELL', quantity: qty, order_status: 'trigger pending' });
    } finally {
      await broker.stop();
      await fake.close();
    }
  }, 30_000);

  it('case 25: the broker clock 10 min ahead: runTradeSession throws ClockSkewError before taking the lease, with no order', async () => {
    const fake = await FakeOpenAlgo.start({ apiKey: 'case25-key', dateOffsetMs: 600_000 });
    const broker = new OpenAlgoBroker({ config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: fake.apiKey, strategy: 'tfl' } });
    const store = new MemoryStateStore();
    const profile = defaultProfile();
    try {
      const run = runTradeSession({
        profile,
        symbols: ['RELIANCE'],
        date: DATE,
        store,
        broker,
        wsUrl: fake.wsUrl,
        apiKey: fake.apiKey,
        bias: 'off',
        owner: 'skewed',
        leaseTtlMs: 30_000,
        log: nullLogger,
        wallNow: () => Date.now(),
        maxClockSkewMs: 5_000,
      });
      const err = await within(
        run.then(
          () => null,
          (e: unknown) => e,
        ),
        10_000,
        'runTradeSession refuses',
      );
      expect(err).toBeInstanceOf(ClockSkewError);
      expect((err as ClockSkewError).skewMs).toBeGreaterThan(590_000);
      expect((err as ClockSkewError).skewMs).toBeLessThan(610_000);
      // The lease was never taken: another trader gets it at once.
      expect((await store.acquireLease(profile.name, 'other', Date.now(), 30_000)).acquired).toBe(true);
      expect(fake.count('placeorder')).toBe(0);
      expect(fake.subscriberCount).toBe(0);
    } finally {
      await broker.stop();
      await fake.close();
    }
  });

  it('a trading day that fails after the broker and the feed started closes both, so the process can exit and be restarted', async () => {
    const fake = await FakeOpenAlgo.start({ apiKey: 'stop-key' });
    const broker = new OpenAlgoBroker({ config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: fake.apiKey, strategy: 'tfl' } });
    try {
      // The broker's key is right, the feed's is not: the feed is refused after the broker started.
      const run = runTradeSession({
        profile: defaultProfile(),
        symbols: ['RELIANCE'],
        date: DATE,
        store: new MemoryStateStore(),
        broker,
        wsUrl: fake.wsUrl,
        apiKey: 'not-the-key',
        bias: 'off',
        owner: 'stopper',
        leaseTtlMs: 30_000,
        log: nullLogger,
        wallNow: () => Date.now(),
      });
      const err = await within(
        run.then(
          () => null,
          (e: unknown) => e,
        ),
        15_000,
        'runTradeSession fails',
      );
      expect(String(err)).toMatch(/FeedAuthError/);
      // Nothing of ours is left connected (the broker's order stream was open before the failure).
      const deadline = Date.now() + 5_000;
      while (fake.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(fake.connectionCount).toBe(0);
    } finally {
      await broker.stop();
      await fake.close();
    }
  });

  it('case 25: IST hours do not depend on the host time zone (same minute of day and formatting under TZ=America/New_York and UTC)', async () => {
    const instant = Date.UTC(2025, 2, 9, 7, 30, 0); // 2025-03-09: the US switches to DST that day
    const timeTs = join(import.meta.dirname, '..', 'trader', 'domain', 'time.ts');
    const script = `const t = await import(${JSON.stringify(timeTs)}); console.log(JSON.stringify([t.istMinuteOfDay(${instant}), t.formatIst(${instant}), t.istDateKey(${instant}), t.istTimeOnDate('2025-03-10', '09:15')]));`;
    const run = (tz: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: tz } });
        children.add(p);
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
        p.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out.trim());
          else reject(new Error(`TZ=${tz}: exit ${code}: ${err}`));
        });
      });
    const [ny, utc, kolkata] = await Promise.all([run('America/New_York'), run('UTC'), run('Asia/Kolkata')]);
    const expected = JSON.stringify([13 * 60, '2025-03-09T13:00:00+05:30', '2025-03-09', Date.UTC(2025, 2, 10, 3, 45)]);
    expect(ny).toBe(expected);
    expect(utc).toBe(expected);
    expect(kolkata).toBe(expected);
    expect([istMinuteOfDay(instant), formatIst(instant)]).toEqual([13 * 60, '2025-03-09T13:00:00+05:30']);
  }, 60_000);

  it('case 26: a profile with risk ≤ 0 exits 2 naming the field, before any broker request', async () => {
    const fake = await FakeOpenAlgo.start({ apiKey: 'case26-key' });
    try {
      const dir = dataDir('case26');
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ risk: { capitalRupees: -1 } }));
      const r = await within(
        trader(['--broker', 'openalgo', '--api-url', fake.apiUrl, '--ws-url', fake.wsUrl, '--api-key', fake.apiKey, '--profile', bad, '--symbols', 'RELIANCE', '--data-dir', dir, '--date', DATE, '--bias', 'off', '--store', 'memory'], null).done,
        30_000,
        'trader exits',
      );
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/risk\.capitalRupees/);
      expect(r.stderr).toContain('bad.json');
      expect([...fake.counts.values()].reduce((a, n) => a + n, 0)).toBe(0);
      expect(fake.subscriberCount).toBe(0);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('case 26: a wrong API key: `tfl trade` fails (non-zero, no order) and the key appears nowhere in its output', async () => {
    const fake = await FakeOpenAlgo.start({ apiKey: 'the-right-key' });
    const wrong = 'sk-wrong-7f3a9c1e5b2d4f60';
    try {
      const dir = dataDir('case26-key');
      const r = await within(
        trader(['--broker', 'openalgo', '--api-url', fake.apiUrl, '--ws-url', fake.wsUrl, '--api-key', wrong, '--symbols', 'RELIANCE', '--data-dir', dir, '--date', DATE, '--bias', 'off', '--store', 'memory'], null).done,
        30_000,
        'trader exits',
      );
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.signal).toBeNull();
      expect(r.stderr).toMatch(/HTTP 403: Invalid openalgo apikey/);
      expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
      expect(`${r.stdout}${r.stderr}`).not.toContain(wrong.slice(3, 15));
      expect(fake.count('placeorder')).toBe(0);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('case 26: bias is deduped by date: the same record twice is stored once, a different bias for that date is a conflict', async () => {
    const store = new MemoryStateStore();
    const rec: BiasRecord = { date: DATE, bias: 'LONGS_ONLY', reasons: ['gift nifty up'], inputs: { gap: 0.4 }, ruleVersion: 'v1', computedAtMs: 1_736_200_000_000 };
    expect(await store.putBias(rec)).toBe('created');
    expect(await store.putBias(rec)).toBe('duplicate');
    await expect(store.putBias({ ...rec, bias: 'SHORTS_ONLY' })).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.getBias(DATE)).toEqual(rec);
  });

  it('case 26: no bias published for the day: `tfl trade --bias store` trades nothing (entries denied NO_BIAS), raises an alert, and still ends the day (exit 0)', async () => {
    const key = 'case26-bias-key';
    const sim: SimChild = await spawnSim(['--port', '0', '--api-key', key, '--seed', '5', '--date', DATE, '--symbols', SYMBOLS, '--state-dir', dataDir('sim-nobias'), '--lockstep', '--tick-rate-scale', '0.3']);
    try {
      const r = await within(
        trader(['--api-url', sim.restUrl, '--ws-url', sim.wsUrl, '--api-key', key, '--symbols', SYMBOLS, '--data-dir', dataDir('nobias'), '--date', DATE, '--bias', 'store', '--store', 'memory'], null).done,
        240_000,
        'the trader ends the day',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/done: 0 trades/);
      expect(r.stdout).toMatch(/no pre-market bias stored for 2025-01-07/); // the alert (local mode: in the log)
      const ob = (await (await fetch(`${sim.restUrl}/orderbook?apikey=${key}`)).json()) as { data?: { orders?: unknown[] } };
      expect(ob.data?.orders ?? []).toEqual([]);
    } finally {
      sim.proc.kill('SIGKILL');
      await sim.exited;
    }
  }, 300_000);
});

/** A strategy double: one LONG entry on the first tick at or after `atMs`, stop ₹10 below. */
class OneEntry implements Strategy<null> {
  readonly id = 'tfl';
  readonly timeframes = [15];
  readonly opened: OpenedPosition[] = [];
  private sent = false;
  constructor(
    private readonly symbol: string,
    private readonly atMs: number,
  ) {}
  addSymbol(): void {}
  setBias(_b: Bias | null): void {}
  onSessionStart(): void {}
  onBar(_s: number, _tf: number, _bar: Bar, _out: StrategyOutput): void {}
  onTick(_s: number, timeMs: number, pricePaise: number, out: StrategyOutput): void {
    if (this.sent || timeMs < this.atMs) return;
    this.sent = true;
    const e: Intent = {
      kind: 'ENTER',
      strategy: 'tfl',
      symbol: this.symbol,
      direction: 'LONG',
      signalBarMs: timeMs - (timeMs % 900_000) - 900_000,
      decidedAtMs: timeMs,
      stopPaise: pricePaise - 1_000,
      refPricePaise: pricePaise,
      targetR: 10,
      rangePct: 0.2,
      relVolume: 1,
      reason: 'scripted',
    };
    out.emit(e);
  }
  onPositionOpened(_s: number, p: OpenedPosition): void {
    this.opened.push(p);
  }
  onPositionClosed(): void {}
  onEntryAbandoned(): void {}
  snapshot(): null {
    return null;
  }
  restore(): void {}
}
