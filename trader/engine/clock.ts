/**
 * Time is injected. Live mode reads the wall clock; paper-at-full-speed, replay and backtest
 * advance a simulated clock from the data, so a day runs identically at any speed.
 */
export interface Clock {
  nowMs(): number;
}

export class WallClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
}

/** A clock that only moves forward, to the newest time it has been shown. */
export class SimulatedClock implements Clock {
  private t: number;
  constructor(startMs = 0) {
    this.t = startMs;
  }
  nowMs(): number {
    return this.t;
  }
  advanceTo(ms: number): void {
    if (ms > this.t) this.t = ms;
  }
}
