import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MarketSimulator } from './generator';
import { SimServer } from './server';

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A raw client that records parsed frames, for protocol-level assertions. */
async function rawClient(url: string): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>>; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const m = queue.shift();
    return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push(resolve));
  };
  return { ws, next, closed };
}

describe('SimServer protocol (OpenAlgo proxy)', () => {
  it('requires authentication, answers acks and errors as OpenAlgo does', async () => {
    const sim = new MarketSimulator({ seed: 1, date: '2025-06-10', tickRateScale: 0.01 });
    const server = await SimServer.start({ simulator: sim, apiKey: 'k' });
    servers.push(server);
    const c = await rawClient(server.url);
    c.ws.send(JSON.stringify({ action: 'subscribe', symbols: [{ symbol: 'SBIN', exchange: 'NSE' }] }));
    expect(await c.next()).toEqual({ status: 'error', code: 'NOT_AUTHENTICATED', message: 'You must authenticate first' });
    c.ws.send('not json');
    expect(await c.next()).toMatchObject({ status: 'error', code: 'INVALID_JSON' });
    c.ws.send(JSON.stringify({ action: 'authenticate', api_key: 'k' }));
    expect(await c.next()).toMatchObject({ type: 'auth', status: 'success', broker: 'tfl-sim' });
    c.ws.send(JSON.stringify({ action: 'frobnicate' }));
    expect(await c.next()).toMatchObject({ status: 'error', code: 'INVALID_ACTION' });
    c.ws.send(JSON.stringify({ action: 'subscribe', symbols: [], mode: 2 }));
    expect(await c.next()).toMatchObject({ code: 'INVALID_PARAMETERS', message: 'At least one symbol must be specified' });
    c.ws.send(JSON.stringify({ action: 'subscribe', symbols: [{ symbol: 'SBIN', exchange: 'NSE' }], mode: 'bogus' }));
    expect(await c.next()).toMatchObject({ code: 'INVALID_MODE' });
    c.ws.send(JSON.stringify({ action: 'ping', timestamp: 5 }));
    expect(await c.next()).toMatchObject({ type: 'pong', client_timestamp: 5 });
    c.ws.send(
      JSON.stringify({ action: 'subscribe', symbols: [{ symbol: 'SBIN', exchange: 'NSE' }, { symbol: 'NOPE', exchange: 'NSE' }], mode: 'ltp', request_id: 'r1' }),
    );
    const ack = await c.next();
    expect(ack).toMatchObject({ type: 'subscribe', status: 'partial', request_id: 'r1' });
    expect(ack.subscriptions).toEqual([
      { symbol: 'SBIN', exchange: 'NSE', status: 'success', mode: 'LTP', broker: 'tfl-sim' },
      { symbol: 'NOPE', exchange: 'NSE', status: 'error', message: 'Symbol not found in simulator', broker: 'tfl-sim' },
    ]);
    // LTP mode: only ltp and timestamp, re-tagged with the client's mode.
    let m = await c.next();
    while (m.type !== 'market_data') m = await c.next();
    expect(m).toMatchObject({ symbol: 'SBIN', exchange: 'NSE', mode: 1, broker: 'tfl-sim' });
    expect(Object.keys(m.data as object).sort()).toEqual(['ltp', 'timestamp']);
    c.ws.terminate();
  });

  it('closes the connection after a wrong API key', async () => {
    const sim = new MarketSimulator({ seed: 1, date: '2025-06-10', tickRateScale: 0.01 });
    const server = await SimServer.start({ simulator: sim, apiKey: 'k' });
    servers.push(server);
    const c = await rawClient(server.url);
    c.ws.send(JSON.stringify({ action: 'authenticate', api_key: 'nope' }));
    expect(await c.next()).toEqual({ status: 'error', code: 'AUTHENTICATION_ERROR', message: 'Invalid API key' });
    expect(await c.closed).toBe(1008);
  });

  it('closes a client that never authenticates (4401 auth timeout)', async () => {
    const sim = new MarketSimulator({ seed: 1, date: '2025-06-10', tickRateScale: 0.01 });
    const server = await SimServer.start({ simulator: sim, apiKey: 'k', authGraceMs: 50 });
    servers.push(server);
    const c = await rawClient(server.url);
    expect(await c.closed).toBe(4401);
  });

  it('paces on tick time at a numeric speed', async () => {
    const sim = new MarketSimulator({ seed: 2, date: '2025-06-10', tickRateScale: 0.5 });
    const server = await SimServer.start({ simulator: sim, apiKey: 'k', speed: 600 }); // 10 simulated min per second
    servers.push(server);
    const c = await rawClient(server.url);
    c.ws.send(JSON.stringify({ action: 'authenticate', api_key: 'k' }));
    await c.next();
    c.ws.send(JSON.stringify({ action: 'subscribe', symbols: [{ symbol: 'NIFTY', exchange: 'NSE_INDEX' }], mode: 2 }));
    await c.next();
    const started = performance.now();
    let clocks = 0;
    while (clocks < 2) if ((await c.next()).type === 'sim_clock') clocks++;
    const elapsed = performance.now() - started;
    // Two simulated minutes at 600× ≈ 200 ms (the first is partial).
    expect(elapsed).toBeGreaterThan(80);
    expect(elapsed).toBeLessThan(1_500);
    c.ws.terminate();
  });
});
