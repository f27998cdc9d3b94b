import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

/**
 * Test helpers for the exchange simulator: OpenAlgo REST calls, a raw WebSocket client that
 * records parsed frames (every wait bounded), and the simulator as a child process.
 */

export type Json = Record<string, unknown>;

export interface RestReply {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
}

export async function post(restUrl: string, endpoint: string, body: unknown): Promise<RestReply> {
  const r = await fetch(`${restUrl}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as Json, text };
}

export async function get(restUrl: string, endpoint: string, query: Record<string, string>): Promise<RestReply> {
  const r = await fetch(`${restUrl}/${endpoint}?${new URLSearchParams(query).toString()}`, { signal: AbortSignal.timeout(5_000) });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as Json, text };
}

/** A raw WebSocket client: frames are parsed and queued; `next` waits for one matching frame. */
export class WsProbe {
  readonly frames: Json[] = [];
  /** Raw text of every frame, in arrival order. */
  readonly texts: string[] = [];
  private readonly queue: Json[] = [];
  private waiter: { pred: (m: Json) => boolean; resolve: (m: Json) => void } | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const text = d.toString();
      const m = JSON.parse(text) as Json;
      this.texts.push(text);
      this.frames.push(m);
      const w = this.waiter;
      if (w !== undefined && w.pred(m)) {
        this.waiter = undefined;
        w.resolve(m);
      } else this.queue.push(m);
    });
    this.closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
  }

  static async open(url: string): Promise<WsProbe> {
    const ws = new WebSocket(url);
    const probe = new WsProbe(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return probe;
  }

  /** Open, authenticate, optionally subscribe to orders, then to `symbols` (one message). */
  static async connect(url: string, apiKey: string, symbols: readonly { symbol: string; exchange: string }[], orders = true): Promise<WsProbe> {
    const p = await WsProbe.open(url);
    p.send({ action: 'authenticate', api_key: apiKey });
    await p.next((m) => m.type === 'auth');
    if (orders) {
      p.send({ action: 'subscribe_orders' });
      await p.next((m) => m.type === 'subscribe_orders');
    }
    if (symbols.length > 0) {
      p.send({ action: 'subscribe', symbols, mode: 2 });
      await p.next((m) => m.type === 'subscribe');
    }
    return p;
  }

  send(m: unknown): void {
    this.ws.send(JSON.stringify(m));
  }

  ack(seq: number): void {
    this.send({ action: 'sim_ack', seq });
  }

  /** The next frame (skipping none) matching `pred`; frames before it that do not match are dropped. */
  next(pred: (m: Json) => boolean = () => true, timeoutMs = 5_000): Promise<Json> {
    while (this.queue.length > 0) {
      const m = this.queue.shift();
      if (m !== undefined && pred(m)) return Promise.resolve(m);
    }
    return new Promise<Json>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`WsProbe: no matching frame within ${timeoutMs} ms (last: ${this.texts.at(-1) ?? 'none'})`));
      }, timeoutMs);
      this.waiter = {
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      };
    });
  }

  /** The next sequenced (lockstep) market_data or sim_clock message. */
  nextSequenced(timeoutMs = 5_000): Promise<Json> {
    return this.next((m) => typeof m.seq === 'number' && (m.type === 'market_data' || m.type === 'sim_clock'), timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }
}

export interface SimChild {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

const CHILD = fileURLToPath(new URL('./exchange-sim-child.ts', import.meta.url));

/** `tfl sim-exchange <args>` in a child process (tsx); resolves once it prints its URLs. */
export async function spawnSim(args: readonly string[], timeoutMs = 20_000): Promise<SimChild> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const started = Date.now();
  for (;;) {
    const m = /rest=(\S+) ws=(\S+) port=(\d+)/.exec(out);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
      return { proc, port: Number(m[3]), restUrl: m[1], wsUrl: m[2], exited, output: () => out };
    }
    if (proc.exitCode !== null) throw new Error(`sim-exchange exited ${proc.exitCode}: ${out}`);
    if (Date.now() - started > timeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`sim-exchange did not start within ${timeoutMs} ms: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
