import { describe, expect, it } from 'vitest';
import { TickPump, type InFlight, type PumpTarget } from './tick-pump';

/** An order operation that settles after a few microtasks, like the paper broker's. */
class FakeWork implements InFlight {
  inFlight = 0;
  private waiters: (() => void)[] = [];
  start(): void {
    this.inFlight += 1;
    void Promise.resolve()
      .then(() => undefined)
      .then(() => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
      });
  }
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

describe('TickPump', () => {
  it('applies every event in order and holds later ticks until an in-flight order settles', async () => {
    const work = new FakeWork();
    const seen: string[] = [];
    const target: PumpTarget = {
      onTick: (s, t) => {
        seen.push(`${s}@${t}${work.inFlight > 0 ? '!' : ''}`);
        if (t === 2) work.start(); // the tick at t=2 decides an order
        return true;
      },
      onClock: (t) => seen.push(`clock@${t}`),
    };
    const pump = new TickPump(target, work, 2);
    for (let t = 1; t <= 6; t++) pump.push(t % 2, t, 100, 0, 0, 0);
    pump.clock(7);
    expect(seen).toEqual(['1@1', '0@2']); // everything after the decision waits
    expect(pump.queued).toBe(5);
    await pump.idle();
    // No tick was applied while the order was in flight ('!' would mark it), order kept, queue grew past 2.
    expect(seen).toEqual(['1@1', '0@2', '1@3', '0@4', '1@5', '0@6', 'clock@7']);
  });

  it('delivers a tick again, after the work it triggered settles, when the target defers it', async () => {
    const work = new FakeWork();
    const seen: string[] = [];
    let deferredOnce = false;
    const target: PumpTarget = {
      onTick: (_s, t) => {
        if (t === 2 && !deferredOnce) {
          deferredOnce = true; // e.g. a bar closed on this tick's time and an entry went out
          work.start();
          seen.push('defer@2');
          return false;
        }
        seen.push(`tick@${t}${work.inFlight > 0 ? '!' : ''}`);
        return true;
      },
      onClock: () => undefined,
    };
    const pump = new TickPump(target, work);
    pump.push(0, 1, 1, 0, 0, 0);
    pump.push(0, 2, 1, 0, 0, 0);
    pump.push(0, 3, 1, 0, 0, 0);
    await pump.idle();
    expect(seen).toEqual(['tick@1', 'defer@2', 'tick@2', 'tick@3']);
  });
});
