import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { bundleTrader, ROOT, TRADER_TARGET } from './bundle';

/**
 * `npm run bench`: the benchmarks run from an esbuild bundle built like the deployed trader's
 * (no keep-names wrappers, the same target), not through the tsx loader, so they measure the
 * code as it runs in production. Extra arguments (e.g. --quick) pass through.
 */
const out = join(ROOT, 'dist', 'bench', 'run.mjs');
buildSync({
  entryPoints: [join(ROOT, 'bench', 'run.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: TRADER_TARGET,
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// The deployed trader bundle, for the restart benchmark's process-start time.
const trader = bundleTrader(join(ROOT, 'dist', 'bench-trader'));
const r = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', out, '--bench-dir', join(ROOT, 'bench'), '--trader-bundle', trader.file, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
