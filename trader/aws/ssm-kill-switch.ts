import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '../observability/log';
import type { Scheduler } from '../observability/reporter';
import { parseKillSwitch } from '../risk/kill-switch';
import type { KillSwitchReading, KillSwitchState } from '../risk/kill-switch';
import { describeAwsError, withDeadline } from './sdk';

/**
 * The operator's kill switch in AWS: the SSM String parameter `/<prefix>/<profile>/kill-switch`
 * (TFL_KILL_SWITCH_PARAMETER), polled every `intervalMs` with a bounded call.
 *
 * The value is read with the file kill switch's rules (`parseKillSwitch`): `off` or empty → off,
 * `stop`, `flatten` (case and whitespace ignored), anything else → stop with a warning.
 * A parameter that cannot be read — missing, access denied, timeout, service error — is also
 * `stop` with a warning (fail safe: an unreadable wish is not permission to trade; unlike the
 * local file, a missing parameter is a deployment fault, not the resting state), and never
 * less than the last state: after `flatten`, a failed read stays `flatten`.
 *
 * `onChange` is called for the first reading and then only when the state changes. Nothing
 * throws into the caller: failures become readings, a throwing `onChange` is logged.
 */
export interface SsmKillSwitchOptions {
  readonly client: Pick<SSMClient, 'send'>;
  readonly parameterName: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly onChange: (reading: KillSwitchReading) => void;
  /** Poll period (default 5 s). */
  readonly intervalMs?: number;
  /** Whole-call bound including SDK retries (default 3 s; keep it below the interval). */
  readonly callTimeoutMs?: number;
  /**
   * Consecutive failed polls after which one ERROR is logged (the error-log alarm tells the
   * operator why the trader takes no entries). Default 12 (a minute at 5 s). Single failures
   * are WARN: a blip costs a few seconds of `stop`, not a page.
   */
  readonly errorAfterFailures?: number;
}

export class SsmKillSwitch {
  private readonly intervalMs: number;
  private readonly callTimeoutMs: number;
  private readonly errorAfterFailures: number;
  private readonly source: string;
  private failures = 0;
  private last: KillSwitchReading | null = null;
  private lastWarning: string | null = null;
  /** The state `onChange` last accepted (a throwing callback is called again on the next poll). */
  private delivered: KillSwitchState | null = null;
  private inFlight: Promise<KillSwitchReading> | null = null;
  private cancel: (() => void) | null = null;

  constructor(private readonly o: SsmKillSwitchOptions) {
    this.intervalMs = o.intervalMs ?? 5_000;
    this.callTimeoutMs = o.callTimeoutMs ?? 3_000;
    this.errorAfterFailures = o.errorAfterFailures ?? 12;
    this.source = `SSM parameter ${o.parameterName}`;
  }

  /** First reading (awaited, so the trader starts with the operator's current wish), then polling. */
  async start(): Promise<KillSwitchReading> {
    const first = await this.poll();
    if (this.cancel === null) this.cancel = this.o.scheduler.every(this.intervalMs, () => void this.poll());
    return first;
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** The last reading; null before the first poll finished. */
  current(): KillSwitchReading | null {
    return this.last;
  }

  /** One poll; a poll still running is joined, never doubled. Never rejects. */
  poll(): Promise<KillSwitchReading> {
    if (this.inFlight === null) {
      this.inFlight = this.read().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private async read(): Promise<KillSwitchReading> {
    let reading: KillSwitchReading;
    let failed: boolean;
    try {
      const out = await withDeadline(this.callTimeoutMs, (abortSignal) =>
        this.o.client.send(new GetParameterCommand({ Name: this.o.parameterName, WithDecryption: false }), { abortSignal }),
      );
      const value = out.Parameter?.Value;
      failed = value === undefined;
      reading = value === undefined ? this.failSafe('the response has no value') : parseKillSwitch(value, this.source);
    } catch (err) {
      failed = true;
      const why = err instanceof Error && err.name === 'ParameterNotFound' ? 'the parameter does not exist' : describeAwsError(err, { withMessage: true });
      reading = this.failSafe(why);
    }
    this.failures = failed ? this.failures + 1 : 0;
    if (this.failures === this.errorAfterFailures) {
      this.o.logger.error('kill switch unreadable: no new entries until it can be read', { failedPolls: this.failures, warning: reading.warning });
    }
    this.apply(reading);
    return reading;
  }

  private failSafe(why: string): KillSwitchReading {
    const state: KillSwitchState = this.last?.state === 'flatten' ? 'flatten' : 'stop';
    return { state, warning: `${this.source}: cannot read the kill switch (${why}); treated as '${state}'` };
  }

  private apply(reading: KillSwitchReading): void {
    this.last = reading;
    // A repeated failure is logged once, not every poll; recovery is logged too.
    if (reading.warning !== null && reading.warning !== this.lastWarning) this.o.logger.warn('kill switch: fail safe', { warning: reading.warning, state: reading.state });
    if (reading.warning === null && this.lastWarning !== null) this.o.logger.info('kill switch readable again', { parameter: this.o.parameterName, state: reading.state });
    this.lastWarning = reading.warning;
    if (this.delivered === reading.state) return;
    this.o.logger.info('kill switch changed', { parameter: this.o.parameterName, from: this.delivered, to: reading.state });
    try {
      this.o.onChange(reading);
      this.delivered = reading.state;
    } catch (err) {
      this.o.logger.error('kill switch: onChange failed', { error: err });
    }
  }
}
