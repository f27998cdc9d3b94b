import { z } from 'zod';
import { parseHhmm } from '../../domain/time';

/**
 * Every threshold of the TFL rules (strategies.md §1) with its default. The strategy reads
 * nothing else: no threshold lives as a literal in code. Parse once at the boundary with
 * `parseTflParams`; the strategy takes the parsed `TflParams`.
 *
 * Units are in the names: percentages are plain percent (0.8 means 0.8 %), times are IST
 * wall-clock 'HH:MM', money is integer paise.
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const hhmm = z.string().regex(HHMM, { message: "expected an IST time 'HH:MM'" });

/** Minutes of a valid 'HH:MM', NaN otherwise (object-level checks run even when a field failed). */
function minutesOrNaN(s: string): number {
  return HHMM.test(s) ? parseHhmm(s) : Number.NaN;
}

export const TflTrailingSchema = z
  .strictObject({
    /** 'bar': stop to each completed bar's low (long) / high (short); 'atr': extreme since entry ∓ multiple × ATR. */
    mode: z.enum(['bar', 'atr']).default('bar'),
    atrPeriod: z.number().int().min(1).default(14),
    atrMultiple: z.number().positive().default(1.5),
    /**
     * When bar/ATR trailing begins. 'breakeven' (default) reads §1 literally: "once the trade is
     * +1 R, stop to breakeven; then after each completed bar …" — trailing starts with the first
     * bar that completes after breakeven was reached. 'entry': from the first bar completed while open.
     */
    startAfter: z.enum(['breakeven', 'entry']).default('breakeven'),
  })
  .default({ mode: 'bar', atrPeriod: 14, atrMultiple: 1.5, startAfter: 'breakeven' });

export const TflPartialSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Fraction of the open quantity closed at the partial level. */
    fraction: z.number().gt(0).lt(1).default(0.5),
    atR: z.number().positive().default(2),
  })
  .default({ enabled: false, fraction: 0.5, atR: 2 });

export const TflParamsSchema = z
  .strictObject({
    /** Bar timeframe in minutes the pairs and triggers are read from. */
    timeframeMinutes: z.number().int().min(1).max(375).default(15),
    /** Range filter on (pairHigh − pairLow) / close, in percent; bounds inclusive. */
    minRangePct: z.number().min(0).default(0.05),
    maxRangePct: z.number().positive().default(0.8),
    /** Both pair bars must start at or after this time. */
    scanStart: hhmm.default('09:15'),
    /** A trigger bar must close at or before this time. */
    entryDeadline: hhmm.default('14:30'),
    /** Added beyond the pair's far side for the initial stop. */
    stopBufferPaise: z.number().int().min(0).default(0),
    /** Target in multiples of the filled risk per unit. */
    targetR: z.number().positive().default(10),
    /** Favourable move (in R) at which the stop goes to breakeven, once. */
    breakevenAtR: z.number().positive().default(1),
    trailing: TflTrailingSchema,
    partialProfit: TflPartialSchema,
    /** Entries (filled) per symbol per day. */
    maxTradesPerSymbolPerDay: z.number().int().min(1).default(2),
    /** Bars averaged for the relative-volume ranking key. */
    relVolumeLookback: z.number().int().min(1).default(20),
    /**
     * §1: "no bias for the day means no entries". `false` only for research runs
     * (`backtest --bias off`): with no bias, both sides are armed.
     */
    requireBias: z.boolean().default(true),
  })
  .refine((p) => p.minRangePct <= p.maxRangePct, { message: 'minRangePct must not exceed maxRangePct', path: ['minRangePct'] })
  .refine((p) => !(minutesOrNaN(p.scanStart) >= minutesOrNaN(p.entryDeadline)), {
    message: 'scanStart must be before entryDeadline',
    path: ['entryDeadline'],
  });

export type TflParams = z.output<typeof TflParamsSchema>;
export type TflParamsInput = z.input<typeof TflParamsSchema>;

/** Parse (and default) TFL parameters; throws a ZodError naming the field on bad input. */
export function parseTflParams(input: unknown = {}): TflParams {
  return TflParamsSchema.parse(input);
}

export const DEFAULT_TFL_PARAMS: TflParams = parseTflParams({});
