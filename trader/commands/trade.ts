import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { OpenAlgoBroker } from '../brokers/openalgo/openalgo-broker';
import { type CliIo, type Command, InputError } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { loadProfile } from '../config/profile';
import { NseCalendar } from '../domain/calendar';
import { istDateKey } from '../domain/time';
import { WallClock } from '../engine/clock';
import { faultHooks, noFaults } from '../engine/faults';
import { LeaseHeldError, runTradeSession } from '../engine/trade-session';
import { JsonLogger, type Logger } from '../observability/log';
import { readKillSwitch } from '../risk/kill-switch';
import { awsRuntimeFromEnv } from '../aws/config';
import { awsOps, localOps } from '../aws/runtime';
import { MetricsReporter, timerScheduler } from '../observability/reporter';
import { openStore, storeFlag } from './store-option';

const Flags = z.strictObject({
  broker: z.literal('openalgo', { message: "only 'openalgo' is available" }).default('openalgo'),
  // In AWS the broker credentials come from Secrets Manager; locally they are flags.
  'api-url': z.url({ message: 'expected an http(s) URL such as http://127.0.0.1:5000/api/v1' }).optional(),
  'ws-url': z.string().regex(/^wss?:\/\/\S+$/, 'expected a ws(s) URL such as ws://127.0.0.1:8765').optional(),
  'api-key': z.string().min(1, 'the OpenAlgo API key must not be empty').optional(),
  profile: z.string().min(1).default('default'),
  symbols: z
    .string()
    .regex(/^[A-Za-z0-9&-]+(,[A-Za-z0-9&-]+)*$/, 'expected a comma-separated list such as RELIANCE,INFY')
    .transform((s) => s.toUpperCase().split(','))
    .default(['RELIANCE', 'HDFCBANK', 'ICICIBANK', 'INFY', 'TCS', 'SBIN']),
  'data-dir': z.string().min(1, 'the data directory must not be empty').default('.tfl'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(),
  bias: z.enum(['store', 'off', 'LONGS_ONLY', 'SHORTS_ONLY', 'NO_TRADES']).default('store'),
  store: storeFlag,
  'lease-ttl-ms': z
    .string()
    .regex(/^\d+$/, 'expected milliseconds')
    .transform(Number)
    .refine((n) => n >= 1_000 && n <= 600_000, 'between 1000 and 600000')
    .default(30_000),
});

/** Exit code when another trader holds the profile (or the data directory). */
export const EXIT_LEASE_HELD = 3;

/**
 * `tfl trade`: a trading day against OpenAlgo (or the exchange simulator). Started again after a
 * crash it recovers before anything trades; a second trader on the same profile exits 3.
 */
export const trade: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const f = parseFlags(
    'trade',
    argv,
    {
      broker: { type: 'string' },
      'api-url': { type: 'string' },
      'ws-url': { type: 'string' },
      'api-key': { type: 'string' },
      profile: { type: 'string' },
      symbols: { type: 'string' },
      'data-dir': { type: 'string' },
      date: { type: 'string' },
      bias: { type: 'string' },
      store: { type: 'string' },
      'lease-ttl-ms': { type: 'string' },
    },
    Flags,
  );
  const profile = loadProfile(f.profile === 'default' ? 'default' : resolve(io.cwd, f.profile));
  const dataDir = resolve(io.cwd, f['data-dir']);
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const date = f.date ?? istDateKey(Date.now());
  const log: Logger = new JsonLogger(io.stdout, 'info', { profile: profile.name, date, pid: process.pid });

  // NSE holidays and weekends: the instance is started by a weekday schedule that knows no
  // holidays; the trader idles (exit 0, so systemd does not restart it into a loop).
  const calendar = new NseCalendar({ specialSessions: profile.specialSessions });
  if (calendar.sessionOn(date) === null) {
    log.info('not an NSE trading day for this profile: idle', { date });
    io.stderr.write(`tfl trade: ${date} is not an NSE trading day for profile ${profile.name}; nothing to do\n`);
    return 0;
  }
  const lock = acquireDirLock(dataDir);
  if (lock === null) {
    io.stderr.write(`tfl trade: another trader is running with data directory ${dataDir}; not starting\n`);
    return EXIT_LEASE_HELD;
  }
  const owner = ownerId(dataDir);
  const spec = process.env.TFL_FAULT_POINT;
  const faults =
    spec === undefined || spec === ''
      ? noFaults
      : faultHooks(spec, (point, n) => {
          // The crash suite's kill: as abrupt as kill -9 (no cleanup, no flush).
          io.stderr.write(`tfl trade: fault point ${point}:${n} reached, killing the process\n`);
          process.kill(process.pid, 'SIGKILL');
        });
  // AWS when the deployment's environment says so (metrics to the agent, SSM kill switch, SNS
  // alerts, the broker secret); otherwise local (metrics and alerts in the log, the kill file).
  const aws = awsRuntimeFromEnv(process.env);
  const wall = new WallClock();
  let applyKill: ((state: 'off' | 'stop' | 'flatten') => void) | null = null;
  let lastKill: 'off' | 'stop' | 'flatten' = 'off';
  const ops = aws
    ? awsOps(aws, {
        clock: wall,
        scheduler: timerScheduler,
        logger: log,
        alertMemoryPath: join(dataDir, 'alerts-sent.json'),
        onKillSwitch: (r) => {
          lastKill = r.state;
          if (r.warning !== null) log.warn(r.warning);
          applyKill?.(r.state);
        },
      })
    : localOps({ profile: profile.name, clock: wall, scheduler: timerScheduler, logger: log, logSink: io.stdout });
  const secret = ops.brokerSecret === null ? null : await ops.brokerSecret.get();
  const apiKey = f['api-key'] ?? secret?.apiKey;
  const apiUrl = f['api-url'] ?? secret?.apiUrl ?? undefined;
  const wsUrl = f['ws-url'] ?? secret?.wsUrl ?? undefined;
  if (apiKey === undefined) throw new InputError('the OpenAlgo API key is required (or a broker secret in AWS)', { field: '--api-key' });
  if (apiUrl === undefined) throw new InputError('the OpenAlgo REST URL is required', { field: '--api-url' });
  if (wsUrl === undefined) throw new InputError('the OpenAlgo WebSocket URL is required', { field: '--ws-url' });
  const store = await openStore(f.store, dataDir);
  let killPoll: NodeJS.Timeout | null = null;
  let reporter: MetricsReporter | null = null;
  try {
    const broker = new OpenAlgoBroker({
      config: { apiUrl, wsUrl, apiKey, strategy: profile.name },
      clock: wall,
      log: log.child({ component: 'openalgo' }),
    });
    const killFile = isAbsolute(profile.killSwitchFile) ? profile.killSwitchFile : join(dataDir, profile.killSwitchFile.replace(/^\.tfl\//, ''));
    const result = await runTradeSession({
      profile,
      symbols: f.symbols,
      date,
      store,
      broker,
      wsUrl,
      apiKey,
      bias: f.bias,
      owner,
      leaseTtlMs: f['lease-ttl-ms'],
      log,
      faults,
      wallNow: () => Date.now(),
      alert: (subject, message) => void ops.alerts.alert(subject, message),
      onRuntime: (rt, feed) => {
        reporter = new MetricsReporter({
          metrics: ops.metrics,
          clock: wall,
          scheduler: timerScheduler,
          logger: log.child({ component: 'metrics' }),
          snapshot: () => {
            const orders = rt.orders.orders();
            const trades = rt.engine.tradesList();
            const f2 = feed();
            return {
              ticksAccepted: f2.ticks,
              engineTimeMs: rt.engine.now > 0 ? rt.engine.now : null,
              lastTickMs: f2.lastTickMs,
              openPositions: rt.portfolio.openPositions,
              dayPnlPaise: rt.portfolio.realisedNetPaise + rt.portfolio.unrealisedPaise,
              dayR: trades.reduce((a, t) => a + t.r, 0),
              ordersPlaced: orders.length,
              ordersRejected: orders.filter((x) => x.state === 'REJECTED').length,
              riskDenials: rt.engine.denialCount,
              errors: 0,
            };
          },
        });
        reporter.start();
      },
      onKillSwitchReady: (apply) => {
        if (ops.killSwitch !== null) {
          applyKill = apply;
          apply(lastKill);
          void ops.killSwitch.start();
          return;
        }
        killPoll = setInterval(() => {
          void readKillSwitch(killFile).then((k) => {
            if (k.warning !== null) log.warn(k.warning);
            apply(k.state);
          });
        }, 1_000);
        killPoll.unref();
      },
    });
    const s = result.summary;
    io.stderr.write(
      `tfl trade: ${date} done: ${s.trades.length} trades, net ₹${(s.trades.reduce((a, t) => a + t.netPaise, 0) / 100).toFixed(2)}, flat ${s.flat ? 'yes' : 'NO'}` +
        `${result.recovery.resumed ? ` (resumed from a checkpoint; ${result.recovery.reconcile.fillsApplied} fills and ${result.recovery.reconcile.adopted} orders reconciled)` : ''}\n`,
    );
    return s.flat ? 0 : 1;
  } catch (err) {
    if (err instanceof LeaseHeldError) {
      io.stderr.write(`tfl trade: ${err.message}\n`);
      void ops.alerts.alert('second trader refused', err.message);
      return EXIT_LEASE_HELD;
    }
    void ops.alerts.alert('trader failed', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    if (killPoll !== null) clearInterval(killPoll);
    const r = reporter as MetricsReporter | null;
    if (r !== null) {
      r.report();
      r.stop();
    }
    await ops.close();
    await store.close();
    lock();
  }
};

/** One trader per data directory: a pid file; a stale one (its process is gone) is taken over. */
function acquireDirLock(dir: string): (() => void) | null {
  const path = join(dir, 'trader.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch {
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return null;
      try {
        unlinkSync(path); // stale: its process died (kill -9, power loss)
      } catch {
        // raced with another starter; retry once
      }
    }
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A stable lease owner per data directory, so a restarted trader re-takes its own lease at once. */
function ownerId(dir: string): string {
  const path = join(dir, 'owner-id');
  if (!existsSync(path)) writeFileSync(path, `${hostname()}:${randomBytes(6).toString('hex')}`);
  const id = readFileSync(path, 'utf8').trim();
  if (id === '') throw new InputError('empty owner id file', { file: path });
  return id;
}
