import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { BIAS_METRIC, BIAS_METRIC_VALUE } from '../../trader/observability/metric-names';
import { istDateKey } from '../../trader/domain/time';
import { run } from './run';
import type { PreMarketDeps, RunResult } from './run';

export interface HandlerContext {
  readonly deps: PreMarketDeps;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
}

/** What the scheduler sends: nothing, or `{ "date": "YYYY-MM-DD" }` for a manual re-run. */
export interface PreMarketEvent {
  readonly date?: string;
}

export interface PreMarketResponse {
  readonly status: RunResult['status'];
  readonly date: string;
  readonly bias: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Glue: pick the date, call run(), record the bias metric, map the result. */
export function createHandler(ctx: HandlerContext): (event: unknown) => Promise<PreMarketResponse> {
  return async (event: unknown) => {
    const date = eventDate(event) ?? istDateKey(ctx.deps.clock.nowMs());
    try {
      const result = await run(ctx.deps, date);
      switch (result.status) {
        case 'NOT_TRADING_DAY':
          ctx.logger.info('not a trading day: no bias published', { date });
          return { status: result.status, date, bias: null };
        case 'PUBLISHED':
        case 'ALREADY_PUBLISHED': {
          const r = result.record;
          ctx.logger.info('bias', { date, status: result.status, bias: r.bias, reasons: r.reasons, ruleVersion: r.ruleVersion });
          if (r.alert !== null) ctx.logger.warn('bias input problem', { date, alert: r.alert });
          ctx.metrics.addMetric(BIAS_METRIC, MetricUnit.Count, BIAS_METRIC_VALUE[r.bias]);
          return { status: result.status, date, bias: r.bias };
        }
      }
    } finally {
      ctx.metrics.publishStoredMetrics();
    }
  };
}

function eventDate(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || !('date' in event)) return undefined;
  const d = event.date;
  if (typeof d !== 'string' || !DATE.test(d)) throw new Error(`event field 'date' must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
  return d;
}
