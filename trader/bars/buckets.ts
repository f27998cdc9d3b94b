import type { NseCalendar } from '../domain/calendar';
import { MINUTE_MS } from '../domain/time';
import { assertTimeframeMinutes } from './timeframe';

/**
 * The bar grid of one timeframe over the session calendar. Buckets are aligned to the first
 * open of the session (09:15 on a regular day, 18:00 for the 2024 Muhurat session), labelled by
 * their start, and clipped to the segment they fall in: the last 60-minute bar of a regular day
 * is 15:15–15:30, and a bucket never spans the gap between two segments of a DR-drill day (a
 * bucket that starts in a gap is labelled by the segment open, its first tradable instant).
 *
 * `locate` runs once per bucket on the aggregator's slow path; it writes into `startMs`/`endMs`
 * instead of returning an object so that nothing is allocated.
 */
export class SessionBuckets {
  readonly timeframeMs: number;
  /** Bounds of the bucket found by the last successful `locate`, [startMs, endMs). */
  startMs = Number.NaN;
  endMs = Number.NaN;

  constructor(
    private readonly calendar: NseCalendar,
    timeframeMinutes: number,
  ) {
    assertTimeframeMinutes(timeframeMinutes);
    this.timeframeMs = timeframeMinutes * MINUTE_MS;
  }

  /**
   * Finds the bucket containing `timeMs`; false when the instant is outside every session
   * segment (then `startMs`/`endMs` are unchanged). Throws when the calendar has no data for the year.
   */
  locate(timeMs: number): boolean {
    const session = this.calendar.sessionAt(timeMs);
    if (session === null) return false;
    for (const seg of session.segments) {
      if (timeMs >= seg.openMs && timeMs < seg.closeMs) {
        const aligned = session.openMs + Math.floor((timeMs - session.openMs) / this.timeframeMs) * this.timeframeMs;
        this.startMs = aligned > seg.openMs ? aligned : seg.openMs;
        const end = aligned + this.timeframeMs;
        this.endMs = end < seg.closeMs ? end : seg.closeMs;
        return true;
      }
    }
    return false;
  }
}
