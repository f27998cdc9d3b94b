import { inspect } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerSecret, BrokerSecretError, parseBrokerSecret } from '../trader/aws/broker-secret';
import { sdkClientConfig } from '../trader/aws/sdk';
import { JsonLogger } from '../trader/observability/log';
import { CapturingLogger, ManualClock, fakeSdkOptions, json, jsonError, startFakeAws } from './support/fake-aws';
import type { FakeAws, FakeAwsHandler } from './support/fake-aws';

const ARN = 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:tfl/broker-AbCdEf';
const KEY = 'oa-live-KEY-7f3c9e1d2b';
const KEY2 = 'oa-live-KEY-rotated-55aa';

function secret(value: string, versionId = 'v1') {
  return json({ ARN, Name: 'tfl/broker', SecretString: value, VersionId: versionId, VersionStages: ['AWSCURRENT'], CreatedDate: 1_718_000_000 });
}

const open: FakeAws[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function setup(handler: FakeAwsHandler, o: { callTimeoutMs?: number } = {}) {
  const aws = await startFakeAws(handler);
  open.push(aws);
  const logger = new CapturingLogger();
  const clock = new ManualClock(1_000_000);
  const client = new SecretsManagerClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1, requestTimeoutMs: 5_000 }));
  const secretStore = new BrokerSecret({ client, secretId: ARN, clock, logger, callTimeoutMs: o.callTimeoutMs ?? 2_000, minRereadIntervalMs: 60_000 });
  return { aws, logger, clock, secret: secretStore };
}

/** Everything a failure could show: message, stack, JSON and inspect forms. */
async function failureText(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return [err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err), JSON.stringify(err), inspect(err, { depth: 5 })].join('\n');
  }
  throw new Error('expected a failure');
}

describe('broker secret (SDK against a local Secrets Manager JSON endpoint)', () => {
  it('reads secretsmanager.GetSecretValue once and serves the cache after', async () => {
    const s = await setup(() => secret(JSON.stringify({ apiKey: KEY, apiUrl: 'https://openalgo.example:5000', wsUrl: 'wss://openalgo.example:8765' })));
    const a = await s.secret.get();
    const b = await s.secret.get();
    expect(a).toMatchObject({ apiKey: KEY, apiSecret: null, apiUrl: 'https://openalgo.example:5000', wsUrl: 'wss://openalgo.example:8765', versionId: 'v1' });
    expect(b).toBe(a);
    expect(s.aws.requests).toHaveLength(1);
    expect(s.aws.requests[0]?.operation).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(s.aws.requests[0]?.body ?? '{}')).toEqual({ SecretId: ARN });
  });

  it('shares one read between concurrent callers', async () => {
    const s = await setup(() => secret(JSON.stringify({ apiKey: KEY })));
    const [a, b] = await Promise.all([s.secret.get(), s.secret.get()]);
    expect(a).toBe(b);
    expect(s.aws.requests).toHaveLength(1);
  });

  it('re-reads once on a 401/403 and reports whether the key changed', async () => {
    let value = KEY;
    const s = await setup(() => secret(JSON.stringify({ apiKey: value }), value === KEY ? 'v1' : 'v2'));
    await s.secret.get();
    value = KEY2;
    await expect(s.secret.onAuthFailure(401)).resolves.toMatchObject({ changed: true, credentials: { apiKey: KEY2, versionId: 'v2' } });
    expect(s.aws.requests).toHaveLength(2);
    // Another 403 right after: no second read within the interval, and the caller learns nothing changed.
    await expect(s.secret.onAuthFailure(403)).resolves.toMatchObject({ changed: false, credentials: { apiKey: KEY2 } });
    expect(s.aws.requests).toHaveLength(2);
    s.clock.advance(60_000);
    await expect(s.secret.onAuthFailure(403)).resolves.toMatchObject({ changed: false });
    expect(s.aws.requests).toHaveLength(3);
    expect(s.logger.at('error')).toHaveLength(1); // same key after a rejection: the operator must act
  });

  it('bounds a hanging Secrets Manager call and does not cache the failure', async () => {
    let hang = true;
    const s = await setup(() => (hang ? 'hang' : secret(JSON.stringify({ apiKey: KEY }))), { callTimeoutMs: 200 });
    const t0 = performance.now();
    await expect(s.secret.get()).rejects.toThrow(BrokerSecretError);
    expect(performance.now() - t0).toBeLessThan(2_000);
    hang = false;
    await expect(s.secret.get()).resolves.toMatchObject({ apiKey: KEY });
  });

  it('reports AWS errors by name and status (AccessDenied, missing secret)', async () => {
    const s = await setup(() => jsonError('AccessDeniedException', 'not authorized', 400));
    await expect(s.secret.get()).rejects.toThrow(/GetSecretValue failed \(AccessDeniedException, HTTP 400\)/);
    const t = await setup(() => jsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));
    await expect(t.secret.get()).rejects.toThrow(/ResourceNotFoundException/);
  });

  it('never puts the key into logs or errors, including on validation errors', async () => {
    const bad = [
      `{"apiKey":"${KEY}"`, // not JSON: V8's own message would quote it
      KEY, // a bare key instead of JSON
      JSON.stringify({ apikey: KEY }), // misspelt field
      JSON.stringify({ apiKey: KEY, apiUrl: `ftp://${KEY}@host` }), // bad URL holding the key
      JSON.stringify({ apiKey: KEY, wsUrl: 'https://not-a-websocket', extra: KEY }),
      JSON.stringify({ apiKey: 31415926, apiSecret: KEY }),
    ];
    for (const value of bad) {
      const s = await setup(() => secret(value));
      const text = await failureText(s.secret.get());
      expect(text).toMatch(/broker secret/);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('31415926');
      expect(s.logger.text()).not.toContain(KEY);
    }
  });

  it('names the field and the rule on validation errors', async () => {
    const s = await setup(() => secret(JSON.stringify({ apikey: KEY })));
    const text = await failureText(s.secret.get());
    expect(text).toMatch(/field 'apiKey'/);
    expect(text).toMatch(/apikey/); // the unknown field's name (not its value)
  });

  it('never puts the key into the logs on the success and re-read paths, even when the credentials object is logged', async () => {
    const out: string[] = [];
    const logger = new JsonLogger({ write: (l: string) => out.push(l) }, 'debug');
    const aws = await startFakeAws(() => secret(JSON.stringify({ apiKey: KEY, apiSecret: KEY2 })));
    open.push(aws);
    const s = new BrokerSecret({
      client: new SecretsManagerClient(sdkClientConfig({ ...fakeSdkOptions(aws.endpoint), maxAttempts: 1 })),
      secretId: ARN,
      clock: new ManualClock(0),
      logger,
    });
    const creds = await s.get();
    await s.onAuthFailure(401);
    logger.info('careless', { creds }); // a mistake elsewhere must still not leak
    expect(out.join('')).not.toContain(KEY);
    expect(out.join('')).not.toContain(KEY2);
    expect(inspect(creds)).not.toContain(KEY);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the point: our toString, not Object's
    expect(String(creds)).not.toContain(KEY);
    expect(out.join('')).toContain('broker secret read');
  });

  it('does not leak a key from a malformed service response', async () => {
    const s = await setup(() => ({ status: 200, body: `{"SecretString": "${KEY}", oops` }));
    const text = await failureText(s.secret.get());
    expect(text).not.toContain(KEY);
  });
});

describe('parseBrokerSecret', () => {
  it('accepts the minimal secret and trims the key', () => {
    expect(parseBrokerSecret(JSON.stringify({ apiKey: `  ${KEY}\n` }), 's')).toMatchObject({ apiKey: KEY, apiSecret: null, apiUrl: null, wsUrl: null });
  });
  it('rejects an empty key', () => {
    expect(() => parseBrokerSecret(JSON.stringify({ apiKey: '  ' }), 's')).toThrow(/field 'apiKey'/);
  });
});
