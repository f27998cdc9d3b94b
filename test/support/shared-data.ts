import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Real NSE data lives in ../shared/data beside the checkout (never copied into the repo).
 * Suites that use it call `describeShared`/`sharedDataPath`; where ../shared is absent they
 * skip with a message instead of failing.
 */
export const SHARED_DATA_DIR = resolve(repoRoot(import.meta.dirname), '..', 'shared', 'data');

export const hasSharedData = existsSync(SHARED_DATA_DIR);

export function sharedDataPath(file: string): string {
  return join(SHARED_DATA_DIR, file);
}

if (!hasSharedData) {
  console.warn(`[real-data] ${SHARED_DATA_DIR} not found: real-data suites are skipped`);
}

/**
 * The checkout's root: the nearest directory upwards holding package.json. Found by walking up
 * rather than by a fixed number of '..', so the same code finds ../shared from test/support under
 * vitest and from dist/bench when the benchmarks run as a bundle.
 */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}
