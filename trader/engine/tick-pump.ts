/**
 * Between the feed and the engine. Ticks go straight into the engine while nothing is in flight
 * (the hot path: no queue, no allocation). Once an order operation is in flight (journal write,
 * broker call), later ticks queue up in arrival order and are applied only after it settles, so
 * an order decided on one tick reaches the broker before the next tick is seen, whatever the
 * speed of the feed. With the paper broker this makes backtest and paper runs deterministic; with
 * a live broker it bounds how far the engine runs ahead of its own orders.
 *
 * Clock events travel through the same queue so they stay ordered with the ticks.
 */
export interface PumpTarget {
  /** False: not applied yet (it triggered order work); deliver the same tick again once that settles. */
  onTick(symbol: number, timeMs: number, price: number, volume: number, bid: number, ask: number): boolean;
  onClock(nowMs: number): void;
}

export interface InFlight {
  readonly inFlight: number;
  idle(): Promise<void>;
}

const FIELDS = 6;
const CLOCK = -1;

export class TickPump {
  private buf: Float64Array;
  private head = 0;
  private count = 0;
  private draining: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly target: PumpTarget,
    private readonly work: InFlight,
    initialCapacity = 4096,
  ) {
    this.buf = new Float64Array(initialCapacity * FIELDS);
  }

  /** Ticks waiting for an order operation to settle. */
  get queued(): number {
    return this.count;
  }

  push(symbol: number, timeMs: number, price: number, volume: number, bid: number, ask: number): void {
    if (this.count === 0 && this.work.inFlight === 0) {
      // Applied: nothing is queued, so no drain is needed even if the tick put order work in
      // flight (`idle` waits for that work; the next tick queues behind it and starts the drain).
      if (this.target.onTick(symbol, timeMs, price, volume, bid, ask)) return;
    }
    this.enqueue(symbol, timeMs, price, volume, bid, ask);
    this.startDrain();
  }

  clock(nowMs: number): void {
    if (this.count === 0 && this.work.inFlight === 0) {
      this.target.onClock(nowMs);
      return;
    }
    this.enqueue(CLOCK, nowMs, 0, 0, 0, 0);
    this.startDrain();
  }

  /** Resolves once every queued event is applied and no order operation is in flight. */
  async idle(): Promise<void> {
    while (this.draining !== null || this.work.inFlight > 0) {
      if (this.draining !== null) await this.draining;
      else await this.work.idle();
    }
    if (this.failure !== null) throw this.failure instanceof Error ? this.failure : new Error(JSON.stringify(this.failure));
  }

  private startDrain(): void {
    if (this.draining !== null) return;
    this.draining = this.drain()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.draining = null;
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.work.inFlight > 0) await this.work.idle();
      if (this.count === 0) return;
      const b = this.buf;
      const o = this.head * FIELDS;
      const symbol = b[o] ?? 0;
      const t = b[o + 1] ?? 0;
      if (symbol === CLOCK) this.target.onClock(t);
      else if (!this.target.onTick(symbol, t, b[o + 2] ?? 0, b[o + 3] ?? 0, b[o + 4] ?? 0, b[o + 5] ?? 0)) continue; // again after the work settles
      this.head = (this.head + 1) % (b.length / FIELDS);
      this.count -= 1;
    }
  }

  private enqueue(symbol: number, timeMs: number, price: number, volume: number, bid: number, ask: number): void {
    const cap = this.buf.length / FIELDS;
    if (this.count === cap) this.grow();
    const slot = ((this.head + this.count) % (this.buf.length / FIELDS)) * FIELDS;
    const b = this.buf;
    b[slot] = symbol;
    b[slot + 1] = timeMs;
    b[slot + 2] = price;
    b[slot + 3] = volume;
    b[slot + 4] = bid;
    b[slot + 5] = ask;
    this.count += 1;
  }

  private grow(): void {
    const cap = this.buf.length / FIELDS;
    const next = new Float64Array(cap * 2 * FIELDS);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.head + i) % cap) * FIELDS;
      next.set(this.buf.subarray(from, from + FIELDS), i * FIELDS);
    }
    this.buf = next;
    this.head = 0;
  }
}
