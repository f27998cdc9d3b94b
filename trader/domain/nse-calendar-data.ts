/**
 * NSE equity and equity-derivatives trading holidays and special sessions, 2021–2026, as data.
 * Sources: NSE holiday circulars for each year (holidays falling on a weekend are omitted; they
 * change nothing). The 2024-05-21..2025-06-18 span is cross-checked against the real 5-minute
 * NIFTY file in calendar.test.ts: every weekday without bars is in this list and vice versa.
 * 2021-01-01..2025-11-14 is cross-checked the same way against the daily NIFTY close file
 * (`nifty50-close-2016_2025.csv`): a weekday has a row exactly when it is not in this list, or
 * when it is a Muhurat day (which has a row for its evening session).
 * Extend this file when NSE publishes the next year's circular.
 */
export const NSE_HOLIDAYS: Readonly<Record<string, string>> = {
  '2021-01-26': 'Republic Day',
  '2021-03-11': 'Mahashivratri',
  '2021-03-29': 'Holi',
  '2021-04-02': 'Good Friday',
  '2021-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2021-04-21': 'Ram Navami',
  '2021-05-13': 'Id-Ul-Fitr (Ramzan Eid)',
  '2021-07-21': 'Bakri Id',
  '2021-08-19': 'Moharram',
  '2021-09-10': 'Ganesh Chaturthi',
  '2021-10-15': 'Dussehra',
  '2021-11-04': 'Diwali Laxmi Pujan (Muhurat session only)',
  '2021-11-05': 'Diwali Balipratipada',
  '2021-11-19': 'Gurunanak Jayanti',
  '2022-01-26': 'Republic Day',
  '2022-03-01': 'Mahashivratri',
  '2022-03-18': 'Holi',
  '2022-04-14': 'Dr. Baba Saheb Ambedkar Jayanti / Mahavir Jayanti',
  '2022-04-15': 'Good Friday',
  '2022-05-03': 'Id-Ul-Fitr (Ramzan Eid)',
  '2022-08-09': 'Moharram',
  '2022-08-15': 'Independence Day',
  '2022-08-31': 'Ganesh Chaturthi',
  '2022-10-05': 'Dussehra',
  '2022-10-24': 'Diwali Laxmi Pujan (Muhurat session only)',
  '2022-10-26': 'Diwali Balipratipada',
  '2022-11-08': 'Gurunanak Jayanti',
  '2023-01-26': 'Republic Day',
  '2023-03-07': 'Holi',
  '2023-03-30': 'Ram Navami',
  '2023-04-04': 'Mahavir Jayanti',
  '2023-04-07': 'Good Friday',
  '2023-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2023-05-01': 'Maharashtra Day',
  '2023-06-29': 'Bakri Id (moved from 2023-06-28 by NSE circular)',
  '2023-08-15': 'Independence Day',
  '2023-09-19': 'Ganesh Chaturthi',
  '2023-10-02': 'Mahatma Gandhi Jayanti',
  '2023-10-24': 'Dussehra',
  '2023-11-14': 'Diwali Balipratipada',
  '2023-11-27': 'Gurunanak Jayanti',
  '2023-12-25': 'Christmas',
  '2024-01-22': 'Special holiday (Ram Mandir pran pratishtha)',
  '2024-01-26': 'Republic Day',
  '2024-03-08': 'Mahashivratri',
  '2024-03-25': 'Holi',
  '2024-03-29': 'Good Friday',
  '2024-04-11': 'Id-Ul-Fitr',
  '2024-04-17': 'Shri Ram Navami',
  '2024-05-01': 'Maharashtra Day',
  '2024-05-20': 'General elections (Mumbai)',
  '2024-06-17': 'Bakri Id',
  '2024-07-17': 'Moharram',
  '2024-08-15': 'Independence Day',
  '2024-10-02': 'Mahatma Gandhi Jayanti',
  '2024-11-01': 'Diwali Laxmi Pujan (Muhurat session only)',
  '2024-11-15': 'Gurunanak Jayanti',
  '2024-11-20': 'Maharashtra assembly election',
  '2024-12-25': 'Christmas',
  '2025-02-26': 'Mahashivratri',
  '2025-03-14': 'Holi',
  '2025-03-31': 'Id-Ul-Fitr',
  '2025-04-10': 'Shri Mahavir Jayanti',
  '2025-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2025-04-18': 'Good Friday',
  '2025-05-01': 'Maharashtra Day',
  '2025-08-15': 'Independence Day',
  '2025-08-27': 'Ganesh Chaturthi',
  '2025-10-02': 'Mahatma Gandhi Jayanti / Dussehra',
  '2025-10-21': 'Diwali Laxmi Pujan (Muhurat session only)',
  '2025-10-22': 'Diwali Balipratipada',
  '2025-11-05': 'Prakash Gurpurb Sri Guru Nanak Dev',
  '2025-12-25': 'Christmas',
  '2026-01-15': 'Municipal Corporation election (Maharashtra)',
  '2026-01-26': 'Republic Day',
  '2026-03-03': 'Holi',
  '2026-03-26': 'Shri Ram Navami',
  '2026-03-31': 'Shri Mahavir Jayanti',
  '2026-04-03': 'Good Friday',
  '2026-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2026-05-01': 'Maharashtra Day',
  '2026-05-28': 'Bakri Id',
  '2026-06-26': 'Muharram',
  '2026-09-14': 'Ganesh Chaturthi',
  '2026-10-02': 'Mahatma Gandhi Jayanti',
  '2026-10-20': 'Dussehra',
  '2026-11-10': 'Diwali Balipratipada',
  '2026-11-24': 'Prakash Gurpurb Sri Guru Nanak Dev',
  '2026-12-25': 'Christmas',
};

/** First and last calendar year the holiday list covers; outside it the calendar refuses to guess. */
export const NSE_CALENDAR_YEARS = { first: 2021, last: 2026 } as const;

export type SpecialSessionKind = 'MUHURAT' | 'WEEKEND' | 'DR_DRILL';

export interface SpecialSession {
  readonly date: string;
  readonly kind: SpecialSessionKind;
  /** Trading segments as [start, end) 'HH:MM' IST. */
  readonly segments: readonly (readonly [string, string])[];
  readonly note: string;
}

/**
 * Sessions outside the regular calendar. A profile trades them only when it opts in to the kind.
 * 2026-11-08 (Muhurat, Sunday) is not listed: NSE had not notified its timings.
 */
export const NSE_SPECIAL_SESSIONS: readonly SpecialSession[] = [
  { date: '2021-11-04', kind: 'MUHURAT', segments: [['18:15', '19:15']], note: 'Muhurat trading (Diwali)' },
  { date: '2022-10-24', kind: 'MUHURAT', segments: [['18:15', '19:15']], note: 'Muhurat trading (Diwali)' },
  { date: '2023-11-12', kind: 'MUHURAT', segments: [['18:15', '19:15']], note: 'Muhurat trading (Diwali, Sunday)' },
  { date: '2024-01-20', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Saturday session in lieu of 2024-01-22' },
  { date: '2024-03-02', kind: 'DR_DRILL', segments: [['09:15', '10:00'], ['11:30', '12:30']], note: 'Saturday disaster-recovery live session' },
  { date: '2024-05-18', kind: 'DR_DRILL', segments: [['09:15', '10:00'], ['11:30', '12:30']], note: 'Saturday disaster-recovery live session' },
  { date: '2024-11-01', kind: 'MUHURAT', segments: [['18:00', '19:00']], note: 'Muhurat trading (Diwali)' },
  { date: '2025-02-01', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Union Budget, Saturday' },
  { date: '2025-10-21', kind: 'MUHURAT', segments: [['13:45', '14:45']], note: 'Muhurat trading (Diwali)' },
  { date: '2026-02-01', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Union Budget, Sunday' },
];
