import { type CliIo, type Command, InputError } from './cli/errors';

/**
 * The command line. Commands are loaded lazily so `tfl resample` does not pay for the AWS SDK.
 * Exit codes: 0 success, 2 bad input (message names file, line, field), 1 anything else.
 */
const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<Command> }> = {
  paper: {
    summary: 'paper [--seed N] [--symbols A,B] [--speed max|realtime|<factor>]   paper-trade a simulated day over WebSocket',
    load: async () => (await import('./commands/paper')).paper,
  },
  backtest: {
    summary:
      'backtest --data SYMBOL=PATH [...] --strategy tfl [--bias off|LONGS_ONLY|SHORTS_ONLY|NO_TRADES] [--from D] [--to D] [--json OUT]',
    load: async () => (await import('./commands/backtest')).backtest,
  },
  bias: {
    summary: 'bias --daily PATH --vix PATH --date YYYY-MM-DD [--json OUT]   the pre-market bias for a day, from CSV files',
    load: async () => (await import('./commands/bias')).bias,
  },
  trade: {
    summary:
      'trade --broker openalgo --api-url URL --ws-url URL --api-key K --data-dir DIR [--profile P] [--symbols A,B] [--date D] [--bias store|off|...] [--store memory]   trade a day; restart = recovery',
    load: async () => (await import('./commands/trade')).trade,
  },
  ledger: {
    summary: 'ledger --data-dir DIR --date YYYY-MM-DD --json OUT [--profile P]   the day\'s orders, fills and trades',
    load: async () => (await import('./commands/ledger')).ledger,
  },
  'sim-exchange': {
    summary: 'sim-exchange --port P --api-key K --seed N --date D --symbols A,B --state-dir DIR [--lockstep]   a local OpenAlgo-speaking exchange',
    load: async () => (await import('./commands/sim-exchange')).simExchange,
  },
  resample: {
    summary: 'resample --data PATH --timeframe 15m --out PATH   roll bars up to a larger timeframe',
    load: async () => (await import('./commands/resample')).resample,
  },
};

export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  npm run tfl -- ${c.summary}`);
  return `TFL: automated intraday trading (NSE)\n\nUsage:\n${lines.join('\n')}\n`;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr.write(`tfl: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr.write(`tfl ${name}: ${err.message}\n`);
      return 2;
    }
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`tfl ${name}: failed: ${msg}\n`);
    return 1;
  }
}
