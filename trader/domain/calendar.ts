import { NSE_CALENDAR_YEARS, NSE_HOLIDAYS, NSE_SPECIAL_SESSIONS, type SpecialSessionKind } from './nse-calendar-data';
import { DAY_MS, IST_OFFSET_MS, MINUTE_MS, istDateKey, istDayNumber, istMidnightOfDateKey, parseHhmm } from './time';

/** NSE regular session, minutes since IST midnight. */
export const NSE_OPEN_MINUTE = 9 * 60 + 15;
export const NSE_CLOSE_MINUTE = 15 * 60 + 30;

/** One contiguous stretch of trading, [openMs, closeMs). */
export interface SessionSegment {
  readonly openMs: number;
  readonly closeMs: number;
}

export interface TradingSession {
  readonly date: string;
  readonly kind: 'REGULAR' | SpecialSessionKind;
  readonly segments: readonly SessionSegment[];
  /** First open and last close, for bar alignment and square-off. */
  readonly openMs: number;
  readonly closeMs: number;
}

export interface CalendarOptions {
  /** Special-session kinds a profile opts in to; none by default. */
  readonly specialSessions?: readonly SpecialSessionKind[];
}

/**
 * The NSE session calendar: regular hours 09:15–15:30 IST on weekdays that are not holidays,
 * plus opted-in special sessions. Lookups are memoised by IST day number, so the per-tick
 * question "is this instant in a session" is a map read and two comparisons.
 */
export class NseCalendar {
  private readonly optIn: ReadonlySet<SpecialSessionKind>;
  private readonly byDay = new Map<number, TradingSession | null>();

  constructor(options: CalendarOptions = {}) {
    this.optIn = new Set(options.specialSessions ?? []);
  }

  /** The session on an IST date, or null when the market is closed that day (for this profile). */
  sessionOn(dateKey: string): TradingSession | null {
    return this.sessionForDay(istDayNumber(istMidnightOfDateKey(dateKey)));
  }

  /** The session on the IST day containing `epochMs` (whether or not the instant is inside it). */
  sessionAt(epochMs: number): TradingSession | null {
    return this.sessionForDay(istDayNumber(epochMs));
  }

  isTradingDay(dateKey: string): boolean {
    return this.sessionOn(dateKey) !== null;
  }

  /** True when `epochMs` falls inside a trading segment of its day. */
  isInSession(epochMs: number): boolean {
    const s = this.sessionForDay(istDayNumber(epochMs));
    if (s === null) return false;
    for (const seg of s.segments) if (epochMs >= seg.openMs && epochMs < seg.closeMs) return true;
    return false;
  }

  /** The next trading session strictly after the given date (for schedules and warm-up). */
  nextSessionAfter(dateKey: string): TradingSession | null {
    let day = istDayNumber(istMidnightOfDateKey(dateKey));
    for (let i = 0; i < 30; i++) {
      day += 1;
      const s = this.sessionForDay(day);
      if (s) return s;
    }
    return null;
  }

  /** The previous trading session strictly before the given date. */
  previousSessionBefore(dateKey: string): TradingSession | null {
    let day = istDayNumber(istMidnightOfDateKey(dateKey));
    for (let i = 0; i < 30; i++) {
      day -= 1;
      const s = this.sessionForDay(day);
      if (s) return s;
    }
    return null;
  }

  private sessionForDay(day: number): TradingSession | null {
    const cached = this.byDay.get(day);
    if (cached !== undefined) return cached;
    const computed = this.compute(day);
    this.byDay.set(day, computed);
    return computed;
  }

  private compute(day: number): TradingSession | null {
    const midnight = day * DAY_MS - IST_OFFSET_MS;
    const date = istDateKey(midnight);
    const year = Number(date.slice(0, 4));
    if (year < NSE_CALENDAR_YEARS.first || year > NSE_CALENDAR_YEARS.last) {
      throw new Error(
        `NSE calendar covers ${NSE_CALENDAR_YEARS.first}–${NSE_CALENDAR_YEARS.last}; ${date} is outside it (add the year's holidays to trader/domain/nse-calendar-data.ts)`,
      );
    }
    const special = NSE_SPECIAL_SESSIONS.find((s) => s.date === date);
    if (special) {
      if (!this.optIn.has(special.kind)) return null;
      const segments = special.segments.map(([a, b]) => ({
        openMs: midnight + parseHhmm(a) * MINUTE_MS,
        closeMs: midnight + parseHhmm(b) * MINUTE_MS,
      }));
      return session(date, special.kind, segments);
    }
    const weekday = new Date(midnight + IST_OFFSET_MS).getUTCDay();
    if (weekday === 0 || weekday === 6) return null;
    if (NSE_HOLIDAYS[date] !== undefined) return null;
    return session(date, 'REGULAR', [
      { openMs: midnight + NSE_OPEN_MINUTE * MINUTE_MS, closeMs: midnight + NSE_CLOSE_MINUTE * MINUTE_MS },
    ]);
  }
}

function session(date: string, kind: TradingSession['kind'], segments: SessionSegment[]): TradingSession {
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!first || !last) throw new Error(`session ${date} has no segments`);
  return { date, kind, segments, openMs: first.openMs, closeMs: last.closeMs };
}
