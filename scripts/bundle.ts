import { buildSync } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * esbuild bundles of what runs in AWS, shared by the CDK (the trader asset; the Lambda's
 * NodejsFunction uses the same options via PRE_MARKET_BUNDLING in lib/constructs) and by the
 * bundle test in `npm test`, which records sizes in bench/bundle-sizes.json.
 *
 * `tsx scripts/bundle.ts [OUT_DIR]` builds both into OUT_DIR (default dist/bundles) and prints sizes.
 */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TRADER_ENTRY = join(ROOT, 'trader', 'main.ts');
export const PRE_MARKET_ENTRY = join(ROOT, 'lambdas', 'pre-market', 'handler.ts');

/** ESM bundles still meet CommonJS dependencies that call require(); give them one. */
const REQUIRE_SHIM = "import { createRequire as __tflCreateRequire } from 'node:module'; const require = __tflCreateRequire(import.meta.url);";

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  banner: { js: REQUIRE_SHIM },
  logLevel: 'silent',
};

/**
 * The trader runs on the instance under Node 20 (dnf `nodejs20`). Everything is bundled (there is
 * no node_modules on the box) except the embedded local store (dynalite and its native LevelDB),
 * which the trader only uses without AWS configuration, and ws's optional native add-ons.
 */
export const TRADER_EXTERNALS = ['dynalite', 'classic-level', 'bufferutil', 'utf-8-validate'];
export const TRADER_TARGET = 'node20';

/** The Lambda runtime (Node 24) ships the AWS SDK v3: it stays out of the bundle. */
export const PRE_MARKET_EXTERNALS = ['@aws-sdk/*'];
export const PRE_MARKET_TARGET = 'node24';

export interface BundleResult {
  readonly outDir: string;
  readonly file: string;
  readonly bytes: number;
}

export function bundleTrader(outDir: string): BundleResult {
  const file = join(outDir, 'main.mjs');
  mkdirSync(outDir, { recursive: true });
  buildSync({ ...common, entryPoints: [TRADER_ENTRY], outfile: file, target: TRADER_TARGET, external: TRADER_EXTERNALS });
  return { outDir, file, bytes: statSync(file).size };
}

export function bundlePreMarket(outDir: string): BundleResult {
  const file = join(outDir, 'index.mjs');
  mkdirSync(outDir, { recursive: true });
  buildSync({ ...common, entryPoints: [PRE_MARKET_ENTRY], outfile: file, target: PRE_MARKET_TARGET, minify: true, external: PRE_MARKET_EXTERNALS });
  return { outDir, file, bytes: statSync(file).size };
}

export function traderEntryExists(): boolean {
  return existsSync(TRADER_ENTRY);
}

/** Sizes as bench/run.ts expects them (bytes of the JavaScript file, source map excluded). */
export function writeSizes(path: string, sizes: { trader: number | null; preMarket: number }): void {
  writeFileSync(path, `${JSON.stringify(sizes, null, 2)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(ROOT, 'dist', 'bundles'));
  const pre = bundlePreMarket(join(out, 'pre-market'));
  console.log(`pre-market: ${pre.bytes} bytes → ${pre.file}`);
  if (traderEntryExists()) {
    const t = bundleTrader(join(out, 'trader'));
    console.log(`trader: ${t.bytes} bytes → ${t.file}`);
  } else {
    console.log('trader: trader/main.ts does not exist yet; not built');
  }
}
