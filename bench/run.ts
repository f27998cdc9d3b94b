/**
 * `npm run bench` → bench/results.json. Benchmarks, not timed tests: numbers are reported, with
 * the targets from the engine issue beside them and, where possible, a reference run in the same
 * process (a bare loop over the same data; the indicator libraries) so ratios survive a slower
 * or busier machine. Run on an otherwise idle machine; `--quick` shrinks every workload.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ProfileSchema, type Profile } from '../trader/config/profile';
import { instrumentFor } from '../trader/config/instruments';
import { NseCalendar } from '../trader/domain/calendar';
import { SimulatedClock } from '../trader/engine/clock';
import { runBacktest } from '../trader/engine/backtest';
import { buildRuntime } from '../trader/engine/runtime';
import { TickPump } from '../trader/engine/tick-pump';
import { DecisionPrimer, primesPerDay } from '../trader/engine/primer';
import { simulatedTape, type Tape } from '../trader/engine/scratch';
import { warmUpEngine } from '../trader/engine/warm-up';
import { OpenAlgoDecoder } from '../trader/market-data/openalgo-ws';
import { DEFAULT_SIM_SYMBOLS } from '../trader/market-data/simulator/symbols';
import { nullLogger } from '../trader/observability/log';
import { MemoryJournalStore } from '../trader/persistence/memory-journal-store';
import { hotDecisionLatency } from './hot-decision';
import { benchRestart } from './restart';
import { benchJournalWrites } from './store';
import { benchIndicators, printTable } from './indicators';
import { syntheticMinuteBars } from './synthetic-bars';

const quick = process.argv.includes('--quick');
/** Skip the `trade` command's warm-up before the open / its decision primer in the latency runs (to see what each buys). */
const noWarmUp = process.argv.includes('--no-warm-up');
const noPrimer = process.argv.includes('--no-primer');
/** Where results.json goes: bench/ (passed by scripts/bench.ts, whose bundle runs from dist/). */
const benchDirAt = process.argv.indexOf('--bench-dir');
const here = benchDirAt > 0 ? (process.argv[benchDirAt + 1] ?? import.meta.dirname) : import.meta.dirname;

/** The pipeline profile: TFL with ATR trailing, so an indicator updates on every bar. */
const PROFILE: Profile = ProfileSchema.parse({ tfl: { trailing: { mode: 'atr' } } });

/** A simulated day at the simulator's full tick rate (7 symbols). */
type DayTicks = Tape;
const simCalendar = new NseCalendar();
const simulatedDay = (date: string, seed: number): DayTicks => simulatedTape(simCalendar, date, seed, 1);

function newEngine(): { run: (day: DayTicks) => Promise<number>; runJson: (date: string, msgs: readonly string[]) => Promise<number>; latency: (day: DayTicks) => Promise<LatencySample> } {
  const calendar = new NseCalendar();
  const instruments = DEFAULT_SIM_SYMBOLS.map((s) => instrumentFor(s.symbol));
  const names = instruments.map((i) => i.symbol);
  const exchanges = instruments.map((i) => i.exchange);
  const make = (primer?: DecisionPrimer) => {
    const clock = new SimulatedClock();
    const rt = buildRuntime({ profile: PROFILE, instruments, calendar, journalStore: new MemoryJournalStore(), clock, mode: 'paper', bias: 'off', log: nullLogger, ...(primer !== undefined ? { primer } : {}) });
    return { rt, pump: new TickPump(rt.target, rt.orders) };
  };
  return {
    async run(day) {
      const { rt, pump } = make();
      const session = day.session;
      rt.engine.startSession(session, null);
      const { sym, t, px, vol, bid, ask, n } = day;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = sym[i] ?? 0;
        const k = rt.gate.accept(names[s], exchanges[s], t[i] ?? 0, px[i] ?? 0, vol[i], bid[i], ask[i]);
        if (k >= 0) pump.push(k, t[i] ?? 0, px[i] ?? 0, vol[i] ?? 0, bid[i] ?? 0, ask[i] ?? 0);
        if (pump.queued > 0) await pump.idle();
      }
      await pump.idle();
      const ms = performance.now() - t0;
      await rt.engine.endSession();
      return ms;
    },
    async runJson(date, msgs) {
      const { rt, pump } = make();
      const session = calendar.sessionOn(date);
      if (session === null) throw new Error('no session');
      rt.engine.startSession(session, null);
      const dec = new OpenAlgoDecoder();
      const tk = dec.tick;
      const t0 = performance.now();
      for (let i = 0; i < msgs.length; i++) {
        if (dec.decode(msgs[i] ?? '') !== 'market_data') continue;
        const k = rt.gate.accept(tk.symbol, tk.exchange, tk.timeMs, tk.price, tk.volume, tk.bid, tk.ask);
        if (k >= 0) pump.push(k, tk.timeMs, tk.price, tk.volume ?? 0, tk.bid ?? 0, tk.ask ?? 0);
        if (pump.queued > 0) await pump.idle();
      }
      await pump.idle();
      const ms = performance.now() - t0;
      await rt.engine.endSession();
      return ms;
    },
    async latency(day) {
      // As the `trade` command runs a day: primes prepared before the open, run before each bar boundary.
      const primer = noPrimer ? undefined : await DecisionPrimer.prepare(PROFILE, primesPerDay(PROFILE), PROFILE.primeLeadMs);
      const { rt, pump } = make(primer);
      const session = day.session;
      rt.engine.startSession(session, null);
      const m: LatencyRun = { rt, pump, names, exchanges, day, all: new Float64Array(day.n), decision: [], atBarClose: [], intraBar: [] };
      // The ticks run in a plain function between awaits: a loop inside this async function would
      // box every tick value it passes on, and the timer would be measuring that churn too.
      for (let i = 0; i < day.n; ) {
        i = timeTicksUntilWork(m, i);
        if (pump.queued > 0 || rt.orders.inFlight > 0) await pump.idle();
      }
      await rt.engine.endSession();
      const f = (xs: number[]): Float64Array => Float64Array.from(xs);
      return { all: m.all, decision: f(m.decision), atBarClose: f(m.atBarClose), intraBar: f(m.intraBar), primes: primer?.primed ?? 0 };
    },
  };
}

interface LatencyRun {
  readonly rt: ReturnType<typeof buildRuntime>;
  readonly pump: TickPump;
  readonly names: readonly string[];
  readonly exchanges: readonly string[];
  readonly day: DayTicks;
  readonly all: Float64Array;
  readonly decision: number[];
  readonly atBarClose: number[];
  readonly intraBar: number[];
}

/**
 * Times gate + engine for each tick from `from` on (performance.now: no allocation, unlike a
 * BigInt timer) and returns the index after the first tick that left order work to settle.
 */
function timeTicksUntilWork(m: LatencyRun, from: number): number {
  const { rt, pump, names, exchanges, day, all } = m;
  const { sym, t, px, vol, bid, ask } = day;
  for (let i = from; i < day.n; i++) {
    const s = sym[i] ?? 0;
    const before = rt.engine.intentsHandled;
    const a = performance.now();
    const k = rt.gate.accept(names[s], exchanges[s], t[i] ?? 0, px[i] ?? 0, vol[i], bid[i], ask[i]);
    if (k >= 0) pump.push(k, t[i] ?? 0, px[i] ?? 0, vol[i] ?? 0, bid[i] ?? 0, ask[i] ?? 0);
    const ns = (performance.now() - a) * 1e6;
    all[i] = ns;
    // A decision tick: the strategy decided something (enter, move a stop, exit) and the engine
    // acted on it (risk gate, order manager) before the call returned. A tick that closed a bar
    // with a decision waits in the pump for the order work; one decided within a bar does not.
    if (rt.engine.intentsHandled !== before) {
      m.decision.push(ns);
      (pump.queued > 0 ? m.atBarClose : m.intraBar).push(ns);
    }
    if (pump.queued > 0 || rt.orders.inFlight > 0) return i + 1;
  }
  return day.n;
}

/** The same day with only every `every`-th tick: fewer ticks between decisions, same decision code. */
function thinned(day: DayTicks, every: number): DayTicks {
  const keep = (i: number): boolean => i % every === 0;
  const pick = <A extends Float64Array | Int32Array>(xs: A): A => xs.filter((_, i) => i < day.n && keep(i)) as A;
  const sym = pick(day.sym);
  return { session: day.session, n: sym.length, sym, t: pick(day.t), px: pick(day.px), vol: pick(day.vol), bid: pick(day.bid), ask: pick(day.ask) };
}

interface LatencySample {
  readonly all: Float64Array;
  readonly decision: Float64Array;
  /** Decisions on a tick that closed a bar: every symbol's bar closes, entries are ranked and gated, trailing stops move. */
  readonly atBarClose: Float64Array;
  /** Decisions within a bar: stop to breakeven, target exit. */
  readonly intraBar: Float64Array;
  /** Primer runs (one per bar boundary with a tick or clock event in the lead window). */
  readonly primes: number;
}

function percentile(xs: Float64Array, p: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** A reference run: the same ticks through a bare loop that touches every field (memory-bound floor). */
function baselineLoop(day: DayTicks): number {
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < day.n; i++) acc += (day.px[i] ?? 0) + (day.vol[i] ?? 0) + (day.t[i] ?? 0) * 1e-12 + (day.sym[i] ?? 0);
  const ms = performance.now() - t0;
  if (acc === 42) console.log('');
  return ms;
}

async function statePerSymbol(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return Number.NaN;
  const calendar = new NseCalendar();
  const build = async (n: number) => {
    const instruments = Array.from({ length: n }, (_, i) => instrumentFor(`SYM${i}`));
    const clock = new SimulatedClock();
    const rt = buildRuntime({ profile: PROFILE, instruments, calendar, journalStore: new MemoryJournalStore(), clock, mode: 'backtest', bias: 'off', log: nullLogger });
    // Warm every symbol's state: a session with a few bars each, so lazily built state exists.
    const session = calendar.sessionOn('2025-01-06');
    if (session === null) throw new Error('no session');
    const pump = new TickPump(rt.target, rt.orders);
    rt.engine.startSession(session, null);
    for (let m = 0; m < 60; m++) {
      for (let s = 0; s < n; s++) {
        const p = 100 + ((m * 7 + s) % 13) * 0.05;
        pump.push(s, session.openMs + m * 60_000 + s, p, 10, 0, 0);
      }
      await pump.idle();
    }
    return rt;
  };
  const n = quick ? 200 : 1000;
  gc();
  const keep0 = await build(1);
  gc();
  const base = process.memoryUsage().heapUsed;
  const keep = await build(n + 1);
  gc();
  const used = process.memoryUsage().heapUsed - base;
  void keep0;
  void keep;
  return used / n;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, quick },
    targets: {
      pipelineTicksPerSec: '>= 3,000,000',
      pipelineJsonTicksPerSec: '>= 500,000',
      tickToDecisionP50Us: '<= 5',
      tickToDecisionP99Us: '<= 25',
      backtest4_7MBarsSec: '<= 3',
      stateBytesPerSymbol: '<= 16384',
      indicators: 'ours >= 2x faster than trading-signals per update',
    },
  };
  const log = (s: string) => process.stderr.write(`${s}\n`);

  // 1. Pipeline from pre-decoded ticks (simulated days, 7 symbols), best of several days.
  const dates = ['2025-01-06', '2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10'].slice(0, quick ? 2 : 5);
  const days = dates.map((d, i) => simulatedDay(d, 100 + i));
  const eng = newEngine();
  await eng.run(days[0] as DayTicks); // warm-up
  let ticks = 0;
  let ms = 0;
  let baseMs = 0;
  for (const d of days) {
    ticks += d.n;
    ms += await eng.run(d);
    baseMs += baselineLoop(d);
  }
  results.pipelineTicksPerSec = Math.round(ticks / (ms / 1000));
  results.pipelineReference = { baselineLoopTicksPerSec: Math.round(ticks / (baseMs / 1000)), ticks, days: days.length };
  log(`pipeline: ${(ticks / (ms / 1000) / 1e6).toFixed(2)} M ticks/s over ${ticks} ticks`);

  // 2. The same including JSON decoding of OpenAlgo market_data messages.
  const jsonDay = days[1] ?? days[0];
  if (jsonDay === undefined) throw new Error('no day');
  const symbols = DEFAULT_SIM_SYMBOLS;
  const cum = new Float64Array(symbols.length);
  const msgs: string[] = [];
  for (let i = 0; i < jsonDay.n; i++) {
    const s = jsonDay.sym[i] ?? 0;
    const spec = symbols[s];
    if (spec === undefined) continue;
    cum[s] = (cum[s] ?? 0) + (jsonDay.vol[i] ?? 0);
    // OpenAlgo's quote message (brokers.md §2), as a live proxy sends it.
    const data: Record<string, number> = { ltp: jsonDay.px[i] ?? 0, timestamp: jsonDay.t[i] ?? 0 };
    if (spec.kind !== 'INDEX') {
      data.volume = cum[s] ?? 0;
      data.last_trade_quantity = jsonDay.vol[i] ?? 0;
      data.bid_price = jsonDay.bid[i] ?? 0;
      data.ask_price = jsonDay.ask[i] ?? 0;
    }
    msgs.push(JSON.stringify({ type: 'market_data', symbol: spec.symbol, exchange: spec.exchange, mode: 2, broker: 'fyers', data }));
  }
  await eng.runJson(jsonDay.session.date, msgs);
  let jsonMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < (quick ? 1 : 3); r++) jsonMs = Math.min(jsonMs, await eng.runJson(jsonDay.session.date, msgs));
  results.pipelineJsonTicksPerSec = Math.round(msgs.length / (jsonMs / 1000));
  log(`pipeline with JSON decoding: ${(msgs.length / (jsonMs / 1000) / 1e3).toFixed(0)} k ticks/s`);

  // 3. Tick-to-decision latency (in process, timed around gate + engine for each tick). A decision
  //    path runs a few dozen times a day between ~10^5 ordinary ticks, so it runs cold. The first
  //    day runs before the trader's startup warm-up (reported apart); then the warm-up runs as the
  //    `trade` command runs it before the open (engine/warm-up.ts). docs/performance.md has the
  //    breakdown and what was tried.
  const latDates = tradingDays(new NseCalendar(), '2025-01-13', quick ? 6 : 30);
  const latDays = latDates.map((d, i) => simulatedDay(d, 300 + i));
  const cold = await eng.latency(latDays[0] ?? jsonDay);
  const warm = noWarmUp ? null : await warmUpEngine({ profile: PROFILE, budgetMs: PROFILE.warmUpMs });
  if (warm !== null) log(`startup warm-up: ${warm.sessions} sessions, ${warm.decisions} decisions in ${Math.round(warm.ms)} ms`);
  // The first fifth warms up (the first day reported as cold), the rest is measured.
  const warmUp = Math.max(1, Math.floor(latDays.length / 5));
  const warmDays = latDays.slice(1, warmUp);
  for (const d of warmDays) await eng.latency(d);
  const measured = latDays.slice(warmUp);
  const measuredSamples: LatencySample[] = [];
  for (const d of measured) measuredSamples.push(await eng.latency(d));
  // Diagnostic: the same days with a tenth of the ticks. Same decisions code, less traffic between
  // decisions to push it out of the caches (docs/performance.md).
  const thinDecisions: number[] = [];
  for (const d of measured) thinDecisions.push(...(await eng.latency(thinned(d, 10))).decision);
  const joined = (pick: (l: LatencySample) => Float64Array): Float64Array => {
    const parts = measuredSamples.map(pick);
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const us = (xs: Float64Array, p: number): number => round3(percentile(xs, p) / 1000);
  const dec = joined((l) => l.decision);
  const allNs = joined((l) => l.all.filter((_, i) => i % 7 === 0));
  const atBarClose = joined((l) => l.atBarClose);
  const intraBar = joined((l) => l.intraBar);
  results.tickToDecisionP50Us = us(dec, 50);
  results.tickToDecisionP99Us = us(dec, 99);
  results.tickLatencyDetail = {
    decisions: dec.length,
    measuredDays: measured.length,
    warmUpDays: 1 + warmDays.length,
    primer: noPrimer ? 'skipped (--no-primer)' : { leadMs: PROFILE.primeLeadMs, primesRun: measuredSamples.reduce((n, l) => n + l.primes, 0) },
    startupWarmUp: warm === null ? 'skipped (--no-warm-up)' : { sessions: warm.sessions, decisions: warm.decisions, ms: Math.round(warm.ms) },
    allTicksP50Us: us(allNs, 50),
    allTicksP99Us: us(allNs, 99),
    atBarClose: { decisions: atBarClose.length, p50Us: us(atBarClose, 50), p99Us: us(atBarClose, 99) },
    intraBar: { decisions: intraBar.length, p50Us: us(intraBar, 50), p99Us: us(intraBar, 99) },
    coldFirstDayDecisionP50Us: us(cold.decision, 50),
    coldFirstDayDecisionP99Us: us(cold.decision, 99),
    thinnedStream10x: { decisions: thinDecisions.length, p50Us: us(Float64Array.from(thinDecisions), 50), p99Us: us(Float64Array.from(thinDecisions), 99) },
  };
  const hot = await hotDecisionLatency(quick ? 5_000 : 20_000);
  results.tickToDecisionHotLoop = { p50Us: round3(hot.p50Us), p99Us: round3(hot.p99Us), samples: hot.samples, what: 'a stop-tightening decision on every tick (scripted strategy), i.e. the decision path when hot' };
  log(`tick-to-decision: p50 ${String(results.tickToDecisionP50Us)} µs, p99 ${String(results.tickToDecisionP99Us)} µs over ${dec.length} decisions in simulated sessions; hot loop p50 ${hot.p50Us.toFixed(2)} µs, p99 ${hot.p99Us.toFixed(2)} µs`);

  // 4. Backtest: 50 symbols × one year of 1-minute bars (~4.7 M bars), from memory.
  const nSym = quick ? 10 : 50;
  const gen0 = performance.now();
  // 2025-01-01..2026-01-08: 251 sessions × 375 bars × 50 symbols ≈ 4.7 M bars.
  const bt = syntheticMinuteBars(nSym, '2025-01-01', '2026-01-08', 7);
  const genMs = performance.now() - gen0;
  const bars = bt.reduce((a, s) => a + s.bars.length, 0);
  const b0 = performance.now();
  const res = await runBacktest({ series: bt, barMinutes: 1, profile: PROFILE, bias: 'off', journalStore: new MemoryJournalStore(), log: nullLogger });
  const btSec = (performance.now() - b0) / 1000;
  results.backtest4_7MBarsSec = round3(quick ? btSec * (4_700_000 / bars) : btSec);
  results.backtestDetail = { symbols: nSym, bars, ticks: res.ticksProcessed, sessions: res.sessions, trades: res.trades.length, seconds: round3(btSec), dataGenerationSeconds: round3(genMs / 1000), scaledFromQuick: quick };
  log(`backtest: ${bars} bars (${nSym} symbols) in ${btSec.toFixed(2)} s, ${res.trades.length} trades`);

  // 5. Engine state per symbol.
  results.stateBytesPerSymbol = Math.round(await statePerSymbol());
  log(`state per symbol: ${String(results.stateBytesPerSymbol)} bytes`);

  // 6. Durable state: journal appends per second to the embedded store; the cost of a restart
  //    (process start of the bundled trader + load, restore and reconcile a day of 100 orders).
  results.journalWrites = await benchJournalWrites();
  log(`journal writes: ${JSON.stringify(results.journalWrites)}`);
  const at = process.argv.indexOf('--trader-bundle');
  results.restart = await benchRestart(at > 0 ? (process.argv[at + 1] ?? null) : null);
  log(`restart: ${JSON.stringify(results.restart)}`);

  // 7. Indicators against trading-signals and technicalindicators, same process, same series.
  const indicators = benchIndicators();
  printTable(indicators);
  results.indicators = indicators;

  // 8. Bundle sizes (written by the bundle test in `npm test`).
  const sizes = join(here, 'bundle-sizes.json');
  if (existsSync(sizes)) results.bundleBytes = JSON.parse(readFileSync(sizes, 'utf8')) as unknown;

  writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`written ${join(here, 'results.json')}`);
}

/** The first `n` NSE trading days from `from` on. */
function tradingDays(calendar: NseCalendar, from: string, n: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); out.length < n; t += 86_400_000) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (calendar.sessionOn(d) !== null) out.push(d);
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
