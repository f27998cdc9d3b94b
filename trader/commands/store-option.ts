import { z } from 'zod';
import { InputError } from '../cli/errors';
import { openDynamoStateStore } from '../persistence/dynamo/dynamo-state-store';
import { storeConfigFromEnv } from '../persistence/dynamo/client';
import { MemoryStateStore } from '../persistence/memory-state-store';
import type { StateStore } from '../persistence/state-store';

/** `--store memory` for throwaway runs; by default the environment decides (embedded dynalite, or AWS). */
export const storeFlag = z.enum(['memory', 'default']).default('default');

/**
 * Opens the state store the way issue 3 §1 says: no DynamoDB endpoint or region configured →
 * dynalite in-process on 127.0.0.1 with its data under `<dataDir>/dynalite` (kept across
 * restarts); `TFL_TABLE_NAME` + `AWS_REGION` → the deployed table; `--store memory` → nothing kept.
 * This is a composition root: it reads the environment.
 */
export async function openStore(kind: z.output<typeof storeFlag>, dataDir: string): Promise<StateStore> {
  if (kind === 'memory') return new MemoryStateStore();
  let config;
  try {
    config = storeConfigFromEnv(process.env, { dataDir });
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err), { field: 'environment' });
  }
  return openDynamoStateStore(config);
}
