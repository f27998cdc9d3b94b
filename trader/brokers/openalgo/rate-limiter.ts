/**
 * Client-side pacing for OpenAlgo's per-IP limits (brokers.md §1.1: a moving one-second window,
 * 10 order requests and 50 others by default, and a 429 without Retry-After).
 *
 * One window per request class. `acquire` resolves with true once a slot is free, or false when
 * the wait would exceed `maxWaitMs` (the request is then not sent at all). After a 429 the class
 * is paused for a backoff that doubles per consecutive 429 (capped) and resets on a success.
 * Waiters are served in arrival order. Time comes from an injected monotonic clock.
 */
export interface RateLimiterOptions {
  readonly perSec: number;
  readonly maxWaitMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly now?: () => number;
}

const WINDOW_MS = 1_000;

export class RateLimiter {
  private readonly now: () => number;
  /** Send times within the last window, oldest first. */
  private readonly sent: number[] = [];
  private pausedUntil = 0;
  private consecutive429 = 0;
  /** Start time reserved for the last queued request: later arrivals queue behind it. */
  private tail = 0;

  constructor(private readonly opts: RateLimiterOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** Wait for a slot; false when it would take longer than maxWaitMs (nothing is reserved then). */
  async acquire(): Promise<boolean> {
    const now = this.now();
    const at = this.nextSlot(Math.max(now, this.tail, this.pausedUntil));
    if (at - now > this.opts.maxWaitMs) return false;
    this.sent.push(at);
    this.tail = at;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, Math.ceil(at - now)));
    return true;
  }

  /** A 429: pause this class; returns the pause in ms. */
  penalise(): number {
    const ms = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** this.consecutive429);
    this.consecutive429 += 1;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    return ms;
  }

  /** Any non-429 answer. */
  succeeded(): void {
    this.consecutive429 = 0;
  }

  /** The earliest time ≥ from at which fewer than perSec requests fall in the preceding window. */
  private nextSlot(from: number): number {
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= this.now() - WINDOW_MS) this.sent.shift();
    const n = this.sent.length;
    if (n < this.opts.perSec) return from;
    // The (n - perSec + 1)-th oldest must leave the window first.
    const blocker = this.sent[n - this.opts.perSec] ?? from;
    return Math.max(from, blocker + WINDOW_MS);
  }
}
