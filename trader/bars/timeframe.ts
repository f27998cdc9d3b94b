/**
 * Bar timeframes as whole minutes. Text forms: '5m', '15m', '1h' (also '5min'). A timeframe is
 * at most one regular session (375 minutes); longer bars are not intraday bars.
 */
export const MAX_TIMEFRAME_MINUTES = 375;

const TIMEFRAME = /^([1-9]\d{0,3})(m|min|h)$/;

/** '15m' → 15, '1h' → 60; null when the text is not a timeframe this system supports. */
export function parseTimeframeMinutes(text: string): number | null {
  const m = TIMEFRAME.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * (m[2] === 'h' ? 60 : 1);
  return minutes <= MAX_TIMEFRAME_MINUTES ? minutes : null;
}

/** 15 → '15m', 60 → '1h'. */
export function formatTimeframe(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export function assertTimeframeMinutes(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEFRAME_MINUTES) {
    throw new RangeError(`timeframe must be a whole number of minutes in 1..${MAX_TIMEFRAME_MINUTES}, got ${minutes}`);
  }
}
