import { z } from 'zod';

/**
 * How the paper broker fills. Defaults are the conservative choice for a backtest: a market order
 * pays one tick of slippage when there is no quote, a limit fills only when the price trades
 * through it, and a fill never happens on the tick during which the order was placed.
 */
export const paperBrokerConfigSchema = z.strictObject({
  /** Ticks added (BUY) / subtracted (SELL) from the last price for market and stop-market fills without a quote. */
  slippageTicks: z.number().int().min(0).max(100).default(1),
  /** 'through': a resting limit fills when the price trades strictly beyond it; 'touch': at or beyond. */
  limitFillRule: z.enum(['touch', 'through']).default('through'),
  /** Orders become eligible this many ms (of market time) after acceptance; 0 = the next tick. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Cap each fill by the displayed bid/ask size (rounded down to lots, at least one lot). */
  partialFills: z.boolean().default(false),
});

export type PaperBrokerConfig = z.infer<typeof paperBrokerConfigSchema>;
export type PaperBrokerConfigInput = z.input<typeof paperBrokerConfigSchema>;
