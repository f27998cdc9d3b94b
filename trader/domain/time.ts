/**
 * Exchange time. India has no daylight saving, so IST is a fixed UTC+05:30 offset and every
 * conversion here is integer arithmetic on epoch milliseconds (no Date objects on hot paths).
 */
export const IST_OFFSET_MS = 5.5 * 3_600_000;
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Milliseconds since IST midnight for an epoch-ms instant. */
export function istMsOfDay(epochMs: number): number {
  const shifted = epochMs + IST_OFFSET_MS;
  return shifted - Math.floor(shifted / DAY_MS) * DAY_MS;
}

/** Whole minutes since IST midnight (09:15 → 555). */
export function istMinuteOfDay(epochMs: number): number {
  return Math.floor(istMsOfDay(epochMs) / MINUTE_MS);
}

/** Epoch ms of IST midnight of the IST day containing `epochMs`. */
export function istMidnightMs(epochMs: number): number {
  return epochMs - istMsOfDay(epochMs);
}

/** Number of whole IST days since 1970-01-01 IST; a cheap integer session key. */
export function istDayNumber(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
}

/**
 * YYYYMMDD (as a number) of the IST calendar date containing `epochMs`, by integer arithmetic on
 * the day number (the inverse of days-from-civil, proleptic Gregorian): client order ids are
 * stamped with it on a cold entry decision, where a Date and a regex cost microseconds.
 */
export function istDateNumber(epochMs: number): number {
  const z = istDayNumber(epochMs) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

/** 'YYYY-MM-DD' of the IST calendar date containing `epochMs`. */
export function istDateKey(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 10);
}

const DATE_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of IST midnight for a 'YYYY-MM-DD' date key; throws on a malformed or impossible date. */
export function istMidnightOfDateKey(dateKey: string): number {
  const m = DATE_KEY.exec(dateKey);
  if (!m) throw new Error(`not a YYYY-MM-DD date: '${dateKey}'`);
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(utc).toISOString().slice(0, 10) !== dateKey) throw new Error(`not a calendar date: '${dateKey}'`);
  return utc - IST_OFFSET_MS;
}

/** Epoch ms of an IST wall-clock time ('HH:MM' or minutes) on a date key. */
export function istTimeOnDate(dateKey: string, hhmm: string | number): number {
  const minutes = typeof hhmm === 'number' ? hhmm : parseHhmm(hhmm);
  return istMidnightOfDateKey(dateKey) + minutes * MINUTE_MS;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' → minutes since midnight; throws on a malformed value. */
export function parseHhmm(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`not an HH:MM time: '${hhmm}'`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Minutes since midnight → 'HH:MM'. */
export function formatHhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** ISO-8601 in IST with an explicit offset: '2024-05-21T09:15:00+05:30' (milliseconds only when non-zero). */
export function formatIst(epochMs: number): string {
  const iso = new Date(epochMs + IST_OFFSET_MS).toISOString(); // '2024-05-21T09:15:00.000Z' shifted
  const ms = iso.slice(19, 23);
  return `${iso.slice(0, 19)}${ms === '.000' ? '' : ms}+05:30`;
}
