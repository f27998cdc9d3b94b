import { z } from 'zod';
import { InputError } from '../cli/errors';
import { METRIC_NAMESPACE } from '../observability/metric-names';
import { isValidProfileName } from '../persistence/schema';

/**
 * The trader's AWS runtime settings, parsed once from the environment the systemd unit gives it
 * (`/etc/tfl/<profile>.env`, written by lib/constructs/trader-boot.ts from lib/stacks/trader-stack.ts).
 * Only the composition root calls `awsRuntimeFromEnv(process.env)`.
 *
 * Local mode: when none of the AWS variables below is set (empty counts as unset), the result is
 * `null` — metrics go to the log, the kill switch is the local file, alerts go to the log.
 * `AWS_REGION`, `TFL_PROFILE` and `TFL_LOG_FILE` alone do not switch AWS mode on (a developer's
 * shell often has AWS_REGION). As soon as one AWS variable is set, every required one must be
 * present and valid; the error names each bad variable.
 */
export const AWS_MODE_VARIABLES = [
  'TFL_TABLE_NAME',
  'TFL_ALERT_TOPIC_ARN',
  'TFL_BROKER_SECRET_ARN',
  'TFL_KILL_SWITCH_PARAMETER',
  'TFL_METRICS_NAMESPACE',
  'TFL_EMF_ENDPOINT',
  'TFL_EMF_LOG_GROUP',
] as const;

export interface EmfEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface AwsRuntimeConfig {
  /** TFL_PROFILE: the profile this process trades (metric dimension, alert subject, state keys). */
  readonly profile: string;
  /** AWS_REGION: the SDK clients' region. */
  readonly region: string;
  /** TFL_TABLE_NAME: the state table. */
  readonly tableName: string;
  /** TFL_ALERT_TOPIC_ARN: the alarm topic alerts go to. */
  readonly alertTopicArn: string;
  /** TFL_BROKER_SECRET_ARN: the broker credentials secret. */
  readonly brokerSecretArn: string;
  /** TFL_KILL_SWITCH_PARAMETER: the SSM String parameter polled for off | stop | flatten. */
  readonly killSwitchParameter: string;
  readonly metrics: {
    /** TFL_METRICS_NAMESPACE (default `TFL`, the namespace the dashboard, alarms and IAM condition use). */
    readonly namespace: string;
    /** TFL_EMF_ENDPOINT `tcp://host:port`: the CloudWatch agent's EMF listener. */
    readonly emf: EmfEndpoint;
    /** TFL_EMF_LOG_GROUP: `_aws.LogGroupName` of every record; null = the agent's default. */
    readonly logGroupName: string | null;
  };
  /** TFL_LOG_FILE: where systemd appends the trader's output (for messages that point at it). */
  readonly logFile: string | null;
}

export class AwsConfigError extends InputError {
  constructor(readonly variables: readonly string[], problems: readonly string[]) {
    super(`trader environment: ${problems.join('; ')}`, variables[0] === undefined ? {} : { field: variables[0] });
    this.name = 'AwsConfigError';
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ARN_REGION = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/;

/** Empty and whitespace-only values are "unset" (an env file line `KEY=`). */
const present = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

const required = (message: string, pattern: RegExp) => z.string({ error: 'missing' }).regex(pattern, message);
const optional = (message: string, pattern: RegExp) => z.string().regex(pattern, message).optional();

const shape = {
  TFL_PROFILE: z.string({ error: 'missing' }).refine(isValidProfileName, 'expected a profile name: [a-z0-9][a-z0-9_-]{0,31}'),
  AWS_REGION: required('expected an AWS region such as ap-south-1', REGION),
  TFL_TABLE_NAME: required('expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)', /^[A-Za-z0-9_.-]{3,255}$/),
  TFL_ALERT_TOPIC_ARN: required('expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)', /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/),
  TFL_BROKER_SECRET_ARN: required(
    'expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
  ),
  TFL_KILL_SWITCH_PARAMETER: required('expected an SSM parameter name starting with / (e.g. /tfl/default/kill-switch)', /^\/[A-Za-z0-9_.\-/]{1,1010}$/),
  TFL_METRICS_NAMESPACE: optional('expected a CloudWatch namespace (not AWS/…)', /^(?!AWS\/)[A-Za-z0-9 ._\-/#:]{1,255}$/).default(METRIC_NAMESPACE),
  TFL_EMF_ENDPOINT: z.string({ error: 'missing' }).transform((v, ctx) => {
    const ep = parseEmfEndpoint(v);
    if (typeof ep === 'string') {
      ctx.addIssue({ code: 'custom', message: ep });
      return z.NEVER;
    }
    return ep;
  }),
  TFL_EMF_LOG_GROUP: optional('expected a CloudWatch Logs group name', /^[A-Za-z0-9_.\-/#]{1,512}$/),
  TFL_LOG_FILE: z.string().optional(),
};

const schema = z
  .object(shape)
  .superRefine((env, ctx) => {
    // An SDK client talks to one region: a topic or secret elsewhere would fail at the first alert.
    if (!REGION.test(env.AWS_REGION)) return; // already reported
    for (const key of ['TFL_ALERT_TOPIC_ARN', 'TFL_BROKER_SECRET_ARN'] as const) {
      const region = ARN_REGION.exec(env[key])?.[1];
      if (region !== undefined && region !== env.AWS_REGION) ctx.addIssue({ code: 'custom', path: [key], message: `is in ${region}, but AWS_REGION is ${env.AWS_REGION}` });
    }
  });

/** `tcp://host:port` → host and port; a string is the problem. */
export function parseEmfEndpoint(value: string): EmfEndpoint | string {
  const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (m === null) return 'expected tcp://host:port (e.g. tcp://127.0.0.1:25888)';
  const [, scheme, host, portText] = m;
  if (scheme !== 'tcp') return `only tcp:// is supported (got ${scheme ?? ''}://)`;
  const port = Number(portText);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) return 'port must be 1-65535';
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

/** Parses the trader's AWS environment; `null` in local mode. Throws AwsConfigError naming every bad variable. */
export function awsRuntimeFromEnv(env: Readonly<Record<string, string | undefined>>): AwsRuntimeConfig | null {
  if (AWS_MODE_VARIABLES.every((k) => present(env[k]) === undefined)) return null;
  const input = Object.fromEntries(Object.keys(shape).map((k) => [k, present(env[k])]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const byVariable = new Map<string, string[]>();
    for (const issue of parsed.error.issues) {
      const v = String(issue.path[0] ?? '(environment)');
      byVariable.set(v, [...(byVariable.get(v) ?? []), issue.message]);
    }
    const variables = [...byVariable.keys()];
    throw new AwsConfigError(
      variables,
      variables.map((v) => `${v}: ${(byVariable.get(v) ?? []).join(', ')}`),
    );
  }
  const e = parsed.data;
  return {
    profile: e.TFL_PROFILE,
    region: e.AWS_REGION,
    tableName: e.TFL_TABLE_NAME,
    alertTopicArn: e.TFL_ALERT_TOPIC_ARN,
    brokerSecretArn: e.TFL_BROKER_SECRET_ARN,
    killSwitchParameter: e.TFL_KILL_SWITCH_PARAMETER,
    metrics: { namespace: e.TFL_METRICS_NAMESPACE, emf: e.TFL_EMF_ENDPOINT, logGroupName: e.TFL_EMF_LOG_GROUP ?? null },
    logFile: e.TFL_LOG_FILE ?? null,
  };
}
