import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Bar } from '../../domain/bar';
import type { JournalEntry, TradeRecord } from '../../domain/events';
import { EXCHANGES, type Exchange } from '../../domain/instrument';
import type { Bias, Direction, ExitReason } from '../../domain/intent';
import type { Fill, OrderPurpose, OrderRequest, OrderState, PriceType, Product, Side } from '../../domain/order';
import type { OrderRecord } from '../../orders/state-machine';
import { ATTR, SK_PREFIX, byKindAttributes, keys, type ItemKey, type ItemKind } from '../schema';
import {
  StoreCorruptError,
  type BiasRecord,
  type DaySnapshot,
  type DaySummaryRecord,
  type StoredFill,
  type StoredOrder,
  type StoredPosition,
} from '../state-store';
import { LEASE_ATTR, type Item } from './item-table';

/**
 * The state table's item formats: how each StateStore record becomes one item and back.
 * Shared by the DynamoDB and memory adapters, so both store (and refuse) exactly the same data.
 *
 * Layout: `{ pk, sk, kind, [ver], [gsi1pk, gsi1sk], ...payload }`, the payload being the port's
 * record spread flat (the pre-market Lambda reads BIAS and BAR items in this shape too). Two
 * exceptions keep items small and lossless: journal entries and snapshot state are JSON text
 * (non-finite numbers tagged, so NaN survives), snapshot state gzip'd above 64 KiB.
 *
 * Every payload is validated with zod on the way out (a bug fails the write, at the point of
 * the bug, instead of the next restart) and on the way in (`StoreCorruptError` naming the key
 * and the field).
 */

// ----- enums, exhaustive over the domain unions (a new member fails to compile here) -----

function enumOf<T extends string>(members: Record<T, true>): z.ZodType<T> {
  const values = Object.keys(members) as [T, ...T[]];
  return z.enum(values);
}

const orderState = enumOf<OrderState>({
  PENDING_SUBMIT: true,
  OPEN: true,
  TRIGGER_PENDING: true,
  PARTIALLY_FILLED: true,
  FILLED: true,
  CANCELLED: true,
  REJECTED: true,
  UNKNOWN: true,
});
const side = enumOf<Side>({ BUY: true, SELL: true });
const product = enumOf<Product>({ MIS: true, NRML: true, CNC: true });
const priceType = enumOf<PriceType>({ MARKET: true, LIMIT: true, SL: true, 'SL-M': true });
const purpose = enumOf<OrderPurpose>({ ENTRY: true, STOP: true, EXIT: true });
const direction = enumOf<Direction>({ LONG: true, SHORT: true });
const bias = enumOf<Bias>({ LONGS_ONLY: true, SHORTS_ONLY: true, NO_TRADES: true });
const exitReason = enumOf<ExitReason>({
  STOP: true,
  TARGET: true,
  PARTIAL_TARGET: true,
  SQUARE_OFF: true,
  KILL_SWITCH: true,
  DAILY_LOSS_LIMIT: true,
  STOP_AT_ENTRY: true,
  MANUAL: true,
  RECONCILED: true,
});
const exchange = z.enum(EXCHANGES as [Exchange, ...Exchange[]]);

const int = z.number().int();
const finite = z.number().finite();
const nonEmpty = z.string().min(1);
const dateKey = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not YYYY-MM-DD');

// ----- payload schemas (typed against the port, so a drift fails to compile) -----

const orderRequestSchema: z.ZodType<OrderRequest> = z.object({
  symbol: nonEmpty,
  exchange,
  clientOrderId: nonEmpty,
  strategy: nonEmpty,
  side,
  qty: int.positive(),
  product,
  priceType,
  pricePaise: int.nonnegative(),
  triggerPaise: int.nonnegative(),
});

const orderRecordSchema: z.ZodType<OrderRecord> = z.object({
  request: orderRequestSchema,
  purpose,
  state: orderState,
  brokerOrderId: nonEmpty.nullable(),
  filledQty: int.nonnegative(),
  execFilledQty: int.nonnegative(),
  execNotionalPaise: int,
  avgFillPaise: finite.nullable(),
  executionIds: z.array(nonEmpty),
  version: int.nonnegative(),
  pendingCancel: z.boolean(),
  pendingModify: z.object({ qty: int.positive().optional(), pricePaise: int.nonnegative().optional(), triggerPaise: int.nonnegative().optional() }).nullable(),
  rejectReason: z.string().nullable(),
  lastError: z.string().nullable(),
  createdMs: int,
  updatedMs: int,
});

const storedOrderSchema: z.ZodType<StoredOrder> = z.object({
  record: orderRecordSchema,
  exitReason: exitReason.nullable(),
  plannedStopPaise: int.nonnegative(),
  signalBarMs: int,
});

const fillSchema: z.ZodType<Fill> = z.object({
  executionId: nonEmpty,
  brokerOrderId: nonEmpty,
  clientOrderId: nonEmpty.optional(),
  symbol: nonEmpty,
  exchange,
  side,
  qty: int.positive(),
  pricePaise: int.positive(),
  timeMs: int,
});

const storedFillSchema: z.ZodType<StoredFill> = z.object({ fill: fillSchema, costsPaise: finite.nonnegative() });

const positionSchema: z.ZodType<StoredPosition> = z.object({
  symbol: nonEmpty,
  netQty: int,
  avgPricePaise: finite.nonnegative(),
  stopPaise: finite.nonnegative(),
  exitingReason: exitReason.nullable(),
  updatedMs: int,
});

const tradeSchema: z.ZodType<TradeRecord> = z.object({
  tradeId: nonEmpty,
  strategy: nonEmpty,
  symbol: nonEmpty,
  direction,
  qty: int.positive(),
  entryTimeMs: int,
  entryPricePaise: finite,
  exitTimeMs: int,
  exitPricePaise: finite,
  exitReason,
  initialStopPaise: finite,
  initialRiskPaise: finite,
  grossPaise: finite,
  costsPaise: finite,
  netPaise: finite,
  r: finite,
  maePaise: finite.nonnegative(),
  mfePaise: finite.nonnegative(),
});

const summarySchema: z.ZodType<DaySummaryRecord> = z.object({
  date: dateKey,
  profile: nonEmpty,
  trades: int.nonnegative(),
  netPaise: finite,
  totalR: finite,
  flat: z.boolean(),
  halted: z.string().nullable(),
  denials: z.record(z.string(), int.nonnegative()),
});

/** The pre-market Lambda writes `inputs: null` when its inputs were unusable (the reasons say why). */
const biasSchema = z.object({
  date: dateKey,
  bias,
  reasons: z.array(z.string()),
  inputs: z.record(z.string(), z.unknown()).nullable(),
  ruleVersion: nonEmpty,
  computedAtMs: int,
});

const barSchema: z.ZodType<Bar> = z.object({
  startMs: int,
  open: finite.positive(),
  high: finite.positive(),
  low: finite.positive(),
  close: finite.positive(),
  volume: finite.nonnegative(),
});

const leaseSchema = z.object({ [LEASE_ATTR.owner]: nonEmpty, [LEASE_ATTR.expiresAtMs]: int });

/** What every journal reader relies on; the rest is the event's own fields (as the file journal). */
const journalEntrySchema = z.looseObject({
  seq: int.positive(),
  // Event types are checked by the readers' exhaustive switches (the union grows with the engine).
  type: nonEmpty,
  timeMs: int,
});

// ----- JSON text with non-finite numbers kept (JSON.stringify would turn NaN into null) -----

const NON_FINITE = '$nonFinite';

export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v));
}

export function fromJsonText(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[NON_FINITE];
      if (typeof tagged === 'string' && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  });
}

// ----- equality used for "the stored item is what we wrote" -----

/** Structural equality of decoded values; a missing key equals an `undefined` one (DynamoDB drops undefined). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const names = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const name of names) if (!deepEqual(ra[name], rb[name])) return false;
  return true;
}

// ----- size: DynamoDB refuses items over 400 KB; stay well under it -----

/** Largest item this store writes (bytes, by DynamoDB's accounting: names + values). */
export const MAX_ITEM_BYTES = 300 * 1024;
/** Snapshot state above this is stored gzip'd. */
export const SNAPSHOT_GZIP_ABOVE_BYTES = 64 * 1024;

/** Upper-bound estimate of an item's size in DynamoDB (attribute names + values + per-value overhead). */
export function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let n = 3;
    for (const v of value) n += 1 + itemBytes(v);
    return n;
  }
  if (typeof value === 'object') {
    let n = 3;
    for (const [k, v] of Object.entries(value)) n += 1 + Buffer.byteLength(k, 'utf8') + itemBytes(v);
    return n;
  }
  return 64;
}

// ----- decoding helpers -----

function keyOf(item: Item): ItemKey {
  const pk = item[ATTR.pk];
  const sk = item[ATTR.sk];
  return { pk: typeof pk === 'string' ? pk : '?', sk: typeof sk === 'string' ? sk : '?' };
}

function fieldOf(issue: z.core.$ZodIssue | undefined, prefix = ''): string {
  const path = issue?.path.map(String).join('.') ?? '';
  if (prefix === '') return path === '' ? '(item)' : path;
  return path === '' ? prefix : `${prefix}.${path}`;
}

function parseOrCorrupt<T>(schema: z.ZodType<T>, value: unknown, key: ItemKey, prefix = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StoreCorruptError(issue?.message ?? 'invalid', key, fieldOf(issue, prefix));
}

function expectKind(item: Item, kind: ItemKind): ItemKey {
  const key = keyOf(item);
  if (item[ATTR.kind] !== kind) throw new StoreCorruptError(`expected kind ${kind}, found ${JSON.stringify(item[ATTR.kind])}`, key, ATTR.kind);
  return key;
}

/**
 * Refuse to write what we could not read back exactly: an invalid field, or a field the schema
 * does not know (it would be dropped on the way in — a silent loss, and a spurious conflict on
 * every retry). The error names the record and the field.
 */
function validateForWrite<T>(schema: z.ZodType<T>, value: unknown, what: string): void {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`refusing to store ${what}: field '${fieldOf(issue)}': ${issue?.message ?? 'invalid'}`);
  }
  const lost = firstDifference(value, parsed.data, '');
  if (lost !== null) throw new Error(`refusing to store ${what}: field '${lost}' is not part of the stored format (add it to dynamo/items.ts)`);
}

/** Path of the first value that differs (missing ≡ undefined), or null when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (deepEqual(a, b)) return null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !(a instanceof Uint8Array)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const name of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const found = firstDifference(ra[name], rb[name], path === '' ? name : `${path}.${name}`);
      if (found !== null) return found;
    }
  }
  return path === '' ? '(record)' : path;
}

// ----- per kind: encode (record → item) and decode (item → record) -----

export function encodeLease(profile: string, owner: string, expiresAtMs: number): Item & ItemKey {
  return { ...keys.lease(profile), [LEASE_ATTR.owner]: owner, [LEASE_ATTR.expiresAtMs]: expiresAtMs };
}

export function decodeLease(item: Item): { readonly owner: string; readonly expiresAtMs: number } {
  const key = expectKind(item, 'LEASE');
  const lease = parseOrCorrupt(leaseSchema, item, key);
  return { owner: lease.owner, expiresAtMs: lease.expiresAtMs };
}

export function encodeOrder(profile: string, date: string, order: StoredOrder): Item & ItemKey {
  validateForWrite(storedOrderSchema, order, `order ${order.record.request.clientOrderId}`);
  return {
    ...keys.order(profile, date, order.record.request.clientOrderId),
    [ATTR.version]: order.record.version,
    record: order.record,
    exitReason: order.exitReason,
    plannedStopPaise: order.plannedStopPaise,
    signalBarMs: order.signalBarMs,
  };
}

export function decodeOrder(item: Item): StoredOrder {
  const key = expectKind(item, 'ORDER');
  const order = parseOrCorrupt(storedOrderSchema, item, key);
  if (key.sk !== `${SK_PREFIX.order}${order.record.request.clientOrderId}`) throw new StoreCorruptError('does not match the sort key', key, 'record.request.clientOrderId');
  if (item[ATTR.version] !== order.record.version) throw new StoreCorruptError(`${String(item[ATTR.version])} differs from record.version ${order.record.version}`, key, ATTR.version);
  return order;
}

export function encodeFill(profile: string, date: string, fill: StoredFill): Item & ItemKey {
  validateForWrite(storedFillSchema, fill, `fill ${fill.fill.executionId}`);
  return { ...keys.fill(profile, date, fill.fill.executionId), fill: fill.fill, costsPaise: fill.costsPaise };
}

export function decodeFill(item: Item): StoredFill {
  const key = expectKind(item, 'FILL');
  const fill = parseOrCorrupt(storedFillSchema, item, key);
  if (key.sk !== `${SK_PREFIX.fill}${fill.fill.executionId}`) throw new StoreCorruptError('does not match the sort key', key, 'fill.executionId');
  return fill;
}

/**
 * Two reports of one execution are the same fill when what was traded matches; the time and the
 * client order id may differ by source (WebSocket push vs REST tradebook) and the first stored wins.
 */
export function sameExecution(a: StoredFill, b: StoredFill): boolean {
  const x = a.fill;
  const y = b.fill;
  return x.executionId === y.executionId && x.brokerOrderId === y.brokerOrderId && x.symbol === y.symbol && x.exchange === y.exchange && x.side === y.side && x.qty === y.qty && x.pricePaise === y.pricePaise;
}

export function encodePosition(profile: string, date: string, position: StoredPosition): Item & ItemKey {
  validateForWrite(positionSchema, position, `position ${position.symbol}`);
  return { ...keys.position(profile, date, position.symbol), ...position };
}

export function decodePosition(item: Item): StoredPosition {
  const key = expectKind(item, 'POSITION');
  const position = parseOrCorrupt(positionSchema, item, key);
  if (key.sk !== `${SK_PREFIX.position}${position.symbol}`) throw new StoreCorruptError('does not match the sort key', key, 'symbol');
  return position;
}

export function encodeTrade(profile: string, date: string, trade: TradeRecord): Item & ItemKey {
  validateForWrite(tradeSchema, trade, `trade ${trade.tradeId}`);
  return { ...keys.trade(profile, date, trade.tradeId), ...byKindAttributes(profile, 'TRADE', date, trade.tradeId), trade };
}

export function decodeTrade(item: Item): TradeRecord {
  const key = expectKind(item, 'TRADE');
  return parseOrCorrupt(tradeSchema, item.trade, key, 'trade');
}

export function encodeSummary(profile: string, date: string, summary: DaySummaryRecord): Item & ItemKey {
  validateForWrite(summarySchema, summary, `summary ${profile}/${date}`);
  return { ...keys.summary(profile, date), ...byKindAttributes(profile, 'SUMMARY', date), summary };
}

export function decodeSummary(item: Item): DaySummaryRecord {
  const key = expectKind(item, 'SUMMARY');
  return parseOrCorrupt(summarySchema, item.summary, key, 'summary');
}

export function encodeSnapshot(profile: string, date: string, snapshot: DaySnapshot): Item & ItemKey {
  const { strategyId, takenAtMs, journalSeq, ...body } = snapshot;
  validateForWrite(snapshotHeadSchema, { strategyId, takenAtMs, journalSeq }, `snapshot ${strategyId}`);
  // The body (engine state) is opaque here: its owner validates it on restore.
  const text = toJsonText(body);
  const textBytes = Buffer.byteLength(text, 'utf8');
  const state: Record<string, unknown> = textBytes > SNAPSHOT_GZIP_ABOVE_BYTES ? { stateGzip: new Uint8Array(gzipSync(text)) } : { state: text };
  return { ...keys.snapshot(profile, date, strategyId), strategyId, takenAtMs, journalSeq, ...state };
}

const snapshotHeadSchema = z.object({ strategyId: nonEmpty, takenAtMs: int, journalSeq: int.nonnegative() });

const snapshotItemSchema = snapshotHeadSchema.extend({
  state: z.string().optional(),
  stateGzip: z.instanceof(Uint8Array).optional(),
});

export function decodeSnapshot(item: Item): DaySnapshot {
  const key = expectKind(item, 'SNAPSHOT');
  const head = parseOrCorrupt(snapshotItemSchema, item, key);
  let text: string;
  let field: string;
  if (head.state !== undefined) {
    text = head.state;
    field = 'state';
  } else if (head.stateGzip !== undefined) {
    field = 'stateGzip';
    try {
      text = gunzipSync(head.stateGzip).toString('utf8');
    } catch {
      throw new StoreCorruptError('not gzip', key, field);
    }
  } else {
    throw new StoreCorruptError('missing', key, 'state');
  }
  let body: unknown;
  try {
    body = fromJsonText(text);
  } catch {
    throw new StoreCorruptError('not JSON', key, field);
  }
  const parts = parseOrCorrupt(z.record(z.string(), z.unknown()), body, key, field);
  return { ...parts, strategyId: head.strategyId, takenAtMs: head.takenAtMs, journalSeq: head.journalSeq } as DaySnapshot;
}

export function encodeJournal(profile: string, date: string, entry: JournalEntry): Item & ItemKey {
  validateForWrite(journalEntrySchema, entry, `journal entry ${entry.seq}`);
  return { ...keys.journal(profile, date, entry.seq), seq: entry.seq, type: entry.type, timeMs: entry.timeMs, entry: toJsonText(entry) };
}

const journalItemSchema = z.object({ seq: int.positive(), entry: z.string() });

export function decodeJournal(item: Item): JournalEntry {
  const key = expectKind(item, 'JOURNAL');
  const head = parseOrCorrupt(journalItemSchema, item, key);
  let body: unknown;
  try {
    body = fromJsonText(head.entry);
  } catch {
    throw new StoreCorruptError('not JSON', key, 'entry');
  }
  const entry = parseOrCorrupt(journalEntrySchema, body, key, 'entry');
  if (entry.seq !== head.seq || key.sk !== `${SK_PREFIX.journal}${String(head.seq).padStart(12, '0')}`) throw new StoreCorruptError(`seq ${entry.seq} does not match the item's key`, key, 'entry.seq');
  // The event's own fields are carried through as written (the file journal does the same).
  return body as JournalEntry;
}

export function encodeBias(record: BiasRecord): Item & ItemKey {
  validateForWrite(biasSchema, record, `bias ${record.date}`);
  return {
    ...keys.bias(record.date),
    date: record.date,
    bias: record.bias,
    reasons: record.reasons,
    inputs: record.inputs,
    ruleVersion: record.ruleVersion,
    computedAtMs: record.computedAtMs,
    // The pre-market Lambda's reader (lambdas/pre-market/adapters.ts) requires the field.
    alert: null,
  };
}

export function decodeBias(item: Item): BiasRecord {
  const key = expectKind(item, 'BIAS');
  const b = parseOrCorrupt(biasSchema, item, key);
  if (key.sk !== b.date) throw new StoreCorruptError('does not match the sort key', key, 'date');
  return { date: b.date, bias: b.bias, reasons: b.reasons, inputs: b.inputs ?? {}, ruleVersion: b.ruleVersion, computedAtMs: b.computedAtMs };
}

/** The same day's bias: what was decided and from what (when it was computed does not matter). */
export function sameBias(a: BiasRecord, b: BiasRecord): boolean {
  return a.date === b.date && a.bias === b.bias && a.ruleVersion === b.ruleVersion && deepEqual(a.reasons, b.reasons) && deepEqual(a.inputs, b.inputs);
}

export function encodeBar(symbol: string, date: string, bar: Bar): Item & ItemKey {
  validateForWrite(barSchema, bar, `daily bar ${symbol} ${date}`);
  return { ...keys.dailyBar(symbol, date), startMs: bar.startMs, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
}

export function decodeBar(item: Item): Bar {
  const key = expectKind(item, 'BAR');
  return parseOrCorrupt(barSchema, item, key);
}

/** Kind of an item read from a day partition (unknown kinds are corrupt). */
export function kindOf(item: Item): ItemKind {
  const kind = item[ATTR.kind];
  switch (kind) {
    case 'LEASE':
    case 'BIAS':
    case 'SNAPSHOT':
    case 'ORDER':
    case 'BROKER_ORDER':
    case 'FILL':
    case 'POSITION':
    case 'TRADE':
    case 'SUMMARY':
    case 'JOURNAL':
    case 'BAR':
      return kind;
    default:
      throw new StoreCorruptError(`unknown item kind ${JSON.stringify(kind)}`, keyOf(item), ATTR.kind);
  }
}
