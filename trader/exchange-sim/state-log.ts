import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The exchange simulator's durable state: an append-only NDJSON log in the state directory.
 * What is stored are the inputs (the configuration, every order command with the stream
 * position it was applied at, and the stream position and lockstep sequence after every batch
 * of steps) plus the fills as an audit trail; orders, fills and positions are rebuilt by
 * replaying the commands against the deterministic stream, and the audit trail must match.
 *
 * Every append is one write(2) of whole lines, made before anything that depends on it is sent
 * (write-through: a killed simulator loses nothing). Commands are also fsynced; stream
 * positions are fsynced only with `fsync: 'all'`. A torn last line (power loss mid-write) is
 * dropped on open; any other bad line is an error naming the file and line.
 */

export const STATE_FILE = 'exchange-sim.ndjson';

const position = { tick: z.number().int().nonnegative(), m: z.number().int().positive() };

export const LogHeaderSchema = z.strictObject({
  t: z.literal('init'),
  v: z.literal(1),
  seed: z.number().int(),
  date: z.string(),
  symbols: z.array(z.string()),
  tickRateScale: z.number().positive(),
  lockstep: z.boolean(),
  lotSizes: z.record(z.string(), z.number().int().positive()).optional(),
});

const side = z.enum(['BUY', 'SELL']);
const product = z.enum(['MIS', 'NRML', 'CNC']);
const priceType = z.enum(['MARKET', 'LIMIT', 'SL', 'SL-M']);
const placeFields = {
  strategy: z.string(),
  symbol: z.string(),
  exchange: z.string(),
  side,
  qty: z.number(),
  product,
  priceType,
  price: z.number(),
  triggerPrice: z.number(),
};

export const LogRecordSchema = z.discriminatedUnion('t', [
  LogHeaderSchema,
  z.strictObject({ t: z.literal('place'), ...position, cmd: z.strictObject(placeFields) }),
  z.strictObject({ t: z.literal('modify'), ...position, cmd: z.strictObject({ ...placeFields, orderid: z.string() }) }),
  z.strictObject({ t: z.literal('cancel'), ...position, orderid: z.string() }),
  /** A trade injected by a test harness (`ExchangeSim.trade`), outside the generator's stream. */
  z.strictObject({ t: z.literal('trade'), ...position, symbol: z.string(), exchange: z.string(), px: z.number().int().positive() }),
  /** Stream position after a batch: `seq` = last sequenced message sent, `ack` = last acknowledged. */
  z.strictObject({ t: z.literal('pos'), ...position, seq: z.number().int().nonnegative(), ack: z.number().int().nonnegative() }),
  /** Audit: a fill as it happened (orderid, qty, price in paise, time). */
  z.strictObject({ t: z.literal('fill'), orderid: z.string(), qty: z.number().int(), px: z.number().int(), ms: z.number().int() }),
]);

export type LogHeader = z.infer<typeof LogHeaderSchema>;
export type LogRecord = z.infer<typeof LogRecordSchema>;

export type FsyncPolicy = 'commands' | 'all' | 'none';

export class StateLog {
  readonly path: string;
  private fd: number;
  private readonly policy: FsyncPolicy;

  private constructor(path: string, fd: number, policy: FsyncPolicy) {
    this.path = path;
    this.fd = fd;
    this.policy = policy;
  }

  /**
   * Open (creating) the log in `dir`. A new log gets `header`; an existing one must carry the
   * same header (a simulator restarted with other arguments would replay a different market).
   * Returns the records after the header, in order.
   */
  static open(dir: string, header: LogHeader, policy: FsyncPolicy = 'commands'): { log: StateLog; records: LogRecord[] } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, STATE_FILE);
    const records: LogRecord[] = [];
    let goodBytes = 0;
    let fresh = true;
    if (existsSync(path)) {
      const buf = readFileSync(path);
      let start = 0;
      let line = 0;
      while (start < buf.length) {
        const nl = buf.indexOf(0x0a, start);
        line++;
        if (nl < 0) break; // torn tail: never acknowledged, dropped below
        const text = buf.toString('utf8', start, nl);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new Error(`${path}, line ${line}: not JSON`);
        }
        const r = LogRecordSchema.safeParse(parsed);
        if (!r.success) {
          const issue = r.error.issues[0];
          throw new Error(`${path}, line ${line}, field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid record'}`);
        }
        if (line === 1) {
          if (r.data.t !== 'init') throw new Error(`${path}, line 1: expected the init record`);
          const stored = JSON.stringify(r.data);
          if (stored !== JSON.stringify(header)) {
            throw new Error(`${path}: the state directory belongs to another simulation (${stored}); use a fresh --state-dir`);
          }
          fresh = false;
        } else records.push(r.data);
        start = nl + 1;
        goodBytes = start;
      }
    }
    const fd = openSync(path, 'a+');
    const log = new StateLog(path, fd, policy);
    if (!fresh || goodBytes > 0) ftruncateSync(fd, goodBytes);
    if (fresh) {
      ftruncateSync(fd, 0);
      log.append([header], true);
    }
    return { log, records };
  }

  /** Append whole records in one write; `command` marks inputs that must survive a power loss. */
  append(records: readonly LogRecord[], command: boolean): void {
    if (records.length === 0) return;
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    if (this.policy === 'all' || (this.policy === 'commands' && command)) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
