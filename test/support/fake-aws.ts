import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, LogFields } from '../../trader/observability/log';
import type { Scheduler } from '../../trader/observability/reporter';

/**
 * Just enough of the AWS wire protocols, on 127.0.0.1, for the trader's AWS adapters to be run
 * with the real SDK pointed at it (endpoint override, dummy credentials): awsJson1_1
 * (`x-amz-target`: SSM, Secrets Manager) and the query protocol (SNS). Each test supplies the
 * answers; every request is recorded.
 */
export interface FakeAwsRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** `x-amz-target` (JSON protocols) or the `Action` form field (query protocol). */
  readonly operation: string;
  readonly body: string;
}

export interface FakeAwsResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

/** 'hang': accept the request and never answer (until the server closes). */
export type FakeAwsHandler = (req: FakeAwsRequest) => FakeAwsResponse | 'hang';

export interface FakeAws {
  readonly endpoint: string;
  readonly requests: FakeAwsRequest[];
  setHandler(h: FakeAwsHandler): void;
  close(): Promise<void>;
}

export async function startFakeAws(handler: FakeAwsHandler): Promise<FakeAws> {
  let h = handler;
  const requests: FakeAwsRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' ? target : (new URLSearchParams(body).get('Action') ?? '');
      const r: FakeAwsRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, operation, body };
      requests.push(r);
      const out = h(r);
      if (out === 'hang') return;
      res.writeHead(out.status, { 'content-type': out.contentType ?? 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}` });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (next) => {
      h = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** awsJson1_1 success. */
export function json(body: unknown): FakeAwsResponse {
  return { status: 200, body: JSON.stringify(body) };
}

/** awsJson1_1 modeled error (`__type` names the exception). */
export function jsonError(type: string, message: string, status = 400): FakeAwsResponse {
  return { status, body: JSON.stringify({ __type: type, message }) };
}

/** Query-protocol (SNS) success for Publish. */
export function snsPublishOk(messageId: string): FakeAwsResponse {
  return {
    status: 200,
    contentType: 'text/xml',
    body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`,
  };
}

/** Query-protocol (SNS) error. */
export function snsError(code: string, message: string, status = 400): FakeAwsResponse {
  return {
    status,
    contentType: 'text/xml',
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  };
}

/** SDK client settings for the fake: no real credentials, region or endpoint lookups. */
export function fakeSdkOptions(endpoint: string) {
  return {
    region: 'ap-south-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
  } as const;
}

/** Runs registered jobs when told to: no real timers in tests. */
export class ManualScheduler implements Scheduler {
  private readonly jobs = new Map<number, { intervalMs: number; fn: () => void }>();
  private next = 0;
  every(intervalMs: number, fn: () => void): () => void {
    const id = this.next++;
    this.jobs.set(id, { intervalMs, fn });
    return () => this.jobs.delete(id);
  }
  get size(): number {
    return this.jobs.size;
  }
  intervals(): number[] {
    return [...this.jobs.values()].map((j) => j.intervalMs);
  }
  /** Fire every job once. */
  fire(): void {
    for (const j of [...this.jobs.values()]) j.fn();
  }
}

export class ManualClock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface CapturedLog {
  readonly level: string;
  readonly msg: string;
  readonly fields: LogFields;
}

/** A logger that keeps every line, and the JSON text a real logger would have written. */
export class CapturingLogger implements Logger {
  constructor(
    private readonly base: LogFields = {},
    /** Shared with children, so the parent sees every line. */
    readonly lines: CapturedLog[] = [],
  ) {}
  debug(msg: string, fields?: LogFields): void {
    this.push('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.push('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.push('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.push('error', msg, fields);
  }
  fatal(msg: string, fields?: LogFields): void {
    this.push('fatal', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new CapturingLogger({ ...this.base, ...fields }, this.lines);
  }
  at(level: string): CapturedLog[] {
    return this.lines.filter((l) => l.level === level);
  }
  /** Everything logged, serialised the way JsonLogger would (errors with message and stack). */
  text(): string {
    return this.lines
      .map((l) =>
        JSON.stringify({ level: l.level, msg: l.msg, ...this.base, ...l.fields }, (_k, v: unknown) =>
          v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
        ),
      )
      .join('\n');
  }
  private push(level: string, msg: string, fields: LogFields = {}): void {
    this.lines.push({ level, msg, fields: { ...this.base, ...fields } });
  }
}
