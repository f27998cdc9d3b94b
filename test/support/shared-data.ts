import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Real NSE data lives in ../shared/data beside the checkout (never copied into the repo).
 * Suites that use it call `describeShared`/`sharedDataPath`; where ../shared is absent they
 * skip with a message instead of failing.
 */
export const SHARED_DATA_DIR = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');

export const hasSharedData = existsSync(SHARED_DATA_DIR);

export function sharedDataPath(file: string): string {
  return join(SHARED_DATA_DIR, file);
}

if (!hasSharedData) {
  console.warn(`[real-data] ${SHARED_DATA_DIR} not found: real-data suites are skipped`);
}
