import { z } from 'zod';
import { WireNumberSchema } from '../../market-data/openalgo-ws';

/**
 * OpenAlgo REST responses (brokers.md §1), parsed once at the boundary. Objects are loose (new
 * fields are fine), the fields we use are strict: a drifted field fails the whole answer with its
 * path, because half a book is worse than none (a missing row would read as "no such order").
 * Numbers may arrive as numeric strings (the docs show strings; brokers differ).
 */

const num = WireNumberSchema;
const text = z.string();

/** `{"status":"error","message":...}`: any non-2xx body that parses as JSON. */
export const ErrorBodySchema = z.looseObject({ status: z.string().optional(), message: z.unknown().optional() });

/** placeorder / modifyorder / cancelorder success. `orderid` is checked separately (§0.8, §0.6). */
export const OrderAckSchema = z.looseObject({
  status: z.literal('success'),
  orderid: z.unknown().optional(),
  mode: z.string().optional(),
  message: z.string().optional(),
});

export const OrderRowSchema = z.looseObject({
  orderid: z.string().min(1),
  symbol: z.string().min(1),
  exchange: z.string().min(1),
  action: z.string().min(1),
  product: z.string().min(1),
  pricetype: z.string().min(1),
  quantity: num.pipe(z.number().int().positive()),
  price: num.nullish(),
  trigger_price: num.nullish(),
  order_status: z.string().min(1),
  timestamp: text.nullish(),
  rejection_reason: text.nullish(),
});
export type OrderRow = z.infer<typeof OrderRowSchema>;

export const OrderBookSchema = z.looseObject({
  status: z.literal('success'),
  data: z.looseObject({ orders: z.array(OrderRowSchema) }),
});

const idLike = z.union([z.string().min(1), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String)]);

export const TradeRowSchema = z.looseObject({
  orderid: z.string().min(1),
  symbol: z.string().min(1),
  exchange: z.string().min(1),
  action: z.string().min(1),
  product: z.string().min(1),
  quantity: num.pipe(z.number().int().positive()),
  average_price: num.pipe(z.number().positive()),
  timestamp: text.nullish(),
  /** Not in OpenAlgo's mapped tradebook today; used as the execution id when a source sends one. */
  tradeid: idLike.nullish(),
  trade_id: idLike.nullish(),
});
export type TradeRow = z.infer<typeof TradeRowSchema>;

export const TradeBookSchema = z.looseObject({ status: z.literal('success'), data: z.array(TradeRowSchema) });

export const PositionRowSchema = z.looseObject({
  symbol: z.string().min(1),
  exchange: z.string().min(1),
  product: z.string().min(1),
  quantity: num.pipe(z.number().int()),
  average_price: num.pipe(z.number().nonnegative()),
});
export const PositionBookSchema = z.looseObject({ status: z.literal('success'), data: z.array(PositionRowSchema) });

export const FundsSchema = z.looseObject({
  status: z.literal('success'),
  /** Empty `data` means an expired broker session (§0.7): checked by the caller. */
  data: z.looseObject({
    availablecash: num.optional(),
    collateral: num.optional(),
    m2mrealized: num.optional(),
    m2munrealized: num.optional(),
    utiliseddebits: num.optional(),
  }),
});

export const PingSchema = z.looseObject({
  status: z.literal('success'),
  data: z.looseObject({ message: z.string().optional(), broker: z.string().optional() }).optional(),
});

export const HistoryIntervalSchema = z.enum([
  '1s', '5s', '10s', '15s', '30s', '45s',
  '1m', '2m', '3m', '5m', '10m', '15m', '20m', '30m',
  '1h', '2h', '3h', '4h', 'D', 'W', 'M', 'Q', 'Y',
]);
export type HistoryInterval = z.infer<typeof HistoryIntervalSchema>;

const price = num.pipe(z.number().positive());
export const HistoryBarSchema = z
  .looseObject({
    /** Epoch seconds (history_service.py). */
    timestamp: num.pipe(z.number().int().positive().max(1e11)),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: num.pipe(z.number().nonnegative()).optional(),
  })
  .refine((b) => b.high >= Math.max(b.open, b.close, b.low) && b.low <= Math.min(b.open, b.close), {
    message: 'high/low do not bound open/close',
  });
export const HistorySchema = z.looseObject({ status: z.literal('success'), data: z.array(HistoryBarSchema) });

/** "data.orders.3.price: Invalid input; ..." */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
