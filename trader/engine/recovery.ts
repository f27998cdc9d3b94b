import { z } from 'zod';
import type { BrokerPosition } from '../domain/order';
import type { Bar } from '../domain/bar';
import type { TradingSession } from '../domain/calendar';
import type { Bias } from '../domain/intent';
import { MINUTE_MS } from '../domain/time';
import type { Logger } from '../observability/log';
import type { ReconcileReport } from '../orders/order-manager';
import type { DayState } from '../persistence/state-store';
import type { EngineSnapshot } from './engine';
import type { Runtime } from './runtime';

/** 1-minute bars of one symbol for the session so far, the partial current minute included. */
export type HistorySource = (symbol: string, exchange: string, fromMs: number, toMs: number) => Promise<Bar[]>;

export interface RecoveryOptions {
  readonly rt: Runtime;
  readonly session: TradingSession;
  readonly bias: Bias | null;
  readonly day: DayState;
  readonly history: HistorySource;
  /** Market time now: the first message this life applies (the lockstep simulator resends its last one), or the wall clock live. */
  readonly nowMs: number;
  /** A not-sent entry intent older than this (market time) is abandoned, not sent. */
  readonly entryValidityMs: number;
  readonly log: Logger;
}

export interface RecoveryReport {
  readonly resumed: boolean;
  readonly checkpointAtMs: number | null;
  readonly historyBars: number;
  readonly reconcile: ReconcileReport;
}

/**
 * Restart = recovery (issue 3 §4), the same path whether the day is fresh or half done:
 *
 * 1. the engine resumes from the day's checkpoint (strategy, risk, portfolio, booked executions,
 *    what the strategy was told), or starts the session when there is none;
 * 2. the order manager rebuilds its orders from the store;
 * 3. the open bars are rebuilt from the broker's 1-minute history since the checkpoint's bar
 *    (with no checkpoint: since the open, which also warms the strategy up); decisions the replay
 *    would make are dropped as stale;
 * 4. orders, fills and positions are reconciled with the broker before anything else: intents are
 *    looked up, not resent; fills apply once by execution id; missing stops are placed once;
 * 5. our positions must equal the broker's, or the trader does not start (fail closed).
 */
export async function recoverDay(o: RecoveryOptions): Promise<RecoveryReport> {
  const { rt, session, day } = o;
  // Recovery happens at market time now. The runtime's clock may still show the checkpoint's
  // time, older than what the last life wrote after it: stamped with it, recovery's writes (a
  // position's protective state, order updates) would be refused as older than the stored ones.
  rt.clock.advanceTo(o.nowMs);
  let checkpointAtMs: number | null = null;
  if (day.snapshot !== null) {
    const snap = parseEngineSnapshot(day.snapshot.engine);
    rt.engine.restore(session, o.bias, snap);
    checkpointAtMs = snap.nowMs;
  } else {
    rt.engine.startSession(session, o.bias);
  }
  rt.orders.restore(day.orders, day.positions);

  const timeframes = rt.engine.timeframes;
  const fromMs = checkpointAtMs === null ? session.openMs : bucketStart(session, checkpointAtMs, Math.max(...timeframes));
  const bars: { symbol: number; bar: Bar }[] = [];
  if (o.nowMs > fromMs) {
    const instruments = rt.engine.instrumentList;
    for (let s = 0; s < instruments.length; s++) {
      const inst = instruments[s];
      if (inst === undefined) continue;
      const hist = await o.history(inst.symbol, inst.exchange, fromMs, o.nowMs);
      for (const bar of hist) if (bar.startMs >= fromMs && bar.startMs <= o.nowMs) bars.push({ symbol: s, bar });
    }
    bars.sort((a, b) => a.bar.startMs - b.bar.startMs || a.symbol - b.symbol);
    const at = checkpointAtMs;
    rt.engine.replayHistoryBars(bars, at === null ? null : (tf) => bucketStart(session, at, tf));
  }

  const reconcile = await rt.orders.reconcile(o.nowMs, o.entryValidityMs);
  const mismatch = comparePositions(rt, await rt.broker.positions());
  if (mismatch.length > 0) throw new Error(`positions differ from the broker after reconciliation: ${mismatch.join('; ')}`);
  rt.engine.record({
    type: 'RECOVERED',
    timeMs: o.nowMs,
    detail: {
      resumed: checkpointAtMs !== null,
      checkpointAtMs: checkpointAtMs ?? 0,
      historyBars: bars.length,
      ordersRestored: day.orders.length,
      ...reconcile,
    },
  });
  o.log.info('recovered', { resumed: checkpointAtMs !== null, historyBars: bars.length, ...reconcile });
  return { resumed: checkpointAtMs !== null, checkpointAtMs, historyBars: bars.length, reconcile };
}

function bucketStart(session: TradingSession, t: number, minutes: number): number {
  const tf = minutes * MINUTE_MS;
  return session.openMs + Math.floor((t - session.openMs) / tf) * tf;
}

function comparePositions(rt: Runtime, broker: readonly BrokerPosition[]): string[] {
  const out: string[] = [];
  const instruments = rt.engine.instrumentList;
  for (let s = 0; s < instruments.length; s++) {
    const inst = instruments[s];
    if (inst === undefined) continue;
    const ours = rt.portfolio.netQty(s);
    const theirs = broker.filter((p) => p.symbol === inst.symbol && p.exchange === inst.exchange).reduce((a, p) => a + p.netQty, 0);
    if (ours !== theirs) out.push(`${inst.symbol}: ours ${ours}, broker ${theirs}`);
  }
  return out;
}

/** The checkpoint as stored: validated before a restart trusts it. */
const EngineSnapshotSchema = z.looseObject({
  version: z.literal(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  nowMs: z.number().int(),
  squaredOff: z.boolean(),
  haltReason: z.string().nullable(),
  signals: z.number().int(),
  intentCount: z.number().int(),
  denials: z.record(z.string(), z.number().int()),
  pendingTargetR: z.array(z.number().nullable()).transform((a) => a.map((x) => x ?? 0)),
  stopPaise: z.array(z.number()),
  delivered: z.array(z.number().int().min(0).max(2)),
  booked: z.array(z.string()),
  trades: z.array(z.looseObject({ tradeId: z.string() })),
  strategy: z.unknown(),
  risk: z.unknown(),
  portfolio: z.unknown(),
});

export function parseEngineSnapshot(raw: unknown): EngineSnapshot {
  const r = EngineSnapshotSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`corrupt checkpoint: field '${i?.path.join('.') ?? '?'}': ${i?.message ?? 'invalid'}`);
  }
  return r.data as unknown as EngineSnapshot;
}
