import { inspect } from 'node:util';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { Clock } from '../engine/clock';
import type { Logger } from '../observability/log';
import { describeAwsError, withDeadline } from './sdk';

/**
 * The broker credentials, from the Secrets Manager secret the stack creates (`tfl/broker`,
 * TFL_BROKER_SECRET_ARN). The secret string is JSON:
 *
 *   { "apiKey": "…", "apiSecret": "…", "apiUrl": "https://…", "wsUrl": "wss://…" }
 *
 * `apiKey` is required; `apiSecret` (brokers that sign with one), `apiUrl` (REST base URL) and
 * `wsUrl` (market-data WebSocket) are optional; any other field is an error (a misspelt field
 * is caught at start, not at the first order). docs/runbook.md §1 has the operator's view.
 *
 * Read once and cached; re-read when the broker answers 401/403 (`onAuthFailure`), at most once
 * per `minRereadIntervalMs`, so a bad key does not hammer Secrets Manager. Every call is bounded.
 *
 * The secret's values never reach a log line or an error message: JSON and validation errors
 * name the field and the rule only (V8's JSON.parse message quotes the input, so it is never
 * used), SDK errors are reduced to their name and HTTP status, and the credentials object
 * serialises and inspects as redacted.
 */
export const brokerSecretSchema = z.strictObject({
  apiKey: z.string().trim().min(1),
  apiSecret: z.string().trim().min(1).optional(),
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  wsUrl: z.url({ protocol: /^wss?$/ }).optional(),
});

export interface BrokerCredentials {
  readonly apiKey: string;
  readonly apiSecret: string | null;
  readonly apiUrl: string | null;
  readonly wsUrl: string | null;
  /** Secrets Manager version the values came from (not secret; useful in logs). */
  readonly versionId: string | null;
}

export class BrokerSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerSecretError';
  }
}

const REDACTED = '[redacted broker credentials]';

/** Frozen credentials that print as redacted through JSON.stringify, util.inspect and String(). */
function credentials(parsed: z.infer<typeof brokerSecretSchema>, versionId: string | null): BrokerCredentials {
  const c = {
    apiKey: parsed.apiKey,
    apiSecret: parsed.apiSecret ?? null,
    apiUrl: parsed.apiUrl ?? null,
    wsUrl: parsed.wsUrl ?? null,
    versionId,
  };
  Object.defineProperties(c, {
    toJSON: { value: () => REDACTED, enumerable: false },
    toString: { value: () => REDACTED, enumerable: false },
    [inspect.custom]: { value: () => REDACTED, enumerable: false },
  });
  return Object.freeze(c);
}

/** Parse a secret string; errors name fields and rules, never values. */
export function parseBrokerSecret(secretString: string, source: string, versionId: string | null = null): BrokerCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(secretString);
  } catch {
    throw new BrokerSecretError(`${source}: the secret string is not valid JSON (expected {"apiKey": "…", …})`);
  }
  const parsed = brokerSecretSchema.safeParse(raw);
  if (parsed.success) return credentials(parsed.data, versionId);
  const problems = parsed.error.issues.map((i) => {
    const field = i.path.length > 0 ? i.path.map(String).join('.') : '(root)';
    return `field '${field}': ${i.message}`;
  });
  // Belt and braces: zod's messages do not quote inputs, but scrub every string the secret held.
  throw new BrokerSecretError(scrub(`${source}: ${problems.join('; ')}`, raw));
}

function scrub(text: string, raw: unknown): string {
  let out = text;
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(raw);
  for (const s of strings.sort((a, b) => b.length - a.length)) if (s.trim().length >= 4) out = out.split(s).join('***');
  return out;
}

export interface BrokerSecretOptions {
  readonly client: Pick<SecretsManagerClient, 'send'>;
  /** ARN or name of the secret. */
  readonly secretId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whole-call bound including SDK retries (default 5 s). */
  readonly callTimeoutMs?: number;
  /** After a re-read, further auth failures within this time use the cache (default 60 s). */
  readonly minRereadIntervalMs?: number;
}

export interface RereadResult {
  readonly credentials: BrokerCredentials;
  /** True when the re-read found a different key: retry with it. False: the key is bad, stop and alert. */
  readonly changed: boolean;
}

export class BrokerSecret {
  private readonly callTimeoutMs: number;
  private readonly minRereadMs: number;
  private readonly source: string;
  private cached: BrokerCredentials | null = null;
  private inFlight: Promise<BrokerCredentials> | null = null;
  private lastRereadMs: number | null = null;

  constructor(private readonly o: BrokerSecretOptions) {
    this.callTimeoutMs = o.callTimeoutMs ?? 5_000;
    this.minRereadMs = o.minRereadIntervalMs ?? 60_000;
    this.source = `broker secret ${o.secretId}`;
  }

  /** The cached credentials, read on first use. Rejects with a BrokerSecretError (safe to log). */
  get(): Promise<BrokerCredentials> {
    if (this.cached !== null) return Promise.resolve(this.cached);
    return this.fetch();
  }

  /**
   * The broker rejected the key (HTTP 401/403): read the secret again, unless that was done
   * within `minRereadIntervalMs`. Never rejects once credentials were read: a failed re-read
   * is logged and answers `changed: false` with the cached credentials.
   */
  async onAuthFailure(status: number): Promise<RereadResult> {
    const before = this.cached;
    if (before === null) return { credentials: await this.get(), changed: true };
    const now = this.o.clock.nowMs();
    if (this.lastRereadMs !== null && now - this.lastRereadMs < this.minRereadMs) return { credentials: before, changed: false };
    this.lastRereadMs = now;
    this.o.logger.warn('broker rejected the credentials; re-reading the secret', { status, secretId: this.o.secretId, versionId: before.versionId });
    try {
      const after = await this.fetch();
      const changed = after.apiKey !== before.apiKey || after.apiSecret !== before.apiSecret;
      if (!changed) this.o.logger.error('broker credentials rejected and the secret holds the same key: put a valid key into the secret', { secretId: this.o.secretId, status });
      return { credentials: after, changed };
    } catch (err) {
      this.o.logger.error('re-reading the broker secret failed', { error: err instanceof BrokerSecretError ? err.message : 'unexpected error' });
      return { credentials: before, changed: false };
    }
  }

  private fetch(): Promise<BrokerCredentials> {
    if (this.inFlight === null) {
      this.inFlight = this.read().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private async read(): Promise<BrokerCredentials> {
    let secretString: string | undefined;
    let versionId: string | null;
    try {
      const out = await withDeadline(this.callTimeoutMs, (abortSignal) => this.o.client.send(new GetSecretValueCommand({ SecretId: this.o.secretId }), { abortSignal }));
      secretString = out.SecretString;
      versionId = out.VersionId ?? null;
    } catch (err) {
      // Name and status only: an SDK error may carry the response, which is the secret.
      throw new BrokerSecretError(`${this.source}: GetSecretValue failed (${describeAwsError(err, { withMessage: false })})`);
    }
    if (secretString === undefined) throw new BrokerSecretError(`${this.source}: the secret has no SecretString (binary secrets are not supported)`);
    const creds = parseBrokerSecret(secretString, this.source, versionId);
    this.cached = creds;
    this.o.logger.info('broker secret read', {
      secretId: this.o.secretId,
      versionId,
      fields: (['apiKey', 'apiSecret', 'apiUrl', 'wsUrl'] as const).filter((k) => creds[k] !== null),
    });
    return creds;
  }
}
