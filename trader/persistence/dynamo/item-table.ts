import type { ItemKey } from '../schema';

/**
 * The narrow table interface the state store is written against: single-item conditional puts
 * and deletes, consistent gets and key-range queries over one `pk`/`sk` table (schema.ts).
 * Two implementations: DynamoDB (`DynamoItemTable`) and memory (`MemoryItemTable`). Conditions are
 * a closed set of data values, not expression strings, so both evaluate exactly the same rules.
 */

/** A stored item as plain data: key attributes, `kind`, and the payload attributes. */
export type Item = Readonly<Record<string, unknown>>;

export type WriteCondition =
  /** Unconditional (idempotent overwrites: summaries, daily bars). */
  | { readonly kind: 'none' }
  /** Create once: `attribute_not_exists(pk)`. */
  | { readonly kind: 'absent' }
  /** Guarded transition: `ver = :expected`. */
  | { readonly kind: 'version'; readonly expected: number }
  /** Monotonic overwrite: new, or the stored `attr` is ≤ `value` (a stale write never wins). */
  | { readonly kind: 'absentOrAtMost'; readonly attr: string; readonly value: number }
  /** Lease take: free, expired (`expiresAtMs <= now`) or already ours. */
  | { readonly kind: 'leaseFree'; readonly owner: string; readonly nowMs: number }
  /** Lease renew / release: held by `owner`. */
  | { readonly kind: 'owner'; readonly owner: string };

/** One sort-key condition (DynamoDB allows exactly one in a key condition). */
export type SkRange =
  | { readonly op: 'begins_with'; readonly value: string }
  | { readonly op: '<'; readonly value: string }
  | { readonly op: '<='; readonly value: string }
  | { readonly op: '>'; readonly value: string };

export interface QueryOptions {
  /** Descending sort-key order. */
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface ItemTable {
  readonly description: string;
  /** false when the condition failed (nothing written). */
  put(item: Item & ItemKey, condition: WriteCondition): Promise<boolean>;
  /** false when the condition failed (nothing deleted). */
  delete(key: ItemKey, condition: WriteCondition): Promise<boolean>;
  /** Strongly consistent read. */
  get(key: ItemKey): Promise<Item | null>;
  /** Items of one partition in sort-key order (all pages), strongly consistent. */
  query(pk: string, range: SkRange | null, options?: QueryOptions): Promise<Item[]>;
  close(): Promise<void>;
}

/** Lease attributes, shared by the condition evaluators. */
export const LEASE_ATTR = { owner: 'owner', expiresAtMs: 'expiresAtMs' } as const;
