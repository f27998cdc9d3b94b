import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { CliIo, Command } from '../cli/errors';
import { parseFlags } from '../cli/flags';
import { loadProfile } from '../config/profile';
import { ledgerOf } from '../engine/ledger';
import { openStore } from './store-option';

const Flags = z.strictObject({
  'data-dir': z.string().min(1, 'a data directory is required'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  json: z.string().min(1, 'an output path is required'),
  profile: z.string().min(1).default('default'),
});

/** `tfl ledger`: the day's orders, fills and trades from the store, in a stable order. */
export const ledger: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const f = parseFlags('ledger', argv, { 'data-dir': { type: 'string' }, date: { type: 'string' }, json: { type: 'string' }, profile: { type: 'string' } }, Flags);
  const profile = loadProfile(f.profile === 'default' ? 'default' : resolve(io.cwd, f.profile));
  const store = await openStore('default', resolve(io.cwd, f['data-dir']));
  try {
    const l = ledgerOf(await store.loadDay(profile.name, f.date));
    const out = resolve(io.cwd, f.json);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(l, null, 2)}\n`);
    io.stdout.write(`ledger ${f.date}: ${l.orders.length} orders, ${l.fills.length} fills, ${l.trades.length} trades → ${f.json}\n`);
    return 0;
  } finally {
    await store.close();
  }
};
