import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Shared settings for the trader's AWS SDK clients: every call is bounded.
 *
 * - `requestTimeout` with `throwOnRequestTimeout: true` fails one hung attempt (without the flag
 *   the handler only logs a warning and the call can hang forever);
 * - `maxAttempts` bounds the retries;
 * - `withDeadline` bounds the whole call (attempts + back-off) with an AbortSignal.
 *
 * `endpoint` and `credentials` exist for tests against a local fake; in AWS they are left out
 * (regional endpoint or VPC endpoint DNS, instance-role credentials).
 */
export interface SdkClientOptions {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** One attempt (default 2 s). */
  readonly requestTimeoutMs?: number;
  /** TCP/TLS connect (default 1 s). */
  readonly connectionTimeoutMs?: number;
  /** Attempts including the first (default 2). */
  readonly maxAttempts?: number;
}

export interface SdkClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
  readonly requestHandler: NodeHttpHandler;
}

export function sdkClientConfig(o: SdkClientOptions): SdkClientConfig {
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: o.connectionTimeoutMs ?? 1_000,
    requestTimeout: o.requestTimeoutMs ?? 2_000,
    throwOnRequestTimeout: true,
  });
  const base = { region: o.region, maxAttempts: o.maxAttempts ?? 2, requestHandler };
  return {
    ...base,
    ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
    ...(o.credentials === undefined ? {} : { credentials: o.credentials }),
  };
}

/** Runs `call` with a signal that aborts after `ms`; the SDK rejects with an AbortError then. */
export async function withDeadline<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return call(AbortSignal.timeout(ms));
}

/**
 * A short, log-safe description of an SDK failure: the error's name, the HTTP status when there
 * was a response and, only when asked, the service's message. Never the response body or the
 * request (a secret's value must not leak through an error).
 */
export function describeAwsError(err: unknown, opts: { readonly withMessage: boolean }): string {
  if (!(err instanceof Error)) return 'non-error thrown';
  const status = httpStatus(err);
  const parts = [err.name === 'AbortError' ? 'AbortError (call deadline passed)' : err.name === 'TimeoutError' ? 'TimeoutError (request timeout)' : err.name];
  if (status !== null) parts.push(`HTTP ${status}`);
  let text = parts.join(', ');
  if (opts.withMessage && err.message !== '') text += `: ${err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message}`;
  return text;
}

function httpStatus(err: Error): number | null {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : null;
}
