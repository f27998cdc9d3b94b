import { z } from 'zod';

const ms = (def: number, max = 600_000) => z.number().int().min(1).max(max).default(def);

/**
 * The OpenAlgo adapter's configuration, parsed once by the composition root. Defaults follow
 * brokers.md: OpenAlgo allows 10 order requests and 50 other requests per second per client IP
 * and sends no Retry-After, so the adapter paces itself and backs off on its own.
 */
export const openAlgoConfigSchema = z.strictObject({
  /** REST base, e.g. http://127.0.0.1:5000/api/v1 (endpoints are appended: `${apiUrl}/placeorder`). */
  apiUrl: z.url({ protocol: /^https?$/ }),
  /** WebSocket proxy, e.g. ws://127.0.0.1:8765. */
  wsUrl: z.url({ protocol: /^wss?$/ }),
  apiKey: z.string().min(1),
  /** OpenAlgo's `strategy` label: required on several endpoints, never reaches the exchange. */
  strategy: z.string().min(1).max(64),
  timeouts: z
    .strictObject({
      /** placeorder / modifyorder / cancelorder: past this the outcome is `unknown`. */
      orderMs: ms(5_000, 60_000),
      /** Books, positions, funds, ping. */
      readMs: ms(5_000, 60_000),
      historyMs: ms(20_000),
      /** WebSocket open + authenticate + subscribe_orders. */
      wsHandshakeMs: ms(10_000, 60_000),
    })
    .prefault({}),
  /** Backstop poll of the order book and trade book while any of our orders is open. */
  pollIntervalMs: ms(3_000),
  rateLimit: z
    .strictObject({
      ordersPerSec: z.number().int().min(1).max(1_000).default(10),
      otherPerSec: z.number().int().min(1).max(1_000).default(50),
      /** A request that would wait longer than this for a slot is not sent (a definitive "not placed"). */
      maxWaitMs: ms(2_000, 60_000),
      /** After a 429: pause that class of requests, doubling per consecutive 429 up to the max. */
      backoffInitialMs: ms(1_000, 60_000),
      backoffMaxMs: ms(10_000, 300_000),
      /** Read-only calls (books, history) are retried after a 429 at most this many times. */
      readRetries: z.number().int().min(0).max(5).default(2),
    })
    .prefault({}),
  reconnect: z
    .strictObject({ initialMs: ms(250, 60_000), maxMs: ms(30_000) })
    .prefault({}),
  /** Protocol ping cadence and the pong deadline (a half-open socket is terminated). */
  wsPingIntervalMs: ms(20_000),
  wsPongTimeoutMs: ms(10_000),
  /**
   * findOrder accepts book rows timestamped this much before `sentAtMs` (the book has whole
   * seconds; our clock and the broker's may differ slightly).
   */
  findOrderSlackMs: z.number().int().min(0).max(60_000).default(1_000),
  /**
   * 'ours': events only for orders linked to our client ids, or unlinked ones that match a
   * placement still awaiting its answer (a fill before the POST response). 'all': every order in
   * the account (OpenAlgo's books and order stream are account-wide).
   */
  eventScope: z.enum(['ours', 'all']).default('ours'),
});

export type OpenAlgoConfig = z.infer<typeof openAlgoConfigSchema>;
export type OpenAlgoConfigInput = z.input<typeof openAlgoConfigSchema>;
