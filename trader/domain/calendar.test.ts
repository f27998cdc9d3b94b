import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test/support/shared-data';
import { NSE_CLOSE_MINUTE, NSE_OPEN_MINUTE, NseCalendar } from './calendar';
import { NSE_CALENDAR_YEARS, NSE_HOLIDAYS, NSE_SPECIAL_SESSIONS } from './nse-calendar-data';
import { DAY_MS, istDateKey, istMidnightOfDateKey, istTimeOnDate } from './time';

const cal = new NseCalendar();

describe('NSE calendar: regular sessions', () => {
  it('trades 09:15–15:30 IST on an ordinary weekday, as a half-open interval', () => {
    const s = cal.sessionOn('2024-05-21');
    expect(s).not.toBeNull();
    expect(s?.kind).toBe('REGULAR');
    expect(s?.openMs).toBe(istTimeOnDate('2024-05-21', NSE_OPEN_MINUTE));
    expect(s?.closeMs).toBe(istTimeOnDate('2024-05-21', NSE_CLOSE_MINUTE));
    expect(cal.isInSession(istTimeOnDate('2024-05-21', '09:15'))).toBe(true);
    expect(cal.isInSession(istTimeOnDate('2024-05-21', '09:15') - 1)).toBe(false);
    expect(cal.isInSession(istTimeOnDate('2024-05-21', '15:30') - 1)).toBe(true);
    expect(cal.isInSession(istTimeOnDate('2024-05-21', '15:30'))).toBe(false);
  });

  it('is closed on weekends', () => {
    expect(cal.isTradingDay('2024-05-25')).toBe(false); // Saturday
    expect(cal.isTradingDay('2024-05-26')).toBe(false); // Sunday
    expect(cal.isInSession(istTimeOnDate('2024-05-25', '10:00'))).toBe(false);
  });

  it('is closed on every listed holiday', () => {
    for (const date of Object.keys(NSE_HOLIDAYS)) {
      const weekday = new Date(istMidnightOfDateKey(date) + 19_800_000).getUTCDay();
      expect(weekday === 0 || weekday === 6, `${date} should be a weekday`).toBe(false);
      expect(cal.isTradingDay(date), date).toBe(false);
    }
    expect(cal.isTradingDay('2024-08-15')).toBe(false);
    expect(cal.isTradingDay('2021-04-02')).toBe(false); // Good Friday 2021
  });

  it('finds the next and previous sessions across a long weekend', () => {
    // Good Friday 2024-03-29, then the weekend.
    expect(cal.nextSessionAfter('2024-03-28')?.date).toBe('2024-04-01');
    expect(cal.previousSessionBefore('2024-04-01')?.date).toBe('2024-03-28');
  });

  it('refuses to guess outside the years it has holiday data for', () => {
    expect(() => cal.sessionOn(`${NSE_CALENDAR_YEARS.first - 1}-06-03`)).toThrow(/outside/);
    expect(() => cal.sessionOn(`${NSE_CALENDAR_YEARS.last + 1}-06-03`)).toThrow(/outside/);
  });
});

describe('NSE calendar: special sessions', () => {
  it('excludes the 2025-02-01 Saturday budget session by default and includes it when opted in', () => {
    expect(cal.isTradingDay('2025-02-01')).toBe(false);
    const opted = new NseCalendar({ specialSessions: ['WEEKEND'] });
    const s = opted.sessionOn('2025-02-01');
    expect(s?.kind).toBe('WEEKEND');
    expect(s?.openMs).toBe(istTimeOnDate('2025-02-01', '09:15'));
    expect(s?.closeMs).toBe(istTimeOnDate('2025-02-01', '15:30'));
  });

  it('excludes the 2024-11-01 Muhurat session by default and includes only 18:00–19:00 when opted in', () => {
    expect(cal.isTradingDay('2024-11-01')).toBe(false);
    expect(cal.isInSession(istTimeOnDate('2024-11-01', '18:30'))).toBe(false);
    const opted = new NseCalendar({ specialSessions: ['MUHURAT'] });
    expect(opted.sessionOn('2024-11-01')?.kind).toBe('MUHURAT');
    expect(opted.isInSession(istTimeOnDate('2024-11-01', '10:00'))).toBe(false);
    expect(opted.isInSession(istTimeOnDate('2024-11-01', '18:00'))).toBe(true);
    expect(opted.isInSession(istTimeOnDate('2024-11-01', '19:00'))).toBe(false);
    // Opting in to one kind does not open the others.
    expect(opted.isTradingDay('2025-02-01')).toBe(false);
  });

  it('keeps the gap between the two segments of a DR-drill session closed', () => {
    const opted = new NseCalendar({ specialSessions: ['DR_DRILL'] });
    const s = opted.sessionOn('2024-03-02');
    expect(s?.segments).toHaveLength(2);
    expect(opted.isInSession(istTimeOnDate('2024-03-02', '09:59'))).toBe(true);
    expect(opted.isInSession(istTimeOnDate('2024-03-02', '10:00'))).toBe(false);
    expect(opted.isInSession(istTimeOnDate('2024-03-02', '11:30'))).toBe(true);
    expect(s?.closeMs).toBe(istTimeOnDate('2024-03-02', '12:30'));
  });

  it('lists every special session inside the covered years, with ordered segments', () => {
    for (const sp of NSE_SPECIAL_SESSIONS) {
      const year = Number(sp.date.slice(0, 4));
      expect(year).toBeGreaterThanOrEqual(NSE_CALENDAR_YEARS.first);
      expect(year).toBeLessThanOrEqual(NSE_CALENDAR_YEARS.last);
      const opted = new NseCalendar({ specialSessions: [sp.kind] });
      const s = opted.sessionOn(sp.date);
      expect(s, sp.date).not.toBeNull();
      let prev = -Infinity;
      for (const seg of s?.segments ?? []) {
        expect(seg.openMs).toBeGreaterThan(prev);
        expect(seg.closeMs).toBeGreaterThan(seg.openMs);
        prev = seg.closeMs;
      }
    }
  });
});

function weekdaysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let m = istMidnightOfDateKey(first); m <= istMidnightOfDateKey(last); m += DAY_MS) {
    const wd = new Date(m + 19_800_000).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(istDateKey(m));
  }
  return out;
}

describe.skipIf(!hasSharedData)('NSE calendar against real data', () => {
  it('5-minute NIFTY: every weekday without bars is a holiday, and every day with bars in 09:15–15:30 trades', () => {
    const lines = readFileSync(sharedDataPath('nifty50-5m-2024-05-21_2025-06-18.csv'), 'utf8').split('\n').slice(1);
    const regularDays = new Set<string>();
    const eveningDays = new Set<string>();
    for (const line of lines) {
      if (line.trim() === '') continue;
      const hhmm = line.slice(11, 16);
      (hhmm >= '09:15' && hhmm < '15:30' ? regularDays : eveningDays).add(line.slice(0, 10));
    }
    const weekend = new NseCalendar({ specialSessions: ['WEEKEND'] });
    for (const day of regularDays) expect(weekend.isTradingDay(day), day).toBe(true);
    // The only Saturday in the file is the budget session, a trading day only for profiles that opt in.
    expect([...regularDays].filter((d) => !cal.isTradingDay(d))).toEqual(['2025-02-01']);
    for (const day of weekdaysBetween('2024-05-21', '2025-06-18')) {
      if (!regularDays.has(day)) expect(NSE_HOLIDAYS[day], `${day} has no bars`).toBeDefined();
      else expect(NSE_HOLIDAYS[day], `${day} has bars`).toBeUndefined();
    }
    // Outside 09:15–15:30 the file has only the Muhurat evening of 2024-11-01.
    expect([...eveningDays]).toEqual(['2024-11-01']);
  });

  it('daily NIFTY closes 2021–2025: a weekday has a row exactly when it is not a holiday (Muhurat days have a row)', () => {
    const dates = new Set(
      readFileSync(sharedDataPath('nifty50-close-2016_2025.csv'), 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.slice(0, 10)),
    );
    const muhurat = new Set(NSE_SPECIAL_SESSIONS.filter((s) => s.kind === 'MUHURAT').map((s) => s.date));
    const mismatches: string[] = [];
    for (const day of weekdaysBetween('2021-01-01', '2025-11-14')) {
      const expected = cal.isTradingDay(day) || muhurat.has(day);
      if (dates.has(day) !== expected) mismatches.push(day);
    }
    expect(mismatches).toEqual([]);
  });
});
