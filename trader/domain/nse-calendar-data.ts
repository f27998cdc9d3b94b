/**
 * NSE equity and equity-derivatives trading holidays and special sessions, 2024–2026, as data.
 * Sources: NSE holiday circulars for each year (holidays falling on a weekend are omitted; they
 * change nothing). The 2024-05-21..2025-06-18 span is cross-checked against the real 5-minute
 * NIFTY file in calendar.test.ts: every weekday without bars is in this list and vice versa.
 * Extend this file when NSE publishes the next year's circular.
 */
export const NSE_HOLIDAYS: Readonly<Record<string, string>> = {
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
export const NSE_CALENDAR_YEARS = { first: 2024, last: 2026 } as const;

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
  { date: '2024-01-20', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Saturday session in lieu of 2024-01-22' },
  { date: '2024-03-02', kind: 'DR_DRILL', segments: [['09:15', '10:00'], ['11:30', '12:30']], note: 'Saturday disaster-recovery live session' },
  { date: '2024-05-18', kind: 'DR_DRILL', segments: [['09:15', '10:00'], ['11:30', '12:30']], note: 'Saturday disaster-recovery live session' },
  { date: '2024-11-01', kind: 'MUHURAT', segments: [['18:00', '19:00']], note: 'Muhurat trading (Diwali)' },
  { date: '2025-02-01', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Union Budget, Saturday' },
  { date: '2025-10-21', kind: 'MUHURAT', segments: [['13:45', '14:45']], note: 'Muhurat trading (Diwali)' },
  { date: '2026-02-01', kind: 'WEEKEND', segments: [['09:15', '15:30']], note: 'Union Budget, Sunday' },
];
