/**
 * Structured logs: one JSON object per line (what the CloudWatch agent ships in AWS). Levels are
 * filtered at the call site cheaply; nothing on the tick path logs.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LogSink {
  write(line: string): unknown;
}

export class JsonLogger implements Logger {
  private readonly min: number;
  constructor(
    private readonly sink: LogSink,
    level: LogLevel = 'info',
    private readonly base: LogFields = {},
    private readonly now: () => number = () => Date.now(),
  ) {
    this.min = RANK[level];
  }
  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }
  fatal(msg: string, fields?: LogFields): void {
    this.emit('fatal', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.sink, levelOf(this.min), { ...this.base, ...fields }, this.now);
  }
  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < this.min) return;
    const rec = { time: new Date(this.now()).toISOString(), level: level.toUpperCase(), msg, ...this.base, ...fields };
    this.sink.write(`${JSON.stringify(rec, replacer)}\n`);
  }
}

function levelOf(rank: number): LogLevel {
  return (Object.keys(RANK) as LogLevel[]).find((l) => RANK[l] === rank) ?? 'info';
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Discards everything (benchmarks, quiet tests). */
export const nullLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => nullLogger,
};
