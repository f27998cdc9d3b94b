import { NseCalendar, type TradingSession } from '../../domain/calendar';
import { MINUTE_MS, istDayNumber } from '../../domain/time';
import { Prng, hashString, seedOf } from './prng';
import { DEFAULT_SIM_SYMBOLS, type SimSymbolSpec } from './symbols';

/**
 * Deterministic synthetic NSE market: one regular session of ticks for several symbols.
 *
 * Two layers, both seeded from (seed, IST day number, symbol), never from which other symbols
 * are simulated:
 *  1. A minute path of log prices per symbol: opening gap from the previous close, an intraday
 *     volatility smile (busier, more volatile open and close), a day-level volatility regime, a
 *     trend that may flip once, occasional jumps, and a common market factor (NIFTY) that the
 *     stocks load on. Only this layer is needed to chain closes across days, so any date in
 *     the calendar is reachable cheaply from the anchor.
 *  2. Ticks inside each minute: a Poisson stream whose rate follows the smile, with prices on a
 *     Brownian bridge between the minute's end points, snapped to the tick grid; integer
 *     quantities; bid/ask one or two ticks around the last trade.
 *
 * The day's "close" that the next day gaps from is the end of the minute path (15:30), the
 * analogue of NSE's official closing price; the last traded price sits within a few ticks of it.
 */

/** First day the close chain starts from (basePrice is the close before it). */
export const SIM_ANCHOR_DATE = '2024-01-01';

/** Per-tick callback of the pure generator; `volume`, `bid`, `ask` are undefined for indices. */
export type SimTickCallback = (
  symbolIndex: number,
  timeMs: number,
  price: number,
  volume: number | undefined,
  bid: number | undefined,
  ask: number | undefined,
) => void;

export interface SimulatorConfig {
  readonly seed: number;
  /** IST trading date 'YYYY-MM-DD' (a regular NSE session). */
  readonly date: string;
  readonly symbols?: readonly SimSymbolSpec[];
  /** Multiplies every symbol's tick rate (tests use less than 1 for speed). Default 1. */
  readonly tickRateScale?: number;
  readonly calendar?: NseCalendar;
}

// Calibration (see generator.test.ts for the properties they produce).
const INTRADAY_VARIANCE_SHARE = 0.7; // the rest of the daily variance is in the overnight gap
const GAP_VOL_SHARE = 0.3; // gap σ as a fraction of daily σ
const BIG_GAP_PROB = 0.05;
const MEAN_REVERSION_PER_DAY = 0.02; // keeps multi-year chains near their base levels
const TREND_SIGMA = 0.7; // intraday drift in units of the day's intraday σ
const TREND_FLIP_PROB = 0.45;
const DAY_VOL_SIGMA = 0.3;
const MARKET_JUMPS_PER_DAY = 0.4;
const IDIO_JUMPS_PER_DAY = 0.8;
/** Some days are range-bound: after the opening half hour the price reverts to where it stood. */
const RANGE_DAY_PROB = 0.2;
const RANGE_DAY_START_MINUTE = 30;
const RANGE_DAY_REVERSION_PER_MIN = 0.35;
const RANGE_DAY_VOL = 0.6;

const TRADING_DAYS_PER_YEAR = 252;

/** Volatility and tick-rate smiles over the session's minutes, each normalised to mean 1. */
function smile(minutes: number, openAmp: number, openTau: number, closeAmp: number, closeTau: number): Float64Array {
  const w = new Float64Array(minutes);
  let sum = 0;
  for (let m = 0; m < minutes; m++) {
    const v = 1 + openAmp * Math.exp(-m / openTau) + closeAmp * Math.exp(-(minutes - 1 - m) / closeTau);
    w[m] = v;
    sum += v;
  }
  const mean = sum / minutes;
  for (let m = 0; m < minutes; m++) w[m] = (w[m] ?? 1) / mean;
  return w;
}

/** The common factor of one day: shared by every symbol through its market correlation. */
interface MarketDay {
  readonly gapZ: number;
  readonly volZ: number;
  readonly trend: number;
  readonly flipMinute: number;
  readonly flipFactor: number;
  readonly rangeDay: boolean;
  readonly z: Float64Array;
  /** Jump size per minute in units of daily σ (0 for most minutes). */
  readonly jump: Float64Array;
}

function marketDay(seed: number, day: number, minutes: number): MarketDay {
  const r = new Prng(seedOf(seed, day, 0x4d4b54));
  const gapZ = r.float() < BIG_GAP_PROB ? 3 * r.normal() : r.normal();
  const volZ = r.normal();
  const trend = TREND_SIGMA * r.normal();
  const flip = r.float() < TREND_FLIP_PROB;
  const flipMinute = flip ? 45 + r.int(Math.max(1, minutes - 105)) : minutes;
  const flipFactor = -(0.6 + 0.8 * r.float());
  const rangeDay = r.float() < RANGE_DAY_PROB;
  const z = new Float64Array(minutes);
  const jump = new Float64Array(minutes);
  const pJump = MARKET_JUMPS_PER_DAY / minutes;
  for (let m = 0; m < minutes; m++) {
    z[m] = r.normal();
    if (r.float() < pJump) jump[m] = (r.float() < 0.5 ? -1 : 1) * (0.2 + 0.3 * r.exponential(1));
  }
  return { gapZ, volZ, trend, flipMinute, flipFactor, rangeDay, z, jump };
}

/** One symbol's minute path for a day: log prices at each minute boundary and per-minute σ. */
interface SymbolDay {
  readonly logPath: Float64Array; // minutes + 1 points
  readonly sigmaMin: Float64Array; // σ of log price per minute
  readonly activity: number; // tick-rate multiplier for the day (busier on volatile days)
}

function symbolDay(
  spec: SimSymbolSpec,
  seed: number,
  day: number,
  market: MarketDay,
  prevClose: number,
  volSmile: Float64Array,
): SymbolDay {
  const minutes = volSmile.length;
  const rho = Math.min(1, Math.max(0, spec.marketCorrelation));
  const idioW = Math.sqrt(1 - rho * rho);
  const r = new Prng(seedOf(seed, day, hashString(`${spec.exchange}:${spec.symbol}`)));
  const sigmaDay = spec.annualVol / Math.sqrt(TRADING_DAYS_PER_YEAR);

  const volMult = Math.min(2.5, Math.max(0.45, Math.exp(DAY_VOL_SIGMA * (rho * market.volZ + idioW * r.normal()) - 0.045)));
  const sigmaIntraday = sigmaDay * Math.sqrt(INTRADAY_VARIANCE_SHARE) * volMult;

  const idioGap = r.float() < BIG_GAP_PROB ? 3 * r.normal() : r.normal();
  const gap = sigmaDay * GAP_VOL_SHARE * (rho * market.gapZ + idioW * idioGap);
  const reversion = -MEAN_REVERSION_PER_DAY * Math.log(prevClose / spec.basePrice);

  const idioTrend = TREND_SIGMA * r.normal();
  const idioFlip = r.float() < TREND_FLIP_PROB;
  const idioFlipMinute = idioFlip ? 45 + r.int(Math.max(1, minutes - 105)) : minutes;
  const idioFlipFactor = -(0.6 + 0.8 * r.float());
  const pJump = IDIO_JUMPS_PER_DAY / minutes;

  const logPath = new Float64Array(minutes + 1);
  const sigmaMin = new Float64Array(minutes);
  // A range day is a market-wide regime, followed by stocks in proportion to their loading.
  const rangeDay = market.rangeDay && r.float() < 0.3 + 0.7 * rho;
  let x = Math.log(prevClose) + gap + reversion;
  logPath[0] = x;
  let rangeLevel = 0;
  for (let m = 0; m < minutes; m++) {
    const ranging = rangeDay && m >= RANGE_DAY_START_MINUTE;
    // Revert to the middle of the opening half hour, so the opening bars frame the day.
    if (m < RANGE_DAY_START_MINUTE) rangeLevel += x / RANGE_DAY_START_MINUTE;
    const s = sigmaIntraday * Math.sqrt((volSmile[m] ?? 1) / minutes) * (ranging ? RANGE_DAY_VOL : 1);
    sigmaMin[m] = s;
    const mTrend = market.trend * (m < market.flipMinute ? 1 : market.flipFactor);
    const iTrend = idioTrend * (m < idioFlipMinute ? 1 : idioFlipFactor);
    const drift = ranging
      ? -RANGE_DAY_REVERSION_PER_MIN * (x - rangeLevel)
      : ((rho * mTrend + idioW * iTrend) * sigmaIntraday) / minutes;
    const shock = rho * (market.z[m] ?? 0) + idioW * r.normal();
    let jump = rho * (market.jump[m] ?? 0) * sigmaDay;
    if (r.float() < pJump) jump += (r.float() < 0.5 ? -1 : 1) * (0.2 + 0.3 * r.exponential(1)) * sigmaDay * idioW;
    x += drift + s * shock + jump;
    logPath[m + 1] = x;
  }
  return { logPath, sigmaMin, activity: Math.pow(volMult, 0.7) };
}

function snapPaise(logPrice: number, tickPaise: number): number {
  const p = Math.round((Math.exp(logPrice) * 100) / tickPaise) * tickPaise;
  return p < tickPaise ? tickPaise : p;
}

/** Per (seed, symbol) memo of chained closes: day number → close in paise (snapped). */
const closeChains = new Map<string, { days: number[]; closes: number[]; lastDate: string }>();
const chainCalendar = new NseCalendar();

function regularSession(calendar: NseCalendar, date: string): TradingSession {
  const session = calendar.sessionOn(date);
  if (session === null) {
    const next = calendar.nextSessionAfter(date);
    throw new Error(`simulator: ${date} is not an NSE trading day${next ? ` (next: ${next.date})` : ''}`);
  }
  if (session.kind !== 'REGULAR') throw new Error(`simulator: ${date} is a ${session.kind} session; only regular sessions are simulated`);
  return session;
}

/** The close (paise) of the trading day before `date` for a symbol, chained from SIM_ANCHOR_DATE. */
export function previousClosePaise(spec: SimSymbolSpec, seed: number, date: string): number {
  if (date <= SIM_ANCHOR_DATE) return snapPaise(Math.log(spec.basePrice), spec.tickPaise);
  const key = `${seed}|${spec.exchange}:${spec.symbol}|${spec.basePrice}|${spec.annualVol}|${spec.marketCorrelation}|${spec.tickPaise}`;
  let chain = closeChains.get(key);
  if (!chain) {
    chain = { days: [], closes: [], lastDate: '' };
    closeChains.set(key, chain);
  }
  const targetDay = istDayNumber(regularSession(chainCalendar, date).openMs);
  // Walk forward from the last memoised day (or the anchor) up to the day before `date`.
  let prevClose = chain.closes.length > 0 ? (chain.closes[chain.closes.length - 1] ?? 0) : snapPaise(Math.log(spec.basePrice), spec.tickPaise);
  const lastDay = chain.days.length > 0 ? (chain.days[chain.days.length - 1] ?? 0) : -1;
  if (lastDay >= targetDay) {
    // Already computed past this date: binary search for the last day before it.
    let lo = 0;
    let hi = chain.days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((chain.days[mid] ?? 0) < targetDay) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? snapPaise(Math.log(spec.basePrice), spec.tickPaise) : (chain.closes[found] ?? 0);
  }
  let session: TradingSession | null =
    lastDay < 0 ? (chainCalendar.sessionOn(SIM_ANCHOR_DATE) ?? chainCalendar.nextSessionAfter(SIM_ANCHOR_DATE)) : chainCalendar.nextSessionAfter(chain.lastDate);
  while (session !== null) {
    const day = istDayNumber(session.openMs);
    if (day >= targetDay) break;
    if (session.kind === 'REGULAR') {
      const minutes = Math.round((session.closeMs - session.openMs) / MINUTE_MS);
      const sd = symbolDay(spec, seed, day, marketDay(seed, day, minutes), prevClose / 100, volSmileFor(minutes));
      prevClose = snapPaise(sd.logPath[minutes] ?? 0, spec.tickPaise);
      chain.days.push(day);
      chain.closes.push(prevClose);
      chain.lastDate = session.date;
    }
    session = chainCalendar.nextSessionAfter(session.date);
  }
  return prevClose;
}

const volSmiles = new Map<number, Float64Array>();
function volSmileFor(minutes: number): Float64Array {
  let w = volSmiles.get(minutes);
  if (!w) {
    w = smile(minutes, 2.2, 15, 1.2, 20);
    volSmiles.set(minutes, w);
  }
  return w;
}

/** Per-symbol tick state while streaming. Typed-array buffers hold one minute of ticks. */
class SymbolStream {
  readonly spec: SimSymbolSpec;
  readonly prng: Prng;
  readonly day: SymbolDay;
  readonly prevClosePaise: number;
  x = 0;
  xTime = 0;
  cumVolume = 0;
  openPaise = 0;
  highPaise = 0;
  lowPaise = 0;
  len = 0;
  pos = 0;
  time = new Float64Array(1024);
  price = new Float64Array(1024);
  qty = new Float64Array(1024);
  bid = new Float64Array(1024);
  ask = new Float64Array(1024);

  constructor(spec: SimSymbolSpec, prng: Prng, day: SymbolDay, prevClosePaise: number) {
    this.spec = spec;
    this.prng = prng;
    this.day = day;
    this.prevClosePaise = prevClosePaise;
    this.x = day.logPath[0] ?? 0;
  }

  grow(): void {
    const n = this.time.length * 2;
    const g = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.time = g(this.time);
    this.price = g(this.price);
    this.qty = g(this.qty);
    this.bid = g(this.bid);
    this.ask = g(this.ask);
  }
}

/**
 * A pull cursor over the day's merged tick stream (time order; ties by symbol index). `next()`
 * fills the public fields and returns false at the end of the session. No allocation per tick.
 */
export class SimCursor {
  symbolIndex = -1;
  timeMs = 0;
  pricePaise = 0;
  /** Per-tick traded quantity; 0 for indices (see `hasQuote`). */
  quantity = 0;
  bidPaise = 0;
  askPaise = 0;
  /** Day volume so far including this tick (what OpenAlgo's `volume` carries). */
  cumulativeVolume = 0;
  /** False for indices: no volume, bid or ask. */
  hasQuote = false;
  /** Ticks produced so far. */
  count = 0;

  private minute = 0;
  private readonly streams: SymbolStream[];
  private readonly openMs: number;
  private readonly minutes: number;
  private readonly rateSmile: Float64Array;
  private readonly qtySmile: Float64Array;
  private readonly rateScale: number;

  /** @internal built by MarketSimulator.cursor() */
  constructor(sim: MarketSimulator, streams: SymbolStream[], rateScale: number) {
    this.streams = streams;
    this.openMs = sim.session.openMs;
    this.minutes = sim.minutes;
    this.rateSmile = smile(this.minutes, 1.8, 20, 1.4, 25);
    this.qtySmile = smile(this.minutes, 0.6, 25, 0.8, 25);
    this.rateScale = rateScale;
    this.fillMinute();
  }

  get price(): number {
    return this.pricePaise / 100;
  }

  /** Session open/high/low so far and the previous close, for quote-mode messages (rupees). */
  dayOpen(i: number): number {
    return (this.streams[i]?.openPaise ?? 0) / 100;
  }
  dayHigh(i: number): number {
    return (this.streams[i]?.highPaise ?? 0) / 100;
  }
  dayLow(i: number): number {
    return (this.streams[i]?.lowPaise ?? 0) / 100;
  }
  prevClose(i: number): number {
    return (this.streams[i]?.prevClosePaise ?? 0) / 100;
  }

  /** Start of the minute the cursor is generating (ms); the session close once exhausted. */
  get minuteStartMs(): number {
    return this.openMs + Math.min(this.minute, this.minutes) * MINUTE_MS;
  }

  next(): boolean {
    for (;;) {
      let best = -1;
      let bestTime = Infinity;
      const streams = this.streams;
      for (let i = 0; i < streams.length; i++) {
        const s = streams[i];
        if (s === undefined || s.pos >= s.len) continue;
        const t = s.time[s.pos] ?? Infinity;
        if (t < bestTime) {
          bestTime = t;
          best = i;
        }
      }
      if (best >= 0) {
        const s = streams[best];
        if (s === undefined) return false;
        const p = s.pos++;
        this.symbolIndex = best;
        this.timeMs = bestTime;
        this.pricePaise = s.price[p] ?? 0;
        this.quantity = s.qty[p] ?? 0;
        this.bidPaise = s.bid[p] ?? 0;
        this.askPaise = s.ask[p] ?? 0;
        this.hasQuote = s.spec.kind === 'EQUITY';
        s.cumVolume += this.quantity;
        this.cumulativeVolume = s.cumVolume;
        if (s.openPaise === 0) {
          s.openPaise = this.pricePaise;
          s.highPaise = this.pricePaise;
          s.lowPaise = this.pricePaise;
        } else {
          if (this.pricePaise > s.highPaise) s.highPaise = this.pricePaise;
          if (this.pricePaise < s.lowPaise) s.lowPaise = this.pricePaise;
        }
        this.count++;
        return true;
      }
      if (this.minute >= this.minutes) return false;
      this.minute++;
      if (this.minute >= this.minutes) return false;
      this.fillMinute();
    }
  }

  private fillMinute(): void {
    const m = this.minute;
    const t0 = this.openMs + m * MINUTE_MS;
    const t1 = t0 + MINUTE_MS;
    const rateW = this.rateSmile[m] ?? 1;
    const qtyW = this.qtySmile[m] ?? 1;
    for (const s of this.streams) {
      s.len = 0;
      s.pos = 0;
      const spec = s.spec;
      const r = s.prng;
      const l1 = s.day.logPath[m + 1] ?? 0;
      const varPerMs = ((s.day.sigmaMin[m] ?? 0) * (s.day.sigmaMin[m] ?? 0)) / MINUTE_MS;
      const ratePerMs = (spec.ticksPerSecond * rateW * s.day.activity * this.rateScale) / 1000;
      const meanGap = ratePerMs > 0 ? 1 / ratePerMs : Infinity;
      s.x = s.day.logPath[m] ?? 0;
      s.xTime = t0;
      let t = t0;
      for (;;) {
        t += Math.max(1, Math.round(r.exponential(meanGap)));
        if (!(t < t1)) break;
        // Brownian bridge step from (xTime, x) towards (t1, l1).
        const dt = t - s.xTime;
        const rest = t1 - s.xTime;
        s.x += (dt / rest) * (l1 - s.x) + Math.sqrt((varPerMs * dt * (t1 - t)) / rest) * r.normal();
        s.xTime = t;
        if (s.len >= s.time.length) s.grow();
        const k = s.len++;
        const last = snapPaise(s.x, spec.tickPaise);
        s.time[k] = t;
        s.price[k] = last;
        if (spec.kind === 'EQUITY') {
          const meanQty = (spec.turnoverPerTickRupees * qtyW * 100) / last;
          s.qty[k] = Math.max(1, Math.round(meanQty * Math.exp(0.9 * r.normal() - 0.405)));
          const spread = (r.float() < 0.35 ? 2 : 1) * spec.tickPaise;
          if (r.float() < 0.5) {
            s.ask[k] = last;
            s.bid[k] = Math.max(spec.tickPaise, last - spread);
          } else {
            s.bid[k] = last;
            s.ask[k] = last + spread;
          }
        } else {
          s.qty[k] = 0;
          s.bid[k] = 0;
          s.ask[k] = 0;
        }
      }
      s.x = l1;
      s.xTime = t1;
    }
  }
}

/**
 * The simulator for one trading day. Pure: no sockets, no timers, no wall clock. Use
 * `forEachTick` for the whole day in process, or `cursor()` to pull ticks at your own pace
 * (the WebSocket server does). Each call starts the day afresh and yields the same ticks.
 */
export class MarketSimulator {
  readonly seed: number;
  readonly date: string;
  readonly session: TradingSession;
  readonly minutes: number;
  readonly symbols: readonly SimSymbolSpec[];
  private readonly rateScale: number;
  private readonly days: SymbolDay[];
  private readonly prevCloses: number[];

  constructor(config: SimulatorConfig) {
    if (!Number.isSafeInteger(config.seed)) throw new Error(`simulator: seed must be an integer, got ${config.seed}`);
    const calendar = config.calendar ?? chainCalendar;
    this.seed = config.seed;
    this.date = config.date;
    this.session = regularSession(calendar, config.date);
    this.minutes = Math.round((this.session.closeMs - this.session.openMs) / MINUTE_MS);
    this.symbols = config.symbols ?? DEFAULT_SIM_SYMBOLS;
    if (this.symbols.length === 0) throw new Error('simulator: no symbols');
    this.rateScale = config.tickRateScale ?? 1;
    if (!(this.rateScale > 0)) throw new Error('simulator: tickRateScale must be positive');
    const day = istDayNumber(this.session.openMs);
    const market = marketDay(this.seed, day, this.minutes);
    const smileW = volSmileFor(this.minutes);
    this.prevCloses = this.symbols.map((s) => previousClosePaise(s, this.seed, this.date));
    this.days = this.symbols.map((s, i) => symbolDay(s, this.seed, day, market, (this.prevCloses[i] ?? 0) / 100, smileW));
  }

  /** The official close of the simulated day (paise), which the next day gaps from. */
  closePaise(symbolIndex: number): number {
    const spec = this.symbols[symbolIndex];
    const d = this.days[symbolIndex];
    if (!spec || !d) throw new Error(`simulator: no symbol ${symbolIndex}`);
    return snapPaise(d.logPath[this.minutes] ?? 0, spec.tickPaise);
  }

  previousClosePaise(symbolIndex: number): number {
    return this.prevCloses[symbolIndex] ?? 0;
  }

  cursor(): SimCursor {
    const day = istDayNumber(this.session.openMs);
    const streams = this.symbols.map((spec, i) => {
      const d = this.days[i];
      if (!d) throw new Error('simulator: internal');
      return new SymbolStream(spec, new Prng(seedOf(this.seed, day, hashString(`${spec.exchange}:${spec.symbol}`), 0x7469636b)), d, this.prevCloses[i] ?? 0);
    });
    return new SimCursor(this, streams, this.rateScale);
  }

  /** Streams the whole day through `cb` in time order; returns the tick count. */
  forEachTick(cb: SimTickCallback): number {
    const c = this.cursor();
    while (c.next()) {
      if (c.hasQuote) cb(c.symbolIndex, c.timeMs, c.pricePaise / 100, c.quantity, c.bidPaise / 100, c.askPaise / 100);
      else cb(c.symbolIndex, c.timeMs, c.pricePaise / 100, undefined, undefined, undefined);
    }
    return c.count;
  }
}
