import type { z } from 'zod';
import type { BrokerStatus } from '../port';
import type { RateLimiter } from './rate-limiter';
import { ErrorBodySchema, describeZodError } from './wire';

/**
 * OpenAlgo REST transport: POST JSON with `apikey` in the body (brokers.md §1.1), one bounded
 * time per call (an AbortSignal covers the connect, the headers and the body), every 2xx body
 * parsed with zod. It classifies; it never decides what a failure means for an order.
 */
export type RestResult<T> =
  | { readonly kind: 'ok'; readonly data: T; readonly dateMs: number | null }
  /** A non-2xx answer; `message` is the body's `message` (or its text, shortened). */
  | { readonly kind: 'http'; readonly status: number; readonly message: string }
  /** No answer within the time limit: the server may or may not have acted. */
  | { readonly kind: 'timeout'; readonly message: string }
  /** The exchange of bytes failed. `notSent`: the connection was refused, so nothing arrived. */
  | { readonly kind: 'network'; readonly message: string; readonly notSent: boolean }
  /** A 2xx whose body is not JSON or does not match the schema (the message names the field path). */
  | { readonly kind: 'malformed'; readonly status: number; readonly message: string }
  /** Our own limiter refused to send it (the budget is exhausted): nothing was sent. */
  | { readonly kind: 'throttled'; readonly message: string };

export type RequestClass = 'order' | 'other';

export interface RestClientOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly limiters: Readonly<Record<RequestClass, RateLimiter>>;
  readonly onStatus: (s: BrokerStatus) => void;
  readonly fetch?: typeof fetch;
}

export interface CallOptions {
  readonly timeoutMs: number;
  readonly cls: RequestClass;
  /** Retries after a 429 (read-only calls only; never for orders). */
  readonly retries429?: number;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export class RestClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly opts: RestClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
  }

  async post<S extends z.ZodType>(endpoint: string, body: Record<string, unknown>, schema: S, call: CallOptions): Promise<RestResult<z.output<S>>> {
    let attempt = 0;
    for (;;) {
      const r = await this.once(endpoint, body, schema, call);
      if (r.kind === 'http' && r.status === 429 && attempt < (call.retries429 ?? 0) && !this.closed) {
        attempt += 1;
        continue; // the limiter was penalised: the next acquire waits out the backoff
      }
      return r;
    }
  }

  /** Abort every call in flight (their outcome is then `network`, i.e. unknown for orders). */
  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }

  private async once<S extends z.ZodType>(endpoint: string, body: Record<string, unknown>, schema: S, call: CallOptions): Promise<RestResult<z.output<S>>> {
    const source = `rest ${endpoint}`;
    if (this.closed) return { kind: 'network', message: `${endpoint}: client closed`, notSent: true };
    const limiter = this.opts.limiters[call.cls];
    if (!(await limiter.acquire())) return { kind: 'throttled', message: `${endpoint}: local rate budget exhausted; not sent` };
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, call.timeoutMs);
    this.inFlight.add(ctrl);
    try {
      const res = await this.fetchFn(`${this.base}/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ apikey: this.opts.apiKey, ...body }),
        signal: ctrl.signal,
      });
      const text = await res.text();
      const dateHeader = res.headers.get('date');
      const dateMs = dateHeader === null ? null : Date.parse(dateHeader);
      if (res.status === 429) {
        const backoffMs = limiter.penalise();
        this.opts.onStatus({ kind: 'rate_limited', source, backoffMs });
        return { kind: 'http', status: 429, message: errorMessage(text) };
      }
      limiter.succeeded();
      if (res.status < 200 || res.status > 299) {
        const message = errorMessage(text);
        if (res.status === 401 || res.status === 403) this.opts.onStatus({ kind: 'auth', source, message: `HTTP ${res.status}: ${message}` });
        else if (res.status >= 500) this.opts.onStatus({ kind: 'unavailable', source, message: `HTTP ${res.status}: ${message}` });
        return { kind: 'http', status: res.status, message };
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        const message = `${endpoint}: HTTP ${res.status} body is not JSON: ${shorten(text)}`;
        this.opts.onStatus({ kind: 'malformed', source, message });
        return { kind: 'malformed', status: res.status, message };
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const message = `${endpoint}: ${describeZodError(parsed.error)}`;
        this.opts.onStatus({ kind: 'malformed', source, message });
        return { kind: 'malformed', status: res.status, message };
      }
      return { kind: 'ok', data: parsed.data, dateMs: dateMs !== null && Number.isFinite(dateMs) ? dateMs : null };
    } catch (err) {
      if (timedOut) {
        const message = `${endpoint}: no answer within ${call.timeoutMs} ms`;
        this.opts.onStatus({ kind: 'unavailable', source, message });
        return { kind: 'timeout', message };
      }
      const code = causeCode(err);
      const message = `${endpoint}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
      this.opts.onStatus({ kind: 'unavailable', source, message });
      return { kind: 'network', message, notSent: code !== undefined && NOT_SENT_CODES.has(code) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ctrl);
    }
  }
}

function shorten(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

function errorMessage(text: string): string {
  try {
    const r = ErrorBodySchema.safeParse(JSON.parse(text));
    if (r.success && r.data.message !== undefined) {
      return typeof r.data.message === 'string' ? r.data.message : JSON.stringify(r.data.message);
    }
  } catch {
    /* not JSON: use the text */
  }
  return shorten(text) || '(empty body)';
}

/** undici puts the socket error's code on `err.cause` ("fetch failed" otherwise says nothing). */
function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? err.cause : undefined;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return undefined;
}
