import { z } from 'zod';

/**
 * The contract every streaming indicator honours (checked for all of them by
 * `contract.test.ts`).
 *
 * - `update(...)` consumes one closed bar (or price) in O(1) without allocating. It returns
 *   nothing on purpose: in V8 a function that returns a non-integer number boxes it in a fresh
 *   heap object whenever the call is not inlined, so a `number` result would allocate on every
 *   update at call sites the compiler does not inline. Read `value` (a tiny getter, which V8
 *   inlines even when its inlining budget is spent) and the other getters instead.
 * - `replace(...)` rewrites the newest input (the still-open bar) instead of appending one:
 *   `update(a); replace(b)` leaves exactly the state `update(b)` would have. Before any update it
 *   behaves as `update`. Only the newest input can be replaced (one level of undo).
 * - `value` is NaN until `isStable`; reading getters never changes state.
 * - `snapshot()` returns plain JSON (NaN is written as `null`, because JSON has no NaN);
 *   `restore(s)` validates `s` with zod, checks that it was taken from an indicator with the same
 *   parameters, and makes this instance continue exactly where the snapshotted one was.
 * - `reset()` returns to the freshly constructed state.
 */
export interface Indicator<Args extends readonly unknown[], Snapshot> {
  update(...args: Args): void;
  replace(...args: Args): void;
  readonly value: number;
  readonly isStable: boolean;
  reset(): void;
  snapshot(): Snapshot;
  restore(snapshot: unknown): void;
}

/** A number that may be NaN in memory; stored as `null` in a snapshot. */
export const zNumberOrNaN = z.number().nullable();
export const zCount = z.number().int().nonnegative();
export const zPeriod = z.number().int().positive();

/** NaN (and, defensively, ±Infinity) → null, so the snapshot survives JSON.stringify. */
export function toJson(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function fromJson(x: number | null): number {
  return x === null ? Number.NaN : x;
}

export function ringToJson(ring: Float64Array): (number | null)[] {
  return Array.from(ring, toJson);
}

export function ringFromJson(target: Float64Array, source: readonly (number | null)[], what: string): void {
  if (source.length !== target.length) {
    throw new Error(`invalid ${what} snapshot: buffer has ${source.length} values, expected ${target.length}`);
  }
  for (let i = 0; i < source.length; i++) target[i] = fromJson(source[i] ?? null);
}

/** Parse a snapshot with its schema; the error names the indicator and the offending field. */
export function parseSnapshot<T>(schema: z.ZodType<T>, snapshot: unknown, what: string): T {
  const parsed = schema.safeParse(snapshot);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new Error(`invalid ${what} snapshot: ${where}`);
  }
  return parsed.data;
}

/** A snapshot taken with other parameters must not be restored silently into this instance. */
export function expectParam(what: string, name: string, expected: number, actual: number): void {
  if (expected !== actual) {
    throw new Error(`${what} snapshot has ${name}=${actual}, this instance has ${name}=${expected}`);
  }
}

export function assertPeriod(what: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what}: ${name} must be a positive integer, got ${value}`);
  }
}
