import { describe, expect, it } from 'vitest';
import { InputError } from '../cli/errors';
import { AWS_MODE_VARIABLES, AwsConfigError, awsRuntimeFromEnv, parseEmfEndpoint } from './config';

/** What lib/stacks/trader-stack.ts puts into /etc/tfl/<profile>.env (tokens resolved). */
const STACK_ENV = {
  TFL_PROFILE: 'default',
  TFL_ARGS: 'trade --profile default',
  NODE_ENV: 'production',
  AWS_REGION: 'ap-south-1',
  TFL_TABLE_NAME: 'tfl-state',
  TFL_ALERT_TOPIC_ARN: 'arn:aws:sns:ap-south-1:123456789012:tfl-alarms',
  TFL_BROKER_SECRET_ARN: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:tfl/broker-AbCdEf',
  TFL_KILL_SWITCH_PARAMETER: '/tfl/default/kill-switch',
  TFL_METRICS_NAMESPACE: 'TFL',
  TFL_EMF_ENDPOINT: 'tcp://127.0.0.1:25888',
  TFL_EMF_LOG_GROUP: '/tfl/trader-metrics',
  TFL_LOG_FILE: '/var/log/tfl/default.log',
};

function errorOf(env: Record<string, string | undefined>): AwsConfigError {
  try {
    awsRuntimeFromEnv(env);
  } catch (err) {
    if (err instanceof AwsConfigError) return err;
    throw err;
  }
  throw new Error('expected an AwsConfigError');
}

describe('awsRuntimeFromEnv', () => {
  it('parses the environment the trader stack writes', () => {
    expect(awsRuntimeFromEnv(STACK_ENV)).toEqual({
      profile: 'default',
      region: 'ap-south-1',
      tableName: 'tfl-state',
      alertTopicArn: STACK_ENV.TFL_ALERT_TOPIC_ARN,
      brokerSecretArn: STACK_ENV.TFL_BROKER_SECRET_ARN,
      killSwitchParameter: '/tfl/default/kill-switch',
      metrics: { namespace: 'TFL', emf: { host: '127.0.0.1', port: 25888 }, logGroupName: '/tfl/trader-metrics' },
      logFile: '/var/log/tfl/default.log',
    });
  });

  it('returns null (local mode) when no AWS variable is set, even with AWS_REGION, TFL_PROFILE or empty values', () => {
    expect(awsRuntimeFromEnv({})).toBeNull();
    expect(awsRuntimeFromEnv({ AWS_REGION: 'ap-south-1', TFL_PROFILE: 'default', TFL_LOG_FILE: '/tmp/x.log', TFL_TABLE_NAME: '  ' })).toBeNull();
  });

  it('requires every AWS variable once any is set, naming each missing one', () => {
    for (const k of AWS_MODE_VARIABLES) {
      const err = errorOf({ [k]: STACK_ENV[k] });
      expect(err).toBeInstanceOf(InputError); // the CLI exits 2 with the message
      expect(err.variables).toEqual(expect.arrayContaining(['TFL_PROFILE', 'AWS_REGION', 'TFL_KILL_SWITCH_PARAMETER'].filter((v) => v !== k)));
    }
    const err = errorOf({ ...STACK_ENV, TFL_ALERT_TOPIC_ARN: '' });
    expect(err.variables).toEqual(['TFL_ALERT_TOPIC_ARN']);
    expect(err.message).toMatch(/TFL_ALERT_TOPIC_ARN: missing/);
  });

  it('defaults the optional ones: namespace TFL, no EMF log group, no log file', () => {
    const { TFL_METRICS_NAMESPACE: _n, TFL_EMF_LOG_GROUP: _g, TFL_LOG_FILE: _f, ...rest } = STACK_ENV;
    expect(awsRuntimeFromEnv(rest)).toMatchObject({ metrics: { namespace: 'TFL', logGroupName: null }, logFile: null });
  });

  it.each([
    ['TFL_PROFILE', 'Default!', /profile name/],
    ['AWS_REGION', 'mumbai', /AWS region/],
    ['TFL_TABLE_NAME', 'a', /table name/],
    ['TFL_ALERT_TOPIC_ARN', 'tfl-alarms', /SNS topic ARN/],
    ['TFL_BROKER_SECRET_ARN', 'tfl/broker', /secret ARN/],
    ['TFL_KILL_SWITCH_PARAMETER', 'tfl/default/kill-switch', /starting with \//],
    ['TFL_METRICS_NAMESPACE', 'AWS/EC2', /namespace/],
    ['TFL_EMF_ENDPOINT', 'udp://127.0.0.1:25888', /only tcp/],
    ['TFL_EMF_ENDPOINT', '127.0.0.1:25888', /tcp:\/\/host:port/],
    ['TFL_EMF_LOG_GROUP', 'bad group name!', /log.*group/i],
  ])('names %s when it is invalid (%s)', (variable, value, why) => {
    const err = errorOf({ ...STACK_ENV, [variable]: value });
    expect(err.variables).toEqual([variable]);
    expect(err.message).toContain(variable);
    expect(err.message).toMatch(why);
  });

  it('refuses a topic or secret in another region than AWS_REGION', () => {
    const err = errorOf({ ...STACK_ENV, TFL_BROKER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tfl/broker-AbCdEf' });
    expect(err.variables).toEqual(['TFL_BROKER_SECRET_ARN']);
    expect(err.message).toMatch(/us-east-1, but AWS_REGION is ap-south-1/);
  });

  it('lists every bad variable in one error', () => {
    const err = errorOf({ ...STACK_ENV, AWS_REGION: 'x', TFL_EMF_ENDPOINT: 'tcp://h:0' });
    expect(err.variables).toEqual(['AWS_REGION', 'TFL_EMF_ENDPOINT']);
  });
});

describe('parseEmfEndpoint', () => {
  it('accepts tcp host:port, including IPv6 literals', () => {
    expect(parseEmfEndpoint('tcp://127.0.0.1:25888')).toEqual({ host: '127.0.0.1', port: 25888 });
    expect(parseEmfEndpoint('tcp://[::1]:25888')).toEqual({ host: '::1', port: 25888 });
    expect(parseEmfEndpoint('tcp://localhost:70000')).toBe('port must be 1-65535');
  });
});
