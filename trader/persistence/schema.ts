/**
 * The one definition of TFL's DynamoDB state: the table shape the CDK State stack creates and
 * the key builders the trader (and the pre-market Lambda) use to address items.
 *
 * Pure module: no AWS SDK or CDK imports, so `lib/` (infrastructure) and `trader/` (runtime)
 * both import it and can never disagree about a key name or a key format.
 *
 * Design (issue 3 §1, reliability.md §0/§2): every state change is a single-item conditional
 * write, never a transaction. Hence one table with a generic `pk`/`sk`:
 *
 * | item                    | pk                      | sk                          |
 * | ----------------------- | ----------------------- | --------------------------- |
 * | session lease           | `PROFILE#<profile>`     | `LEASE`                     |
 * | bias for a date         | `BIAS`                  | `<date>`                    |
 * | strategy snapshot       | `<profile>#<date>`      | `SNAP#<strategy>`           |
 * | order intent / order    | `<profile>#<date>`      | `ORDER#<clientOrderId>`     |
 * | broker order pointer    | `<profile>#<date>`      | `BROKER_ORDER#<brokerId>`   |
 * | fill                    | `<profile>#<date>`      | `FILL#<executionId>`        |
 * | position                | `<profile>#<date>`      | `POS#<symbol>`              |
 * | trade (round trip)      | `<profile>#<date>`      | `TRADE#<tradeId>`           |
 * | daily summary           | `<profile>#<date>`      | `SUMMARY`                   |
 * | journal entry           | `<profile>#<date>`      | `JOURNAL#<seq, 12 digits>`  |
 * | daily bar               | `BARS#<symbol>`         | `<date>`                    |
 *
 * A whole trading day of one profile is one partition, so restore-on-start is one Query
 * (`pk = <profile>#<date>`, optionally `begins_with(sk, 'ORDER#')`). The bias and bars partitions
 * are keyed by date in the sort key, so "latest N" is a reverse Query with a limit.
 * The `byKind` GSI (`gsi1pk = <profile>#<KIND>`, `gsi1sk = <date>#<id>`) lists one kind across
 * days (trades or summaries for a date range) without scanning; only items that set the GSI
 * attributes are projected (sparse index).
 *
 * Dates are IST date keys 'YYYY-MM-DD'. Key components must not contain '#'.
 */

/** Attribute names, shared by the table definition and every reader/writer. */
export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  /** Item kind (one of ITEM_KINDS), stored on every item. */
  kind: 'kind',
  /** Optimistic-concurrency version for guarded state transitions (`ver = :expected`). */
  version: 'ver',
  /** TTL attribute: epoch SECONDS; items without it never expire. */
  expiresAt: 'expiresAt',
} as const;

export type KeyType = 'S' | 'N' | 'B';

export interface KeyDefinition {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  /** Projection: ALL (sparse index, small items). */
  readonly projection: 'ALL';
}

export interface TableDefinition {
  /** Logical id of the table in the State stack and the suffix of its physical name. */
  readonly id: string;
  readonly nameSuffix: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute: string;
  readonly billing: 'PAY_PER_REQUEST';
}

export const BY_KIND_INDEX = 'byKind';

/** The state table. The CDK stack builds it from this object; the trader's dynalite setup too. */
export const STATE_TABLE: TableDefinition = {
  id: 'State',
  nameSuffix: 'state',
  partitionKey: { name: ATTR.pk, type: 'S' },
  sortKey: { name: ATTR.sk, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_KIND_INDEX,
      partitionKey: { name: ATTR.gsi1pk, type: 'S' },
      sortKey: { name: ATTR.gsi1sk, type: 'S' },
      projection: 'ALL',
    },
  ],
  timeToLiveAttribute: ATTR.expiresAt,
  billing: 'PAY_PER_REQUEST',
};

/** Physical table name for a deployment prefix ('tfl' → 'tfl-state'). */
export function stateTableName(prefix: string): string {
  assertComponent('prefix', prefix);
  return `${prefix}-${STATE_TABLE.nameSuffix}`;
}

export const ITEM_KINDS = [
  'LEASE',
  'BIAS',
  'SNAPSHOT',
  'ORDER',
  'BROKER_ORDER',
  'FILL',
  'POSITION',
  'TRADE',
  'SUMMARY',
  'JOURNAL',
  'BAR',
] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** A key plus the item kind, so writers can spread it into the item (`{ ...key, ...data }`). */
export interface KeyedItem extends ItemKey {
  readonly kind: ItemKind;
}

const DATE_KEY = /^\d{4}-\d{2}-\d{2}$/;
const PROFILE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function assertComponent(field: string, value: string): void {
  if (value.length === 0) throw new Error(`schema key: ${field} is empty`);
  if (value.includes('#')) throw new Error(`schema key: ${field} '${value}' contains '#'`);
}

function assertDate(date: string): void {
  if (!DATE_KEY.test(date)) throw new Error(`schema key: date '${date}' is not YYYY-MM-DD`);
}

/** Profile names are lower-case slugs (they also name SSM parameters, log streams and units). */
export function isValidProfileName(profile: string): boolean {
  return PROFILE.test(profile);
}

function assertProfile(profile: string): void {
  if (!isValidProfileName(profile)) throw new Error(`schema key: profile '${profile}' must match ${PROFILE.source}`);
}

/** The partition holding one profile's trading day. */
export function dayPartition(profile: string, date: string): string {
  assertProfile(profile);
  assertDate(date);
  return `${profile}#${date}`;
}

function dayItem(kind: ItemKind, profile: string, date: string, sk: string): KeyedItem {
  return { pk: dayPartition(profile, date), sk, kind };
}

/** Sort-key prefixes for `begins_with` queries inside a day partition. */
export const SK_PREFIX = {
  snapshot: 'SNAP#',
  order: 'ORDER#',
  brokerOrder: 'BROKER_ORDER#',
  fill: 'FILL#',
  position: 'POS#',
  trade: 'TRADE#',
  journal: 'JOURNAL#',
} as const;

export const keys = {
  /** One lease per profile (not per day): two traders on one profile must never overlap. */
  lease(profile: string): KeyedItem {
    assertProfile(profile);
    return { pk: `PROFILE#${profile}`, sk: 'LEASE', kind: 'LEASE' };
  },
  bias(date: string): KeyedItem {
    assertDate(date);
    return { pk: 'BIAS', sk: date, kind: 'BIAS' };
  },
  snapshot(profile: string, date: string, strategy: string): KeyedItem {
    assertComponent('strategy', strategy);
    return dayItem('SNAPSHOT', profile, date, `${SK_PREFIX.snapshot}${strategy}`);
  },
  order(profile: string, date: string, clientOrderId: string): KeyedItem {
    assertComponent('clientOrderId', clientOrderId);
    return dayItem('ORDER', profile, date, `${SK_PREFIX.order}${clientOrderId}`);
  },
  /** Pointer from a broker order id to our client order id (brokers without client ids). */
  brokerOrder(profile: string, date: string, brokerOrderId: string): KeyedItem {
    assertComponent('brokerOrderId', brokerOrderId);
    return dayItem('BROKER_ORDER', profile, date, `${SK_PREFIX.brokerOrder}${brokerOrderId}`);
  },
  fill(profile: string, date: string, executionId: string): KeyedItem {
    assertComponent('executionId', executionId);
    return dayItem('FILL', profile, date, `${SK_PREFIX.fill}${executionId}`);
  },
  position(profile: string, date: string, symbol: string): KeyedItem {
    assertComponent('symbol', symbol);
    return dayItem('POSITION', profile, date, `${SK_PREFIX.position}${symbol}`);
  },
  trade(profile: string, date: string, tradeId: string): KeyedItem {
    assertComponent('tradeId', tradeId);
    return dayItem('TRADE', profile, date, `${SK_PREFIX.trade}${tradeId}`);
  },
  summary(profile: string, date: string): KeyedItem {
    return dayItem('SUMMARY', profile, date, 'SUMMARY');
  },
  /** Journal entries sort by sequence: zero-padded so lexical order is numeric order. */
  journal(profile: string, date: string, seq: number): KeyedItem {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 1e12) throw new Error(`schema key: journal seq ${seq} out of range`);
    return dayItem('JOURNAL', profile, date, `${SK_PREFIX.journal}${String(seq).padStart(12, '0')}`);
  },
  dailyBar(symbol: string, date: string): KeyedItem {
    assertComponent('symbol', symbol);
    assertDate(date);
    return { pk: `BARS#${symbol}`, sk: date, kind: 'BAR' };
  },
} as const;

/** GSI attributes for the sparse `byKind` index (set them on items worth listing across days). */
export function byKindAttributes(profile: string, kind: ItemKind, date: string, id = ''): Record<'gsi1pk' | 'gsi1sk', string> {
  assertProfile(profile);
  assertDate(date);
  return { [ATTR.gsi1pk]: `${profile}#${kind}`, [ATTR.gsi1sk]: id === '' ? date : `${date}#${id}` };
}

/** Partition keys for queries. */
export const partitions = {
  bias: 'BIAS',
  day: dayPartition,
  bars(symbol: string): string {
    assertComponent('symbol', symbol);
    return `BARS#${symbol}`;
  },
} as const;

/** Condition expression for "create once" writes (intents, fills, bias): the key must be new. */
export const PUT_ONCE_CONDITION = `attribute_not_exists(${ATTR.pk})`;
