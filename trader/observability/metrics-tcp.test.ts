import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CapturingLogger, ManualClock } from '../../test/support/fake-aws';
import { TcpEmfSink } from './metrics-tcp';

/** A stand-in CloudWatch agent: a TCP listener on 127.0.0.1 that collects newline-delimited records. */
class FakeAgent {
  readonly lines: string[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private partial = '';
  port = 0;

  async listen(port = 0): Promise<void> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        const parts = (this.partial + chunk).split('\n');
        this.partial = parts.pop() ?? '';
        this.lines.push(...parts);
      });
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The agent dies: connections reset, listener gone. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function sinkFor(port: number, extra: { maxQueuedRecords?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const logger = new CapturingLogger();
  const sink = new TcpEmfSink({ host: '127.0.0.1', port, clock, logger, reconnectBackoffMs: 5_000, ...extra });
  cleanups.push(() => sink.close());
  return { sink, clock, logger };
}

describe('TcpEmfSink (real TCP on 127.0.0.1)', () => {
  it('delivers records as newline-delimited lines, in order', async () => {
    const agent = new FakeAgent();
    await agent.listen();
    cleanups.push(() => agent.stop());
    const { sink } = sinkFor(agent.port);
    sink.send('{"a":1}');
    sink.send('{"a":2}');
    await until(() => agent.lines.length === 2, 'two lines');
    sink.send('{"a":3}');
    await until(() => agent.lines.length === 3, 'three lines');
    expect(agent.lines).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    expect(sink.stats()).toMatchObject({ connected: true, sent: 3, dropped: 0, queued: 0 });
  });

  it('queues while the agent is down, warns once, and drains in order when it comes back', async () => {
    const agent = new FakeAgent();
    await agent.listen(); // reserve a port, then take the agent down
    const port = agent.port;
    await agent.stop();
    cleanups.push(() => agent.stop());
    const { sink, clock, logger } = sinkFor(port);

    expect(() => sink.send('{"n":1}')).not.toThrow();
    await until(() => logger.at('warn').length === 1, 'the outage warning');
    sink.send('{"n":2}'); // within the back-off: queued, no new attempt
    expect(sink.stats()).toMatchObject({ connected: false, queued: 2, dropped: 0 });

    await agent.listen(port);
    clock.advance(5_000);
    sink.send('{"n":3}'); // past the back-off: reconnects and sends the queue first
    await until(() => agent.lines.length === 3, 'the queued lines');
    expect(agent.lines).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(logger.at('warn')).toHaveLength(1);
    expect(logger.at('info')).toEqual([expect.objectContaining({ msg: expect.stringContaining('reachable again') as unknown })]);
  });

  it('notices the agent dying mid-session and reconnects when it restarts', async () => {
    const agent = new FakeAgent();
    await agent.listen();
    cleanups.push(() => agent.stop());
    const port = agent.port;
    const { sink, clock } = sinkFor(port);
    sink.send('{"n":1}');
    await until(() => agent.lines.length === 1, 'first line');

    await agent.stop();
    await until(() => !sink.stats().connected, 'the sink to see the close');
    sink.send('{"n":2}');
    expect(sink.stats().queued).toBe(1);

    await agent.listen(port);
    clock.advance(5_000);
    sink.send('{"n":3}');
    await until(() => agent.lines.length === 3, 'lines after the restart');
    expect(agent.lines).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('keeps at most maxQueuedRecords, dropping the oldest with one counted warning', async () => {
    const agent = new FakeAgent();
    await agent.listen();
    const port = agent.port;
    await agent.stop();
    cleanups.push(() => agent.stop());
    const { sink, clock, logger } = sinkFor(port, { maxQueuedRecords: 3 });
    sink.send('{"n":1}');
    await until(() => logger.at('warn').length === 1, 'the outage warning');
    for (let n = 2; n <= 6; n++) sink.send(`{"n":${n}}`);
    expect(sink.stats()).toMatchObject({ queued: 3, dropped: 3 });
    expect(logger.at('warn')).toHaveLength(2); // outage + first drop, not one per record

    await agent.listen(port);
    clock.advance(5_000);
    sink.send('{"n":7}');
    await until(() => agent.lines.length === 3, 'the surviving records');
    expect(agent.lines).toEqual(['{"n":5}', '{"n":6}', '{"n":7}']);
    expect(logger.at('info')[0]?.fields).toMatchObject({ dropped: 4 });
  });

  it('drops records sent after close', async () => {
    const agent = new FakeAgent();
    await agent.listen();
    cleanups.push(() => agent.stop());
    const { sink } = sinkFor(agent.port);
    sink.send('{"n":1}');
    await until(() => agent.lines.length === 1, 'first line');
    await sink.close();
    sink.send('{"n":2}');
    expect(sink.stats()).toMatchObject({ connected: false, dropped: 1 });
  });
});
