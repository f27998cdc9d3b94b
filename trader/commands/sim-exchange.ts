import { resolve } from 'node:path';
import { z } from 'zod';
import { type CliIo, type Command, InputError } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { NseCalendar } from '../domain/calendar';
import { DEFAULT_SIM_SYMBOLS } from '../market-data/simulator/symbols';
import { startExchangeSim, type ExchangeSimOptions } from '../exchange-sim/server';

const Flags = z.strictObject({
  port: z
    .string()
    .regex(/^\d{1,5}$/, 'expected a port number (0 = any free port)')
    .transform(Number)
    .refine((p) => p <= 65_535, 'expected a port number up to 65535'),
  'api-key': z.string().min(1, 'expected a non-empty API key'),
  seed: z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  symbols: z
    .string()
    .regex(/^[A-Za-z0-9&-]+(,[A-Za-z0-9&-]+)*$/, 'expected a comma-separated list such as RELIANCE,INFY')
    .transform((s) => s.toUpperCase().split(','))
    .optional(),
  'state-dir': z.string().min(1, 'expected a directory'),
  lockstep: z.boolean().default(false),
  'tick-rate-scale': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a positive number')
    .transform(Number)
    .refine((n) => n > 0 && n <= 10, 'expected a number in (0, 10]')
    .default(1),
  fsync: z.enum(['commands', 'all', 'none']).default('commands'),
});

export type SimExchangeFlags = z.output<typeof Flags>;

/** Parse and check the flags (exported for tests). Throws InputError naming the flag. */
export function parseSimExchangeFlags(argv: readonly string[]): SimExchangeFlags {
  const flags = parseFlags(
    'sim-exchange',
    argv,
    {
      port: { type: 'string' },
      'api-key': { type: 'string' },
      seed: { type: 'string' },
      date: { type: 'string' },
      symbols: { type: 'string' },
      'state-dir': { type: 'string' },
      lockstep: { type: 'boolean' },
      'tick-rate-scale': { type: 'string' },
      fsync: { type: 'string' },
    },
    Flags,
  );
  let session;
  try {
    session = new NseCalendar().sessionOn(flags.date);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err), { field: '--date' });
  }
  if (session === null || session.kind !== 'REGULAR') throw new InputError(`${flags.date} is not a regular NSE trading day`, { field: '--date' });
  return flags;
}

/**
 * Run the simulator until `stop` resolves, then close it (state durable). Prints one line with
 * the URLs once listening.
 */
export async function runSimExchange(flags: SimExchangeFlags, io: CliIo, stop: Promise<unknown>): Promise<number> {
  const options: ExchangeSimOptions = {
    apiKey: flags['api-key'],
    seed: flags.seed,
    date: flags.date,
    symbols: flags.symbols ?? DEFAULT_SIM_SYMBOLS.map((s) => s.symbol),
    stateDir: resolve(io.cwd, flags['state-dir']),
    lockstep: flags.lockstep,
    port: flags.port,
    tickRateScale: flags['tick-rate-scale'],
    fsync: flags.fsync,
  };
  const sim = await startExchangeSim(options);
  io.stdout.write(
    `sim-exchange listening rest=${sim.restUrl} ws=${sim.wsUrl} port=${sim.port} date=${flags.date} seed=${flags.seed}${flags.lockstep ? ' lockstep' : ''} state=${options.stateDir}\n`,
  );
  await stop;
  await sim.close();
  const s = sim.stats();
  io.stdout.write(`sim-exchange stopped: ${s.ticks} ticks, ${s.orders} orders, ${s.trades} fills${flags.lockstep ? `, message ${s.acked} acknowledged` : ''}\n`);
  return 0;
}

/**
 * `tfl sim-exchange --port P --api-key K --seed N --date YYYY-MM-DD --symbols A,B,C --state-dir DIR
 * [--lockstep] [--tick-rate-scale X] [--fsync commands|all|none]`: the exchange simulator
 * (trader/exchange-sim/README.md), serving until SIGTERM or SIGINT.
 */
export const simExchange: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const flags = parseSimExchangeFlags(argv);
  let onSignal: () => void = () => undefined;
  const stop = new Promise<void>((res) => {
    onSignal = res;
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await runSimExchange(flags, io, stop);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
};
