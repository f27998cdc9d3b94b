import { afterEach, describe, expect, it } from 'vitest';
import { NseCalendar } from '../trader/domain/calendar';
import { FeedAuthError, type FeedStatus } from '../trader/market-data/feed';
import { MarketSimulator } from '../trader/market-data/simulator/generator';
import { uniformSource } from '../trader/market-data/simulator/prng';
import { SimServer, type SimServerOptions } from '../trader/market-data/simulator/server';
import { TickGate } from '../trader/market-data/tick-gate';
import { WsFeed, type WsFeedOptions } from '../trader/market-data/ws-feed';

/**
 * Paper mode's market data over real sockets (127.0.0.1, ephemeral ports): the simulator server
 * and the OpenAlgo WebSocket client, with the tick gate in between as in the engine.
 */

const DATE = '2025-06-10';
const API_KEY = 'sim-key';
const calendar = new NseCalendar();

/** Flat record of a tick stream: [symbolIndex, timeMs, price, volume, bid, ask] per tick (-1 = absent). */
class Stream {
  readonly v: number[] = [];
  push(i: number, t: number, p: number, vol: number | undefined, bid: number | undefined, ask: number | undefined): void {
    this.v.push(i, t, p, vol ?? -1, bid ?? -1, ask ?? -1);
  }
  get length(): number {
    return this.v.length / 6;
  }
  /** Index of the first differing tick, or -1 when identical. */
  firstDifference(other: Stream): number {
    const n = Math.max(this.v.length, other.v.length);
    for (let k = 0; k < n; k++) if (this.v[k] !== other.v[k]) return Math.floor(k / 6);
    return -1;
  }
}

function generatorStream(sim: MarketSimulator): Stream {
  const s = new Stream();
  sim.forEachTick((i, t, p, v, b, a) => s.push(i, t, p, v, b, a));
  return s;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

interface Run {
  readonly stream: Stream;
  readonly gate: TickGate;
  readonly feed: WsFeed;
  readonly server: SimServer;
  readonly statuses: FeedStatus[];
  readonly clocks: number[];
  readonly endMs: number;
}

async function streamDay(sim: MarketSimulator, server: Partial<SimServerOptions> = {}, feed: Partial<WsFeedOptions> = {}, timeoutMs = 25_000): Promise<Run> {
  const srv = await SimServer.start({ simulator: sim, apiKey: API_KEY, ...server });
  open.push(srv);
  const gate = new TickGate(sim.symbols, calendar);
  const client = new WsFeed({
    url: srv.url,
    apiKey: API_KEY,
    instruments: sim.symbols,
    random: uniformSource(42),
    backoff: { initialMs: 10, maxMs: 100 },
    ...feed,
  });
  open.push({ close: () => client.stop() });
  const stream = new Stream();
  const statuses: FeedStatus[] = [];
  const clocks: number[] = [];
  const endMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream did not end in ${timeoutMs} ms (${stream.length} ticks)`)), timeoutMs);
    client
      .start({
        onTick: (symbol, exchange, timeMs, price, volume, bid, ask) => {
          const i = gate.accept(symbol, exchange, timeMs, price, volume, bid, ask);
          if (i >= 0) stream.push(i, timeMs, price, volume, bid, ask);
        },
        onClock: (t) => clocks.push(t),
        onEnd: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        onStatus: (s) => statuses.push(s),
      })
      .catch((e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      });
  });
  return { stream, gate, feed: client, server: srv, statuses, clocks, endMs };
}

describe('simulator → WebSocket → feed → gate', () => {
  it('streams a full day at max speed identical to the in-process generator (same ticks, same order)', async () => {
    const sim = new MarketSimulator({ seed: 11, date: DATE });
    const expected = generatorStream(sim);
    const run = await streamDay(sim);
    expect(run.stream.length).toBe(expected.length);
    expect(run.stream.firstDifference(expected)).toBe(-1);
    expect(run.gate.rejectedTotal).toBe(0);
    expect(run.feed.counters().malformed).toBe(0);
    expect(run.endMs).toBe(sim.session.closeMs);
    // sim_clock for every whole minute 09:16 … 15:30, in order.
    expect(run.clocks.length).toBe(sim.minutes);
    expect(run.clocks[0]).toBe(sim.session.openMs + 60_000);
    expect(run.clocks.at(-1)).toBe(sim.session.closeMs);
  }, 60_000);

  it('reconnects after abrupt drops (1006), re-subscribes, and still delivers every tick exactly once', async () => {
    const sim = new MarketSimulator({ seed: 12, date: DATE, tickRateScale: 0.3 });
    const expected = generatorStream(sim);
    const run = await streamDay(sim, { faults: { terminateAtTicks: [5_000, 15_000, 30_000, 45_000] } });
    expect(run.server.stats().terminations).toBe(4);
    const drops = run.statuses.filter((s) => s.kind === 'disconnected');
    expect(drops).toHaveLength(4);
    for (const d of drops) expect(d).toMatchObject({ code: 1006 });
    expect(run.feed.counters().reconnects).toBe(4);
    expect(run.statuses.filter((s) => s.kind === 'subscribed')).toHaveLength(5);
    const gaps = run.statuses.filter((s) => s.kind === 'gap');
    expect(gaps).toHaveLength(4);
    for (const g of gaps) if (g.kind === 'gap') expect(g.firstTickMs).toBeGreaterThanOrEqual(g.lastTickMs);
    expect(run.stream.firstDifference(expected)).toBe(-1);
    expect(run.gate.rejectedTotal).toBe(0);
  }, 60_000);

  it('detects a half-open socket with the ping/pong watchdog, reconnects and resumes', async () => {
    const sim = new MarketSimulator({ seed: 13, date: DATE, tickRateScale: 0.1 });
    const expected = generatorStream(sim);
    const started = performance.now();
    const run = await streamDay(sim, { faults: { silentAtTicks: [3_000] } }, { pingIntervalMs: 50, pongTimeoutMs: 150 });
    expect(run.server.stats().silences).toBe(1);
    const wd = run.statuses.find((s) => s.kind === 'watchdog');
    expect(wd).toMatchObject({ which: 'pong' });
    if (wd?.kind === 'watchdog') expect(wd.silentMs).toBeLessThan(1_000);
    expect(run.feed.counters().watchdogTerminations).toBe(1);
    expect(run.stream.firstDifference(expected)).toBe(-1);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('reconnects when the stream stalls while subscribed (stall watchdog)', async () => {
    const sim = new MarketSimulator({ seed: 14, date: DATE, tickRateScale: 0.05 });
    const expected = generatorStream(sim);
    // Pings disabled in effect (long interval): only the stall watchdog can notice the silence.
    const run = await streamDay(sim, { faults: { silentAtTicks: [1_000] } }, { pingIntervalMs: 60_000, pongTimeoutMs: 60_000, stallTimeoutMs: 200 });
    expect(run.statuses.find((s) => s.kind === 'watchdog')).toMatchObject({ which: 'stall' });
    expect(run.stream.firstDifference(expected)).toBe(-1);
  }, 30_000);

  it('counts injected malformed, duplicate, out-of-order and unknown ticks and never delivers them', async () => {
    const sim = new MarketSimulator({ seed: 15, date: DATE, tickRateScale: 0.2 });
    const expected = generatorStream(sim);
    const run = await streamDay(sim, { faults: { malformedRate: 0.01, malformedSeed: 7 } });
    const inj = run.server.stats().injected;
    for (const n of Object.values(inj)) expect(n).toBeGreaterThan(10);
    const c = run.feed.counters();
    expect(c.malformed).toBe(inj.non_json + inj.nan_price);
    expect(run.gate.rejected('NON_POSITIVE_PRICE')).toBe(inj.negative_price);
    expect(run.gate.rejected('UNKNOWN_SYMBOL')).toBe(inj.unknown_symbol);
    expect(run.gate.rejected('DUPLICATE')).toBe(inj.duplicate);
    expect(run.gate.rejected('OUT_OF_ORDER')).toBe(inj.out_of_order);
    expect(run.statuses.filter((s) => s.kind === 'disconnected')).toHaveLength(0); // the connection stayed up
    expect(run.stream.firstDifference(expected)).toBe(-1);
  }, 30_000);

  it('fails clearly on a wrong API key and does not retry', async () => {
    const sim = new MarketSimulator({ seed: 16, date: DATE, tickRateScale: 0.05 });
    const error = await streamDay(sim, {}, { apiKey: 'wrong' }, 5_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedAuthError);
    expect((error as Error).message).toMatch(/rejected the API key.*AUTHENTICATION_ERROR/);
  }, 10_000);
});

describe('simulator determinism over the wire', () => {
  it('same seed → identical stream; different seed → different', async () => {
    const a = await streamDay(new MarketSimulator({ seed: 21, date: DATE, tickRateScale: 0.05 }));
    const b = await streamDay(new MarketSimulator({ seed: 21, date: DATE, tickRateScale: 0.05 }));
    const c = await streamDay(new MarketSimulator({ seed: 22, date: DATE, tickRateScale: 0.05 }));
    expect(a.stream.length).toBeGreaterThan(1000);
    expect(a.stream.firstDifference(b.stream)).toBe(-1);
    expect(a.stream.firstDifference(c.stream)).not.toBe(-1);
  }, 30_000);
});
