import { ItemStateStore } from './dynamo/item-state-store';
import { LEASE_ATTR, type Item, type ItemTable, type QueryOptions, type SkRange, type WriteCondition } from './dynamo/item-table';
import { ATTR, type ItemKey } from './schema';

/**
 * `--store memory` and unit tests: the state table held in a Map, with DynamoDB's rules — the
 * same item format, the same conditions (evaluated here in code), copies in and out (nothing
 * shares objects with the caller), undefined attributes dropped. The StateStore logic on top is
 * the DynamoDB adapter's own (`ItemStateStore`), so both behave alike by construction; the
 * shared contract suite (`state-store.contract.ts`) checks it.
 */
export class MemoryItemTable implements ItemTable {
  readonly description = 'memory';
  private readonly partitions = new Map<string, Map<string, Item>>();
  private closed = false;

  put(item: Item & ItemKey, condition: WriteCondition): Promise<boolean> {
    this.assertOpen();
    const partition = this.partitions.get(item.pk) ?? new Map<string, Item>();
    if (!holds(partition.get(item.sk) ?? null, condition)) return Promise.resolve(false);
    partition.set(item.sk, copy(item) as Item);
    this.partitions.set(item.pk, partition);
    return Promise.resolve(true);
  }

  delete(key: ItemKey, condition: WriteCondition): Promise<boolean> {
    this.assertOpen();
    const partition = this.partitions.get(key.pk);
    if (!holds(partition?.get(key.sk) ?? null, condition)) return Promise.resolve(false);
    partition?.delete(key.sk);
    return Promise.resolve(true);
  }

  get(key: ItemKey): Promise<Item | null> {
    this.assertOpen();
    const item = this.partitions.get(key.pk)?.get(key.sk);
    return Promise.resolve(item === undefined ? null : (copy(item) as Item));
  }

  query(pk: string, range: SkRange | null, options: QueryOptions = {}): Promise<Item[]> {
    this.assertOpen();
    const partition = this.partitions.get(pk);
    if (partition === undefined) return Promise.resolve([]);
    const sks = [...partition.keys()].filter((sk) => inRange(sk, range)).sort();
    if (options.reverse === true) sks.reverse();
    const picked = options.limit === undefined ? sks : sks.slice(0, options.limit);
    const out: Item[] = [];
    for (const sk of picked) {
      const item = partition.get(sk);
      if (item !== undefined) out.push(copy(item) as Item);
    }
    return Promise.resolve(out);
  }

  /** Tests: store an item as is, bypassing validation (a corrupt item, another writer's item). */
  putRaw(item: Item & ItemKey): void {
    const partition = this.partitions.get(item.pk) ?? new Map<string, Item>();
    partition.set(item.sk, copy(item) as Item);
    this.partitions.set(item.pk, partition);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory state store: used after close');
  }
}

export class MemoryStateStore extends ItemStateStore {
  constructor(readonly memoryTable: MemoryItemTable = new MemoryItemTable()) {
    super(memoryTable);
  }
}

/** The condition as DynamoDB would evaluate it against the stored item (null: none stored). */
export function holds(stored: Item | null, condition: WriteCondition): boolean {
  switch (condition.kind) {
    case 'none':
      return true;
    case 'absent':
      return stored === null;
    case 'version':
      return stored !== null && stored[ATTR.version] === condition.expected;
    case 'absentOrAtMost': {
      if (stored === null) return true;
      const v = stored[condition.attr];
      return typeof v === 'number' && v <= condition.value;
    }
    case 'leaseFree': {
      if (stored === null) return true;
      const expires = stored[LEASE_ATTR.expiresAtMs];
      return (typeof expires === 'number' && expires <= condition.nowMs) || stored[LEASE_ATTR.owner] === condition.owner;
    }
    case 'owner':
      return stored !== null && stored[LEASE_ATTR.owner] === condition.owner;
  }
}

function inRange(sk: string, range: SkRange | null): boolean {
  if (range === null) return true;
  switch (range.op) {
    case 'begins_with':
      return sk.startsWith(range.value);
    case '<':
      return sk < range.value;
    case '<=':
      return sk <= range.value;
    case '>':
      return sk > range.value;
  }
}

/** A deep copy as DynamoDB would store it: undefined attributes dropped, binary copied. */
function copy(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = copy(v);
    return out;
  }
  return value;
}
