import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
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
 * One process per directory: a second trader on the same data directory fails here with a clear
 * error naming the holder's pid (`tfl-store.lock`; a lock left by a dead process is taken over).
 * Without it LevelDB's own lock would still refuse, but dynalite turns that into an uncaught
 * exception on the first request.
 */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? EMBEDDED_TABLE_NAME;
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDirectory(dataDir);
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await listen(server, options.port ?? 0);
  } catch (err) {
    unlock();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const close = (): Promise<void> =>
    new Promise<void>((done, fail) => {
      server.close((err) => (err ? fail(err) : done()));
      // Idle keep-alive sockets of clients that were not destroyed must not hold the close.
      server.closeIdleConnections();
    }).finally(unlock);
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

const LOCK_FILE = 'tfl-store.lock';

/** Take the directory for this process (pid lock file); returns the release function. */
function lockDirectory(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let round = 0; round < 2; round++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)) {
      const who = holder === process.pid ? 'this process' : `process ${holder}`;
      throw new Error(`embedded store ${dataDir} is in use by ${who} (another trader on the same data directory?)`);
    }
    unlinkSync(path); // left by a process that died (kill -9, power loss)
  }
  throw new Error(`embedded store ${dataDir}: could not take ${LOCK_FILE}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
