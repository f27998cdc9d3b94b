import type { Profile } from '../config/profile';
import { instrumentFor } from '../config/instruments';
import { NseCalendar } from '../domain/calendar';
import type { TickRejectReason } from '../domain/tick';
import { formatIst } from '../domain/time';
import type { FeedCounters, FeedStatus } from '../market-data/feed';
import { MarketSimulator } from '../market-data/simulator/generator';
import { SimServer, type SimFaults, type SimSpeed } from '../market-data/simulator/server';
import { simSymbolSpecs } from '../market-data/simulator/symbols';
import { WsFeed } from '../market-data/ws-feed';
import { readKillSwitch } from '../risk/kill-switch';
import type { Logger } from '../observability/log';
import type { JournalStore } from '../persistence/port';
import { SimulatedClock } from './clock';
import type { DaySummary } from './engine';
import { buildRuntime, type BiasSetting } from './runtime';
import { TickPump } from './tick-pump';

export interface PaperSessionOptions {
  readonly seed: number;
  readonly date: string;
  readonly symbols: readonly string[];
  readonly speed: SimSpeed;
  readonly profile: Profile;
  readonly bias: BiasSetting;
  readonly journalStore: JournalStore;
  /** Continue the day's journal sequence (a store that already holds earlier runs of the day). */
  readonly journalStartSeq?: number;
  readonly log: Logger;
  /** The simulator's API key (the trader authenticates with it like with OpenAlgo). */
  readonly apiKey: string;
  /** Progress lines while the session runs. */
  readonly progress?: (line: string) => void;
  /** Minutes of simulated time between progress lines. */
  readonly progressEveryMinutes?: number;
  /** Simulator fault injection (tests: disconnects, malformed messages). */
  readonly faults?: SimFaults;
  /** Scales the simulator's tick rate (tests use < 1 for speed). */
  readonly tickRateScale?: number;
  /** How often the kill-switch file is read (wall-clock ms); 0 disables. */
  readonly killSwitchPollMs?: number;
}

export interface PaperSessionResult {
  readonly summary: DaySummary;
  readonly ticksReceived: number;
  readonly ticksAccepted: number;
  readonly rejected: Readonly<Record<TickRejectReason, number>>;
  readonly feed: FeedCounters;
  readonly serverTicksSent: number;
}

/**
 * A paper day: the market simulator serves OpenAlgo `market_data` over a WebSocket on 127.0.0.1,
 * the trader consumes it as a client (exactly as it would a live OpenAlgo feed, reconnects and
 * all), every tick passes the tick gate, and the paper broker fills against the same ticks. Time
 * comes from the data (ticks and the simulator's clock messages), so a run at full speed is the
 * same day as a run in real time.
 */
export async function runPaperSession(o: PaperSessionOptions): Promise<PaperSessionResult> {
  const calendar = new NseCalendar({ specialSessions: o.profile.specialSessions });
  const session = calendar.sessionOn(o.date);
  if (session === null) throw new Error(`${o.date} is not an NSE trading day`);
  const specs = simSymbolSpecs(o.symbols);
  const simulator = new MarketSimulator({ seed: o.seed, date: o.date, symbols: specs, calendar, tickRateScale: o.tickRateScale });
  const server = await SimServer.start({ simulator, apiKey: o.apiKey, speed: o.speed, faults: o.faults });
  const instruments = specs.map((s) => instrumentFor(s.symbol));
  const clock = new SimulatedClock(session.openMs);
  const rt = buildRuntime({ profile: o.profile, instruments, calendar, journalStore: o.journalStore, journalStartSeq: o.journalStartSeq ?? 0, clock, mode: 'paper', bias: o.bias, log: o.log });
  const pump = new TickPump(rt.target, rt.orders);
  const feed = new WsFeed({ url: server.url, apiKey: o.apiKey, instruments, stallTimeoutMs: 10_000 });
  const every = (o.progressEveryMinutes ?? 30) * 60_000;
  let nextProgress = session.openMs + every;
  let received = 0;

  const progress = (nowMs: number): void => {
    if (o.progress === undefined || nowMs < nextProgress) return;
    while (nextProgress <= nowMs) nextProgress += every;
    const pf = rt.portfolio;
    const hhmm = formatIst(nowMs).slice(11, 16);
    const pnl = (pf.realisedNetPaise + pf.unrealisedPaise) / 100;
    o.progress(
      `  ${hhmm} IST  ticks ${received.toLocaleString('en-IN')}  trades ${rt.engine.tradesSoFar}  open ${pf.openPositions}  P&L ${pnl >= 0 ? '+' : ''}${pnl.toFixed(2)}`,
    );
  };

  rt.engine.startSession(session, rt.bias);
  let endAt: (t: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => {
    endAt = resolve;
  });
  const onStatus = (s: FeedStatus): void => {
    switch (s.kind) {
      case 'gap':
        o.log.warn('feed gap after reconnect', { from: formatIst(s.lastTickMs), to: formatIst(s.firstTickMs), reconnects: s.reconnects });
        return;
      case 'disconnected':
      case 'reconnect_scheduled':
      case 'watchdog':
      case 'malformed':
      case 'server_error':
        o.log.warn(`feed ${s.kind}`, { ...s });
        return;
      case 'fatal':
        o.log.error('feed fatal', { error: s.error.message });
        endAt(Number.NaN);
        return;
      case 'connecting':
      case 'subscribed':
      case 'stopped':
        o.log.info(`feed ${s.kind}`, { ...s });
        return;
    }
  };

  const killPoll =
    (o.killSwitchPollMs ?? 1000) > 0
      ? setInterval(() => {
          void readKillSwitch(o.profile.killSwitchFile).then((k) => {
            if (k.warning !== null) o.log.warn(k.warning);
            rt.engine.killSwitch(k.state);
          });
        }, o.killSwitchPollMs ?? 1000)
      : null;

  try {
    await feed.start({
      onTick: (symbol, exchange, timeMs, price, volume, bid, ask) => {
        received++;
        const i = rt.gate.accept(symbol, exchange, timeMs, price, volume, bid, ask);
        if (i >= 0) pump.push(i, timeMs, price, volume ?? 0, bid ?? 0, ask ?? 0);
        progress(timeMs);
      },
      onClock: (timeMs) => {
        pump.clock(timeMs);
        progress(timeMs);
      },
      onEnd: (timeMs) => endAt(timeMs),
      onStatus,
    });
    const endMs = await ended;
    if (Number.isNaN(endMs)) throw new Error('the market feed failed; see the log');
    await pump.idle();
    pump.clock(Math.max(endMs, session.closeMs));
    await pump.idle();
    const summary = await rt.engine.endSession();
    const brokerPositions = await rt.broker.positions();
    const open = brokerPositions.filter((p) => p.netQty !== 0);
    if (open.length > 0) o.log.error('not flat at the broker after the session', { open });
    await rt.journal.close();
    return {
      summary: { ...summary, flat: summary.flat && open.length === 0 },
      ticksReceived: received,
      ticksAccepted: rt.gate.accepted,
      rejected: rt.gate.rejectCounts(),
      feed: feed.counters(),
      serverTicksSent: server.stats().ticksSent,
    };
  } finally {
    if (killPoll !== null) clearInterval(killPoll);
    await feed.stop();
    await server.close();
  }
}
