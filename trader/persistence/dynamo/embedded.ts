import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { EMBEDDED_TABLE_NAME, LOCAL_CREDENTIALS, LOCAL_REGION, createDynamoClients } from './client';
import { ensureStateTable } from './create-table';

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly tableName: string;
  /** Absolute LevelDB directory. */
  readonly dataDir: string;
  /** Stops the server and closes LevelDB (close the store's client first). */
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** LevelDB directory, created if missing and kept across restarts (e.g. `.tfl/dynalite`). */
  readonly dataDir: string;
  readonly tableName?: string;
  /** 0 (default): a free ephemeral port. */
  readonly port?: number;
}

/**
 * The embedded default store: dynalite in this process on 127.0.0.1, its data in LevelDB under
 * `dataDir`, the state table created from schema.ts if missing. dynalite is imported lazily
 * (the trader bundle keeps it external, and only this mode needs it).
 *
 * One process per directory: LevelDB locks it, so a second trader on the same data directory
 * fails here with the lock error instead of sharing (and corrupting) the store.
 */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? EMBEDDED_TABLE_NAME;
  mkdirSync(dataDir, { recursive: true });
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const close = (): Promise<void> =>
    new Promise((done, fail) => {
      server.close((err) => (err ? fail(err) : done()));
      // Idle keep-alive sockets of clients that were not destroyed must not hold the close.
      server.closeIdleConnections();
    });
  const setup = createDynamoClients({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureStateTable(setup.client, tableName);
  } catch (err) {
    setup.client.destroy();
    await close().catch(() => undefined);
    throw new Error(`embedded store in ${dataDir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  setup.client.destroy();
  return { endpoint, tableName, dataDir, close };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
}
