import type { Instrument } from '../domain/instrument';
import type { Bias } from '../domain/intent';
import { z } from 'zod';
import type { BookState, RiskGate, RiskGateSnapshot } from '../risk/risk-gate';
import type { AdmitDecision, EntryCandidate, RiskPort } from './engine';

/**
 * Keeps the book the (stateless) risk gate reads: the day's bias, open and pending positions,
 * their risk at the current stop, and the day's entries in total, per symbol and per strategy.
 * An approved entry counts at once (so two batches in a row cannot overshoot a limit); a
 * rejected or unfilled entry is released again.
 */
export class RiskBook implements RiskPort {
  private bias: Bias | null = null;
  private readonly riskBySymbol = new Map<string, number>();
  private readonly tradesBySymbol = new Map<string, number>();
  private readonly tradesByStrategy = new Map<string, number>();
  private readonly strategyBySymbol = new Map<string, string>();
  private tradesToday = 0;

  constructor(
    private readonly gate: RiskGate,
    private readonly instruments: readonly Instrument[],
  ) {}

  get state(): 'ACTIVE' | 'REDUCING' | 'HALTED' {
    return this.gate.state;
  }

  setBias(bias: Bias | null): void {
    this.bias = bias;
  }

  onSessionStart(dateKey: string): void {
    this.gate.startSession(dateKey);
    this.riskBySymbol.clear();
    this.tradesBySymbol.clear();
    this.tradesByStrategy.clear();
    this.strategyBySymbol.clear();
    this.tradesToday = 0;
  }

  admit(candidates: readonly EntryCandidate[], nowMs: number): readonly AdmitDecision[] {
    // The engine's candidates are the gate's (plus the symbol index), passed as they are.
    const verdicts = this.gate.evaluate(candidates, this.book(), nowMs);
    const out: AdmitDecision[] = [];
    for (const v of verdicts) {
      const symbol = v.candidate.symbol;
      if (v.kind === 'denied') {
        out.push({ symbol, approved: false, reason: v.reason, detail: v.detail });
        continue;
      }
      const name = v.candidate.intent.symbol;
      this.riskBySymbol.set(name, v.riskPaise);
      this.strategyBySymbol.set(name, v.candidate.intent.strategy);
      this.count(name, v.candidate.intent.strategy, +1);
      out.push({ symbol, approved: true, qty: v.qty, riskPaise: v.riskPaise, resized: v.resized });
    }
    return out;
  }

  breached(realisedNetPaise: number, unrealisedPaise: number): boolean {
    return this.gate.onMarkToMarket(realisedNetPaise, unrealisedPaise);
  }

  setKillSwitch(state: 'off' | 'stop' | 'flatten'): boolean {
    return this.gate.setKillSwitch(state);
  }

  onEntryFilled(symbol: number, riskPaise: number): void {
    this.riskBySymbol.set(this.name(symbol), riskPaise);
  }

  onEntryAbandoned(symbol: number): void {
    const name = this.name(symbol);
    if (!this.riskBySymbol.has(name)) return;
    this.riskBySymbol.delete(name);
    this.count(name, this.strategyBySymbol.get(name) ?? '', -1);
  }

  onPositionRiskChanged(symbol: number, riskPaise: number): void {
    const name = this.name(symbol);
    if (this.riskBySymbol.has(name)) this.riskBySymbol.set(name, riskPaise);
  }

  onPositionClosed(symbol: number): void {
    this.riskBySymbol.delete(this.name(symbol));
  }

  /** Everything needed to resume the day after a restart (plain JSON). */
  snapshot(): RiskBookSnapshot {
    return {
      gate: this.gate.snapshot(),
      bias: this.bias,
      riskBySymbol: [...this.riskBySymbol.entries()],
      tradesBySymbol: [...this.tradesBySymbol.entries()],
      tradesByStrategy: [...this.tradesByStrategy.entries()],
      strategyBySymbol: [...this.strategyBySymbol.entries()],
      tradesToday: this.tradesToday,
    };
  }

  restore(snapshot: unknown): void {
    const s = RiskBookSnapshotSchema.parse(snapshot);
    this.gate.restore(s.gate as RiskGateSnapshot);
    this.bias = s.bias;
    this.riskBySymbol.clear();
    for (const [k, v] of s.riskBySymbol) this.riskBySymbol.set(k, v);
    this.tradesBySymbol.clear();
    for (const [k, v] of s.tradesBySymbol) this.tradesBySymbol.set(k, v);
    this.tradesByStrategy.clear();
    for (const [k, v] of s.tradesByStrategy) this.tradesByStrategy.set(k, v);
    this.strategyBySymbol.clear();
    for (const [k, v] of s.strategyBySymbol) this.strategyBySymbol.set(k, v);
    this.tradesToday = s.tradesToday;
  }

  private book(): BookState {
    let openRisk = 0;
    for (const r of this.riskBySymbol.values()) openRisk += r;
    return {
      bias: this.bias,
      openPositions: this.riskBySymbol.size,
      // Keys are exactly the open (or pending) symbols; the gate only asks `has`.
      openSymbols: this.riskBySymbol,
      openRiskPaise: openRisk,
      tradesToday: this.tradesToday,
      tradesBySymbol: this.tradesBySymbol,
      tradesByStrategy: this.tradesByStrategy,
    };
  }

  private count(symbol: string, strategy: string, delta: number): void {
    this.tradesToday += delta;
    this.tradesBySymbol.set(symbol, (this.tradesBySymbol.get(symbol) ?? 0) + delta);
    this.tradesByStrategy.set(strategy, (this.tradesByStrategy.get(strategy) ?? 0) + delta);
  }

  private name(symbol: number): string {
    const inst = this.instruments[symbol];
    if (inst === undefined) throw new Error(`unknown symbol index ${symbol}`);
    return inst.symbol;
  }
}

const entries = <T extends z.ZodType>(v: T) => z.array(z.tuple([z.string(), v]));

export const RiskBookSnapshotSchema = z.strictObject({
  gate: z.unknown(),
  bias: z.enum(['LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']).nullable(),
  riskBySymbol: entries(z.number()),
  tradesBySymbol: entries(z.number().int()),
  tradesByStrategy: entries(z.number().int()),
  strategyBySymbol: entries(z.string()),
  tradesToday: z.number().int(),
});
export type RiskBookSnapshot = z.infer<typeof RiskBookSnapshotSchema>;
