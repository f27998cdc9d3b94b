import { LOCAL_CREDENTIALS, createDynamoClients, type DynamoClients, type StoreBudget, type StoreConfig } from './client';
import { ensureStateTable } from './create-table';
import { DynamoItemTable } from './dynamo-item-table';
import { startEmbeddedDynamo } from './embedded';
import { ItemStateStore } from './item-state-store';

export interface DynamoStateStoreOptions {
  /** Owned by the store from now on: `close()` destroys them. */
  readonly clients: DynamoClients;
  readonly tableName: string;
  readonly budget?: StoreBudget;
  readonly description?: string;
  /** Runs after the client is destroyed (the embedded server's close). */
  readonly onClose?: () => Promise<void>;
}

/**
 * The StateStore over DynamoDB (AWS, or dynalite / DynamoDB Local on loopback): single-item
 * conditional writes only, every call bounded (see `StoreBudget`), every item read back
 * validated. The logic is `ItemStateStore`'s, shared with the memory adapter.
 */
export class DynamoStateStore extends ItemStateStore {
  constructor(options: DynamoStateStoreOptions) {
    super(
      new DynamoItemTable({
        clients: options.clients,
        tableName: options.tableName,
        ...(options.budget === undefined ? {} : { budget: options.budget }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.onClose === undefined ? {} : { onClose: options.onClose }),
      }),
    );
  }
}

/**
 * Build the store the configuration names (`storeConfigFromEnv`); the composition root calls
 * this once and closes the store at exit (which also stops an embedded server).
 * - embedded: start dynalite under `dataDir`, create the table, connect;
 * - endpoint: connect with dummy credentials, create the table if missing;
 * - aws: connect with the default credential chain (instance role); the table must exist.
 */
export async function openDynamoStateStore(config: StoreConfig, budget?: StoreBudget): Promise<DynamoStateStore> {
  const withBudget = budget === undefined ? {} : { budget };
  switch (config.kind) {
    case 'embedded': {
      const embedded = await startEmbeddedDynamo({ dataDir: config.dataDir, tableName: config.tableName });
      const clients = createDynamoClients({ region: 'local', endpoint: embedded.endpoint, credentials: LOCAL_CREDENTIALS, ...withBudget });
      return new DynamoStateStore({ clients, tableName: config.tableName, description: `embedded dynalite ${embedded.dataDir}`, onClose: () => embedded.close(), ...withBudget });
    }
    case 'endpoint': {
      const clients = createDynamoClients({ region: config.region, endpoint: config.endpoint, credentials: LOCAL_CREDENTIALS, ...withBudget });
      try {
        await ensureStateTable(clients.client, config.tableName);
      } catch (err) {
        clients.client.destroy();
        throw err;
      }
      return new DynamoStateStore({ clients, tableName: config.tableName, description: `dynamodb ${config.endpoint} ${config.tableName}`, ...withBudget });
    }
    case 'aws': {
      const clients = createDynamoClients({ region: config.region, ...withBudget });
      return new DynamoStateStore({ clients, tableName: config.tableName, description: `dynamodb ${config.region} ${config.tableName}`, ...withBudget });
    }
  }
}
