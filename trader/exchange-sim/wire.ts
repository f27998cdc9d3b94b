import { z } from 'zod';
import type { Exchange } from '../domain/instrument';
import type { PriceType, Product, Side } from '../domain/order';
import { IST_OFFSET_MS } from '../domain/time';

/**
 * OpenAlgo REST request schemas (brokers.md §1, restx_api/schemas.py) checked with zod field by
 * field, so a bad request gets OpenAlgo's marshmallow-style 400 body:
 * `{"status":"error","message":"{'strategy': ['Missing data for required field.']}"}`.
 */

/** utils/constants.py VALID_EXCHANGES. */
const VALID_EXCHANGES = ['NSE', 'NFO', 'CDS', 'BSE', 'BFO', 'BCD', 'MCX', 'NCDEX', 'NCO', 'NSE_INDEX', 'BSE_INDEX', 'MCX_INDEX', 'GLOBAL_INDEX', 'CRYPTO'] as const;

const MISSING = 'Missing data for required field.';

// ---------------------------------------------------------------- marshmallow-like fields

const str = z.string({ error: 'Not a valid string.' });

/** marshmallow fields.Float: numbers or numeric strings; not booleans, NaN or infinities. */
const float = z.unknown().transform((v, ctx): number => {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) n = Number(v);
  else {
    ctx.addIssue({ code: 'custom', message: 'Not a valid number.' });
    return z.NEVER;
  }
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: 'Special numeric values (nan or infinity) are not permitted.' });
    return z.NEVER;
  }
  return n;
});

function oneOf<const T extends readonly string[]>(values: T): z.ZodType<T[number]> {
  return str.refine((s): s is T[number] => values.includes(s), { message: `Must be one of: ${values.join(', ')}.` });
}

const action = oneOf(['BUY', 'SELL', 'buy', 'sell'] as const).transform((s) => s.toUpperCase() as Side);
const exchange = oneOf(VALID_EXCHANGES);
const pricetype = oneOf(['MARKET', 'LIMIT', 'SL', 'SL-M'] as const);
const product = oneOf(['MIS', 'NRML', 'CNC'] as const);
const quantity = float
  .refine((n) => n > 0, { message: 'Quantity must be a positive number.' })
  .refine((n) => Number.isInteger(n), { message: 'Quantity must be a whole number.' });
const nonNegative = (what: string): z.ZodType<number> => float.refine((n) => n >= 0, { message: `${what} must be a non-negative number.` });

interface FieldDef<T> {
  readonly schema: z.ZodType<T, unknown>;
  /** Absent = required. */
  readonly default?: T;
}

export type Fields = Record<string, FieldDef<unknown>>;
export type Parsed<F extends Fields> = { [K in keyof F]: F[K] extends FieldDef<infer T> ? T : never };

const R = <T>(schema: z.ZodType<T, unknown>): FieldDef<T> => ({ schema });
const D = <T>(schema: z.ZodType<T, unknown>, dflt: T): FieldDef<T> => ({ schema, default: dflt });

export const PlaceOrderFields = {
  apikey: R(str),
  strategy: R(str),
  exchange: R(exchange),
  symbol: R(str),
  action: R(action),
  quantity: R(quantity),
  pricetype: D(pricetype, 'MARKET'),
  product: D(product, 'MIS'),
  price: D(nonNegative('Price'), 0),
  trigger_price: D(nonNegative('Trigger price'), 0),
  disclosed_quantity: D(nonNegative('Disclosed quantity'), 0),
} satisfies Fields;

/** Every field is required on /modifyorder (brokers.md §1.2). */
export const ModifyOrderFields = {
  apikey: R(str),
  strategy: R(str),
  exchange: R(exchange),
  symbol: R(str),
  orderid: R(str),
  action: R(action),
  product: R(product),
  pricetype: R(pricetype),
  price: R(nonNegative('Price')),
  quantity: R(quantity),
  disclosed_quantity: R(nonNegative('Disclosed quantity')),
  trigger_price: R(nonNegative('Trigger price')),
} satisfies Fields;

export const CancelOrderFields = { apikey: R(str), strategy: R(str), orderid: R(str) } satisfies Fields;
export const OrderStatusFields = { apikey: R(str), strategy: R(str), orderid: R(str) } satisfies Fields;
export const OpenPositionFields = {
  apikey: R(str),
  strategy: R(str),
  symbol: R(str),
  exchange: R(exchange),
  product: R(product),
} satisfies Fields;
export const ApiKeyFields = { apikey: R(str) } satisfies Fields;

const HISTORY_INTERVALS = ['1m', '2m', '3m', '5m', '10m', '15m', '20m', '30m', '1h', 'D'] as const;
export type HistoryInterval = (typeof HISTORY_INTERVALS)[number];
const dateKey = str.refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s), { message: 'Not a valid date.' });
export const HistoryFields = {
  apikey: R(str),
  symbol: R(str),
  exchange: R(exchange),
  interval: R(oneOf(HISTORY_INTERVALS)),
  start_date: R(dateKey),
  end_date: R(dateKey),
  source: D(oneOf(['api', 'db'] as const), 'api'),
} satisfies Fields;

export type PlaceOrderBody = Parsed<typeof PlaceOrderFields>;
export type ModifyOrderBody = Parsed<typeof ModifyOrderFields>;
export type CancelOrderBody = Parsed<typeof CancelOrderFields>;
export type HistoryBody = Parsed<typeof HistoryFields>;

export type LoadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * marshmallow's `Schema().load(data)`: every declared field is checked, errors are collected per
 * field in declaration order and rendered as Python's `str(dict)`. Unknown fields are ignored.
 */
export function loadSchema<F extends Fields>(fields: F, body: unknown): LoadResult<Parsed<F>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: pyErrors([['_schema', ['Invalid input type.']]]) };
  }
  const src = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const errors: [string, string[]][] = [];
  for (const [name, def] of Object.entries(fields)) {
    const raw = src[name];
    if (raw === undefined) {
      if (!('default' in def)) errors.push([name, [MISSING]]);
      else out[name] = def.default;
      continue;
    }
    if (raw === null) {
      errors.push([name, ['Field may not be null.']]);
      continue;
    }
    const r = def.schema.safeParse(raw);
    if (r.success) out[name] = r.data;
    else errors.push([name, r.error.issues.map((i) => i.message)]);
  }
  if (errors.length > 0) return { ok: false, message: pyErrors(errors) };
  return { ok: true, value: out as Parsed<F> };
}

/** Python's repr of a str. */
export function pyStr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s.replace(/\\/g, '\\\\')}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pyErrors(errors: readonly (readonly [string, readonly string[]])[]): string {
  return `{${errors.map(([k, msgs]) => `${pyStr(k)}: [${msgs.map(pyStr).join(', ')}]`).join(', ')}}`;
}

// ---------------------------------------------------------------- response formatting

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenAlgo's order and trade time: `"28-Aug-2025 09:59:10"` in IST. */
export function openAlgoTime(epochMs: number): string {
  const d = new Date(epochMs + IST_OFFSET_MS);
  const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
  return `${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()] ?? '???'}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Paise → rupees as a JSON number. */
export function rupees(paise: number): number {
  return Math.round(paise) / 100;
}

/** Paise → rupees as OpenAlgo's two-decimal string (positionbook, funds). */
export function rupeeString(paise: number): string {
  return (Math.round(paise) / 100).toFixed(2);
}

/** The exchange's wire status for our order states (brokers.md §1.3). */
export type WireStatus = 'open' | 'trigger pending' | 'complete' | 'rejected' | 'cancelled';

/** Request terms in domain units, shared by place and modify. */
export interface OrderTermsWire {
  readonly symbol: string;
  readonly exchange: Exchange;
  readonly side: Side;
  readonly qty: number;
  readonly product: Product;
  readonly priceType: PriceType;
  readonly price: number;
  readonly triggerPrice: number;
}
