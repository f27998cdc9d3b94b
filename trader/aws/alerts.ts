import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import type { Clock } from '../engine/clock';
import type { Logger } from '../observability/log';
import { describeAwsError, withDeadline } from './sdk';

/**
 * Alerts to the operator: the alarm topic (TFL_ALERT_TOPIC_ARN, e-mail/SMS) in AWS, the log
 * locally. `alert` never rejects and never throws: an alert that cannot be sent is logged at
 * ERROR (the error-log alarm reaches the operator through CloudWatch, not through this
 * process), so a caller can fire it and carry on.
 */
export interface AlertPublisher {
  alert(subject: string, message: string): Promise<void>;
}

/** Local runs: the alert is a WARN line (not ERROR: the caller logs the error itself if there is one). */
export class LogAlertPublisher implements AlertPublisher {
  constructor(private readonly logger: Logger) {}
  alert(subject: string, message: string): Promise<void> {
    this.logger.warn(`ALERT: ${subject}`, { alert: true, subject, message });
    return Promise.resolve();
  }
}

/**
 * When each subject was last sent, kept across restarts so a process in a crash loop (each
 * start alerting the same thing) does not send one message per restart.
 */
export interface AlertDedupeMemory {
  load(): ReadonlyMap<string, number>;
  save(sentAtMs: ReadonlyMap<string, number>): void;
}

const memoryFile = z.record(z.string(), z.number().int());

/**
 * A small JSON file (the trader's state directory, e.g. `/var/lib/tfl/<profile>/alerts-sent.json`).
 * Unreadable or corrupt: start empty with a warning (at worst one duplicate alert); a failed
 * write is a warning too. Written via a temporary file and rename, so a crash never leaves half a file.
 */
export function fileDedupeMemory(path: string, logger: Logger): AlertDedupeMemory {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) logger.warn('alert dedupe file unreadable; starting empty', { path, error: err });
        return new Map();
      }
      try {
        const parsed = memoryFile.safeParse(JSON.parse(text));
        if (parsed.success) return new Map(Object.entries(parsed.data));
      } catch {
        // fall through: corrupt file
      }
      logger.warn('alert dedupe file corrupt; starting empty', { path });
      return new Map();
    },
    save(sentAtMs) {
      try {
        const tmp = `${path}.tmp`;
        writeFileSync(tmp, JSON.stringify(Object.fromEntries(sentAtMs)));
        renameSync(tmp, path);
      } catch (err) {
        logger.warn('alert dedupe file not written', { path, error: err });
      }
    },
  };
}

export interface SnsAlertOptions {
  readonly client: Pick<SNSClient, 'send'>;
  readonly topicArn: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Prepended to every subject, e.g. `TFL default: `. */
  readonly subjectPrefix?: string;
  /** The same subject is sent at most once per window (default 15 min); the rest are counted. */
  readonly dedupeWindowMs?: number;
  /** Whole-call bound including SDK retries (default 5 s). */
  readonly callTimeoutMs?: number;
  /** Keeps the dedupe state across restarts (crash loops); in memory only when absent. */
  readonly memory?: AlertDedupeMemory;
}

/** SNS Subject: printable ASCII, no line breaks, fewer than 100 characters. */
export function snsSubject(s: string): string {
  const clean = s.replace(/[^\x20-\x7E]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return '(no subject)';
  return clean.length <= 99 ? clean : `${clean.slice(0, 96)}...`;
}

const MAX_MESSAGE_BYTES = 200_000; // SNS allows 256 KB; keep room for the suppression note

export function snsMessage(s: string): string {
  if (s.trim() === '') return '(no message)';
  const bytes = Buffer.from(s, 'utf8');
  return bytes.length <= MAX_MESSAGE_BYTES ? s : `${bytes.subarray(0, MAX_MESSAGE_BYTES).toString('utf8')}\n[truncated]`;
}

export class SnsAlertPublisher implements AlertPublisher {
  private readonly windowMs: number;
  private readonly callTimeoutMs: number;
  private readonly prefix: string;
  private readonly sentAt: Map<string, number>;
  private readonly suppressed = new Map<string, number>();

  constructor(private readonly o: SnsAlertOptions) {
    this.windowMs = o.dedupeWindowMs ?? 15 * 60_000;
    this.callTimeoutMs = o.callTimeoutMs ?? 5_000;
    this.prefix = o.subjectPrefix ?? '';
    this.sentAt = new Map(o.memory?.load() ?? []);
  }

  async alert(subject: string, message: string): Promise<void> {
    const subj = snsSubject(`${this.prefix}${subject}`);
    const now = this.o.clock.nowMs();
    const last = this.sentAt.get(subj);
    if (last !== undefined && now - last < this.windowMs) {
      const n = (this.suppressed.get(subj) ?? 0) + 1;
      this.suppressed.set(subj, n);
      this.o.logger.warn('alert suppressed (same subject sent recently)', { subject: subj, message, suppressedInWindow: n });
      return;
    }
    // Claimed before the call: a second alert with this subject while the first is in flight is a duplicate.
    this.sentAt.set(subj, now);
    for (const [k, t] of this.sentAt) if (now - t >= this.windowMs && k !== subj) this.sentAt.delete(k);
    this.o.memory?.save(this.sentAt);
    const n = this.suppressed.get(subj) ?? 0;
    this.suppressed.delete(subj);
    const note = n > 0 ? `\n\n(${n} more alert${n === 1 ? '' : 's'} with this subject were suppressed in the last ${Math.round(this.windowMs / 60_000)} min; see the log.)` : '';
    const body = `${snsMessage(message)}${note}`;
    this.o.logger.warn(`ALERT: ${subj}`, { alert: true, subject: subj, message: body });
    try {
      const out = await withDeadline(this.callTimeoutMs, (abortSignal) =>
        this.o.client.send(new PublishCommand({ TopicArn: this.o.topicArn, Subject: subj, Message: body }), { abortSignal }),
      );
      this.o.logger.info('alert published', { subject: subj, messageId: out.MessageId ?? null });
    } catch (err) {
      this.o.logger.error('alert could not be published to SNS', { subject: subj, topicArn: this.o.topicArn, error: describeAwsError(err, { withMessage: true }) });
    }
  }
}
