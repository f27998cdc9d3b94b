/**
 * Names the trader publishes (embedded metric format or PutMetricData) and the CDK Monitoring
 * stack reads. Pure constants: one definition, so a renamed metric breaks the build, not the
 * 3 a.m. alarm. Every trader metric carries the dimension `Profile` = the profile name.
 */
export const METRIC_NAMESPACE = 'TFL';
export const PROFILE_DIMENSION = 'Profile';

export const METRIC = {
  /** 1 per minute from the main loop, only after real progress (a tick processed). Count. */
  heartbeat: 'Heartbeat',
  /** Ticks processed per second over the last minute. Count/Second. */
  ticksPerSecond: 'TicksPerSecond',
  /** Age of the newest tick when sampled (exchange time → now). Seconds. */
  tickAgeSeconds: 'TickAgeSeconds',
  openPositions: 'OpenPositions',
  /** Realised + unrealised P&L of the day in rupees (negative = loss). None. */
  dayPnlRupees: 'DayPnlRupees',
  /** Day P&L in R multiples. None. */
  dayR: 'DayR',
  ordersPlaced: 'OrdersPlaced',
  ordersRejected: 'OrdersRejected',
  riskDenials: 'RiskDenials',
  /** Count of errors handled (the log metric filter counts ERROR/FATAL lines independently). */
  errors: 'Errors',
} as const;
export type TraderMetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * The pre-market Lambda publishes the day's bias as a number (no Profile dimension: one bias per
 * date), so the dashboard can show it: 1 = LONGS_ONLY, -1 = SHORTS_ONLY, 0 = NO_TRADES.
 */
export const BIAS_METRIC = 'Bias';
export const BIAS_METRIC_VALUE = { LONGS_ONLY: 1, SHORTS_ONLY: -1, NO_TRADES: 0 } as const;

/** Service name the Lambda's Powertools metrics use (dimension `service`). */
export const PRE_MARKET_SERVICE = 'pre-market';

/**
 * Counted by a CloudWatch Logs metric filter on the trader's log group (infrastructure side):
 * JSON lines whose `level` is ERROR or FATAL. No Profile dimension (one log group for all).
 */
export const ERROR_LOG_LINES_METRIC = 'ErrorLogLines';
