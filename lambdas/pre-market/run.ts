import type { Bias } from '../../trader/domain/intent';
import { formatIst } from '../../trader/domain/time';
import { NIFTY_LOOKBACK, RULE_VERSION, VIX_LOOKBACK, applyRules } from './rules';
import type { BiasInputs, Breadth, DatedValue } from './rules';

/**
 * The pre-market bias (strategies.md §5) over injected ports. Shared by the Lambda handler
 * (DynamoDB/SNS adapters, NSE calendar) and by `tfl bias` (CSV sources, in-memory store, the
 * data file as the trading-day calendar). Pure apart from the ports: no clock, env or SDK here.
 *
 * Order of effects, so a retried invocation never stores a second record and rarely repeats
 * a message: compute → put-once by date (the first stored record wins; a retry reuses it) →
 * alert (data problems only) → publish → mark published. A retry after a crash between
 * publish and mark re-sends the message once; the trader dedupes by date.
 */

export interface Clock {
  nowMs(): number;
}

/** Trading-day decisions: the NSE calendar live, the data file itself for history. */
export interface TradingDays {
  isTradingDay(date: string): boolean;
  /** The trading session before `date`, or null when unknown. */
  previousTradingDay(date: string): string | null;
}

/** Daily closes strictly before `date`, ascending, at most `count` (the latest ones). */
export interface DailySeriesSource {
  closesBefore(date: string, count: number): Promise<readonly DatedValue[]>;
}

export interface BreadthSource {
  /** Breadth of the given session, or null when not available. */
  forSession(date: string): Promise<Breadth | null>;
}

export interface BiasRecord {
  readonly date: string;
  readonly bias: Bias;
  readonly reasons: readonly string[];
  /** Null when the inputs could not be used (the reasons say why). */
  readonly inputs: BiasInputs | null;
  readonly ruleVersion: string;
  readonly computedAtMs: number;
  /** Alert text for a data problem (missing, stale or failed source); null when the inputs were fine. */
  readonly alert: string | null;
}

export interface StoredBias extends BiasRecord {
  readonly publishedAtMs?: number;
}

export interface BiasStore {
  /** Conditional put on the date: stores `record` unless one exists; returns what is stored now. */
  putOnce(record: BiasRecord): Promise<{ readonly created: boolean; readonly record: StoredBias }>;
  /** Records that the message went out (idempotent). */
  markPublished(date: string, atMs: number): Promise<void>;
}

export interface BiasMessage {
  readonly subject: string;
  /** ≤ 160 characters: one SMS segment. */
  readonly sms: string;
  /** E-mail body: everything, inputs included. */
  readonly full: string;
}

export interface Publisher {
  publish(message: BiasMessage): Promise<void>;
}

export interface Alerter {
  alert(subject: string, text: string): Promise<void>;
}

export interface PreMarketDeps {
  readonly clock: Clock;
  readonly calendar: TradingDays;
  readonly nifty: DailySeriesSource;
  readonly vix: DailySeriesSource;
  readonly breadth?: BreadthSource;
  readonly store: BiasStore;
  readonly publisher: Publisher;
  readonly alerter: Alerter;
}

export type RunResult =
  | { readonly status: 'NOT_TRADING_DAY'; readonly date: string }
  | { readonly status: 'PUBLISHED'; readonly created: boolean; readonly record: StoredBias }
  | { readonly status: 'ALREADY_PUBLISHED'; readonly record: StoredBias };

export const SMS_MAX_CHARS = 160;

/** Runs the bias for `date` (an IST date key; the handler passes today's). */
export async function run(deps: PreMarketDeps, date: string): Promise<RunResult> {
  if (!deps.calendar.isTradingDay(date)) return { status: 'NOT_TRADING_DAY', date };

  const record = await compute(deps, date);
  // Whatever this invocation computed, the stored record is the day's truth from here on.
  const { created, record: stored } = await deps.store.putOnce(record);
  if (stored.publishedAtMs !== undefined) return { status: 'ALREADY_PUBLISHED', record: stored };

  if (stored.alert !== null) await deps.alerter.alert(`TFL bias ${stored.date}: input problem`, stored.alert);
  await deps.publisher.publish(formatMessage(stored));
  const publishedAtMs = deps.clock.nowMs();
  await deps.store.markPublished(stored.date, publishedAtMs);
  return { status: 'PUBLISHED', created, record: { ...stored, publishedAtMs } };
}

/** Computes the record without any effect (also what `tfl bias` prints). */
export async function compute(deps: Pick<PreMarketDeps, 'clock' | 'calendar' | 'nifty' | 'vix' | 'breadth'>, date: string): Promise<BiasRecord> {
  const computedAtMs = deps.clock.nowMs();
  const noTrades = (problem: string): BiasRecord => ({
    date,
    bias: 'NO_TRADES',
    reasons: [problem],
    inputs: null,
    ruleVersion: RULE_VERSION,
    computedAtMs,
    alert: `${date}: ${problem}. Bias set to NO_TRADES.`,
  });

  const previous = deps.calendar.previousTradingDay(date);
  if (previous === null) return noTrades(`previous trading session before ${date} is unknown`);

  const nifty = await load('NIFTY', () => deps.nifty.closesBefore(date, NIFTY_LOOKBACK));
  if (typeof nifty === 'string') return noTrades(nifty);
  const vix = await load('VIX', () => deps.vix.closesBefore(date, VIX_LOOKBACK));
  if (typeof vix === 'string') return noTrades(vix);

  const problem =
    checkSeries('NIFTY', nifty, NIFTY_LOOKBACK, previous) ?? checkSeries('VIX', vix, VIX_LOOKBACK, previous);
  if (problem !== null) return noTrades(problem);

  let breadth: Breadth | null = null;
  if (deps.breadth) {
    const source = deps.breadth;
    try {
      breadth = await source.forSession(previous);
    } catch (err) {
      // Breadth is optional (§5 step 4): its failure does not block the bias, but it is said.
      const outcome = applyRules(nifty, vix, null);
      return {
        date,
        ...outcome,
        reasons: [...outcome.reasons, `breadth source failed: ${message(err)}`],
        ruleVersion: RULE_VERSION,
        computedAtMs,
        alert: `${date}: breadth source failed (${message(err)}); bias computed without breadth.`,
      };
    }
    if (breadth !== null && (breadth.date !== previous || !validBreadth(breadth))) {
      const outcome = applyRules(nifty, vix, null);
      return {
        date,
        ...outcome,
        reasons: [...outcome.reasons, `breadth ignored: stale or invalid (${breadth.date})`],
        ruleVersion: RULE_VERSION,
        computedAtMs,
        alert: `${date}: breadth for ${breadth.date} stale or invalid; bias computed without breadth.`,
      };
    }
  }
  return { date, ...applyRules(nifty, vix, breadth), ruleVersion: RULE_VERSION, computedAtMs, alert: null };
}

async function load(name: string, fn: () => Promise<readonly DatedValue[]>): Promise<readonly DatedValue[] | string> {
  try {
    return await fn();
  } catch (err) {
    return `${name} source failed: ${message(err)}`;
  }
}

/** Null when the series is usable: enough sessions, ascending, positive, and fresh. */
function checkSeries(name: string, series: readonly DatedValue[], needed: number, previous: string): string | null {
  if (series.length < needed) return `${name} history too short: ${series.length} of ${needed} sessions`;
  let prevDate = '';
  for (const p of series) {
    if (!Number.isFinite(p.value) || p.value <= 0) return `${name} value on ${p.date} is not a positive number`;
    if (p.date <= prevDate) return `${name} dates not ascending at ${p.date}`;
    prevDate = p.date;
  }
  if (prevDate !== previous) return `${name} stale: last session ${prevDate}, expected ${previous}`;
  return null;
}

function validBreadth(b: Breadth): boolean {
  return Number.isSafeInteger(b.advancers) && Number.isSafeInteger(b.decliners) && b.advancers >= 0 && b.decliners >= 0 && b.advancers + b.decliners > 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** SNS message: a one-segment SMS and a full e-mail body. */
export function formatMessage(r: BiasRecord): BiasMessage {
  const computedAt = formatIst(r.computedAtMs);
  const head = `TFL ${r.date} ${r.bias}`;
  const tail = ` [${r.ruleVersion} ${computedAt.slice(11, 16)}]`;
  const room = SMS_MAX_CHARS - head.length - tail.length - 2;
  let why = r.reasons.join('; ');
  if (why.length > room) why = `${why.slice(0, Math.max(0, room - 1))}…`;
  const sms = `${head}: ${why}${tail}`;
  const full = [
    `Date: ${r.date}`,
    `Bias: ${r.bias}`,
    'Reasons:',
    ...r.reasons.map((x) => `  - ${x}`),
    `Inputs: ${r.inputs === null ? 'none usable' : JSON.stringify(r.inputs, null, 2)}`,
    `Computed at: ${computedAt}`,
    `Rule version: ${r.ruleVersion}`,
  ].join('\n');
  return { subject: `TFL bias ${r.date}: ${r.bias}`, sms, full };
}
