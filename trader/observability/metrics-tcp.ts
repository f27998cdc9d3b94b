import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock } from '../engine/clock';
import type { Logger } from './log';
import type { EmfSink } from './metrics';

/**
 * EMF records to the CloudWatch agent's TCP listener (`tcp://127.0.0.1:25888` on the trader
 * host): newline-delimited JSON, no acknowledgement.
 *
 * Never blocks or throws into the caller. While the agent is down, records wait in a bounded
 * queue (oldest dropped first, counted, one warning per outage); the next `send` after the
 * back-off reconnects and the queue drains in order. Reconnection is driven by sends (the
 * reporter sends once a minute), so the sink owns no timers. A record written just before the
 * agent dies can be lost: metrics are best effort, the heartbeat alarm treats a gap as breaching.
 */
export interface TcpEmfSinkOptions {
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records kept while the agent is unreachable (default 1000 ≈ 16 h of one-a-minute records). */
  readonly maxQueuedRecords?: number;
  /** Bytes the socket may hold unsent before new records are dropped (agent not reading). Default 1 MiB. */
  readonly maxSocketBufferBytes?: number;
  /** Minimum time between connection attempts (default 5 s). */
  readonly reconnectBackoffMs?: number;
  /** A connection attempt that takes longer is abandoned (default 2 s). */
  readonly connectTimeoutMs?: number;
}

export interface TcpEmfStats {
  readonly connected: boolean;
  /** Records handed to the socket. */
  readonly sent: number;
  /** Records dropped: queue full, agent not reading, or sent after close. */
  readonly dropped: number;
  readonly queued: number;
}

type State = 'down' | 'connecting' | 'up' | 'closed';

export class TcpEmfSink implements EmfSink {
  private readonly maxQueued: number;
  private readonly maxSocketBytes: number;
  private readonly backoffMs: number;
  private readonly connectTimeoutMs: number;
  private readonly endpoint: string;
  private state: State = 'down';
  private socket: Socket | null = null;
  private readonly queue: string[] = [];
  private nextAttemptMs = Number.NEGATIVE_INFINITY;
  private sentCount = 0;
  private droppedCount = 0;
  /** Set from the first failure until the next successful connection. */
  private outage: { sinceMs: number; dropped: number; dropWarned: boolean } | null = null;

  constructor(private readonly o: TcpEmfSinkOptions) {
    this.maxQueued = o.maxQueuedRecords ?? 1000;
    this.maxSocketBytes = o.maxSocketBufferBytes ?? 1 << 20;
    this.backoffMs = o.reconnectBackoffMs ?? 5_000;
    this.connectTimeoutMs = o.connectTimeoutMs ?? 2_000;
    this.endpoint = `tcp://${o.host}:${o.port}`;
  }

  send(line: string): void {
    const data = `${line}\n`;
    if (this.state === 'closed') {
      this.drop();
      return;
    }
    if (this.state === 'up' && this.socket !== null) {
      if (this.socket.writableLength <= this.maxSocketBytes) {
        this.socket.write(data);
        this.sentCount++;
        return;
      }
      // The agent stopped reading: drop this connection, queue, reconnect after the back-off.
      const s = this.socket;
      this.socket = null;
      this.state = 'down';
      this.nextAttemptMs = this.o.clock.nowMs() + this.backoffMs;
      this.failure(new Error(`the agent is not reading (${s.writableLength} bytes unsent)`));
      s.destroy();
    }
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.drop();
    }
    this.queue.push(data);
    if (this.state === 'down' && this.o.clock.nowMs() >= this.nextAttemptMs) this.connect();
  }

  stats(): TcpEmfStats {
    return { connected: this.state === 'up', sent: this.sentCount, dropped: this.droppedCount, queued: this.queue.length };
  }

  /** Flushes what the socket holds if it can, then closes; later sends are dropped. */
  close(): Promise<void> {
    this.state = 'closed';
    const s = this.socket;
    this.socket = null;
    if (s === null || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      // Unsent bytes mean the agent is not reading: waiting for them could take forever.
      if (s.connecting || s.writableLength > 0) s.destroy();
      else s.end(() => s.destroy());
    });
  }

  private connect(): void {
    this.state = 'connecting';
    this.nextAttemptMs = this.o.clock.nowMs() + this.backoffMs;
    const s = createConnection({ host: this.o.host, port: this.o.port });
    this.socket = s;
    s.setNoDelay(true);
    s.setTimeout(this.connectTimeoutMs, () => s.destroy(new Error(`connect timed out after ${this.connectTimeoutMs} ms`)));
    s.on('connect', () => {
      if (this.socket !== s) return;
      s.setTimeout(0);
      this.state = 'up';
      const outage = this.outage;
      this.outage = null;
      if (outage !== null) {
        this.o.logger.info('CloudWatch agent reachable again; sending queued metrics', {
          endpoint: this.endpoint,
          downMs: this.o.clock.nowMs() - outage.sinceMs,
          queued: this.queue.length,
          dropped: outage.dropped,
        });
      }
      for (const data of this.queue) {
        s.write(data);
        this.sentCount++;
      }
      this.queue.length = 0;
    });
    // The agent never talks back; read and discard so nothing accumulates.
    s.resume();
    s.on('error', (err) => this.failure(err));
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.state !== 'closed') this.state = 'down';
      this.failure(new Error('connection closed'));
    });
  }

  private failure(err: Error): void {
    if (this.state === 'closed' || this.outage !== null) return;
    this.outage = { sinceMs: this.o.clock.nowMs(), dropped: 0, dropWarned: false };
    this.o.logger.warn('CloudWatch agent unreachable; metrics are queued until it is back', {
      endpoint: this.endpoint,
      error: err.message,
      maxQueuedRecords: this.maxQueued,
    });
  }

  private drop(): void {
    this.droppedCount++;
    const outage = this.outage;
    if (outage === null) return;
    outage.dropped++;
    if (outage.dropWarned) return;
    outage.dropWarned = true;
    this.o.logger.warn('metrics dropped: CloudWatch agent unreachable and the queue is full (counted until it is back)', {
      endpoint: this.endpoint,
      maxQueuedRecords: this.maxQueued,
    });
  }
}
