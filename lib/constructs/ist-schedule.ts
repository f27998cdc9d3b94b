import { TimeZone } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';

/**
 * EventBridge Scheduler expressions in India time (no DST, so wall-clock times are stable).
 * `weekdaysAt('08:45')` → `cron(45 8 ? * MON-FRI *)` in Asia/Kolkata. The scheduler knows no
 * NSE holidays: the trader idles on them and the alarm window is closed by one-time schedules.
 */
export function weekdaysAt(hhmm: string): ScheduleExpression {
  const [h, m] = split(hhmm);
  return ScheduleExpression.cron({ minute: String(m), hour: String(h), weekDay: 'MON-FRI', timeZone: TimeZone.ASIA_KOLKATA });
}

/** One-time schedule at an IST date and time ('2025-03-14', '09:20', 30 → at(2025-03-14T09:20:30)). */
export function onceAt(date: string, hhmm: string, second = 0): ScheduleExpression {
  const [h, m] = split(hhmm);
  const t = `${pad(h)}:${pad(m)}:${pad(second)}`;
  return ScheduleExpression.expression(`at(${date}T${t})`, TimeZone.ASIA_KOLKATA);
}

function split(hhmm: string): [number, number] {
  const g = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!g) throw new Error(`not HH:MM: ${hhmm}`);
  return [Number(g[1]), Number(g[2])];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
