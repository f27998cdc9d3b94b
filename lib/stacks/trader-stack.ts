import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Instance } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { Universal } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { BY_KIND_INDEX } from '../../trader/persistence/schema';
import { METRIC_NAMESPACE } from '../../trader/observability/metric-names';
import type { ProfileConfig } from '../config';
import { traderArgs } from '../config';
import { weekdaysAt } from '../constructs/ist-schedule';
import { acknowledge } from '../constructs/nag';
import { EMF_ENDPOINT, bootScript, traderLogFile } from '../constructs/trader-boot';
import { TraderBundle } from '../constructs/trader-bundle';
import { TraderHost } from '../constructs/trader-host';
import type { SshAccess } from '../constructs/trader-host';
import { TraderNetwork } from '../constructs/trader-network';

export interface TraderStackProps extends StackProps {
  readonly prefix: string;
  readonly profiles: readonly ProfileConfig[];
  readonly table: ITableV2;
  readonly alarmTopic: ITopic;
  readonly instanceType: string;
  readonly ssh: SshAccess;
  readonly egressPorts: readonly number[];
  readonly interfaceEndpoints: boolean;
  readonly brokerSecretName: string;
  readonly schedule: { readonly instanceStart: string; readonly instanceStop: string };
  readonly logRetention: RetentionDays;
  readonly requireBundle: boolean;
}

/** SSM parameter the trader polls for the operator kill switch: `off` | `stop` | `flatten`. */
export function killSwitchParameterName(prefix: string, profile: string): string {
  return `/${prefix}/${profile}/kill-switch`;
}

export const KILL_SWITCH_VALUES = ['off', 'stop', 'flatten'] as const;

/**
 * The trader host and everything only it uses: network, bundle, log groups, the broker secret,
 * the kill-switch parameters, the weekday start/stop schedules; plus the grants it needs.
 */
export class TraderStack extends Stack {
  readonly instance: Instance;
  readonly traderLogGroup: LogGroup;
  readonly killSwitches: ReadonlyMap<string, StringParameter>;

  constructor(scope: Construct, id: string, props: TraderStackProps) {
    super(scope, id, props);
    const network = new TraderNetwork(this, 'Network', { interfaceEndpoints: props.interfaceEndpoints, flowLogRetention: props.logRetention });
    const bundle = new TraderBundle(this, 'Bundle', { requireBundle: props.requireBundle });

    this.traderLogGroup = new LogGroup(this, 'TraderLogs', {
      logGroupName: `/${props.prefix}/trader`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const metricsLogGroup = new LogGroup(this, 'TraderMetricsLogs', {
      logGroupName: `/${props.prefix}/trader-metrics`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const brokerSecret = new Secret(this, 'BrokerSecret', {
      secretName: props.brokerSecretName,
      description: 'Broker API credentials for the TFL trader (JSON). Set the value out of band; see docs/runbook.md.',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      brokerSecret,
      'AwsSolutions-SMG4',
      'Broker-issued API key: it can only be rotated at the broker, by hand (runbook: rotate the broker key), so a rotation Lambda has nothing to call.',
    );

    const killSwitches = new Map<string, StringParameter>();
    for (const p of props.profiles) {
      killSwitches.set(
        p.name,
        new StringParameter(this, `KillSwitch-${p.name}`, {
          parameterName: killSwitchParameterName(props.prefix, p.name),
          description: `TFL kill switch for profile ${p.name}: off | stop (no new entries) | flatten (exit everything). Polled by the trader.`,
          stringValue: 'off',
          allowedPattern: `^(${KILL_SWITCH_VALUES.join('|')})$`,
          tier: ParameterTier.STANDARD,
        }),
      );
    }
    this.killSwitches = killSwitches;

    const profiles = props.profiles.map((p) => {
      return {
        name: p.name,
        env: {
          TFL_PROFILE: p.name,
          TFL_ARGS: traderArgs(p).join(' '),
          NODE_ENV: 'production',
          AWS_REGION: this.region,
          TFL_TABLE_NAME: props.table.tableName,
          TFL_ALERT_TOPIC_ARN: props.alarmTopic.topicArn,
          TFL_BROKER_SECRET_ARN: brokerSecret.secretArn,
          TFL_KILL_SWITCH_PARAMETER: killSwitchParameterName(props.prefix, p.name),
          TFL_METRICS_NAMESPACE: METRIC_NAMESPACE,
          TFL_EMF_ENDPOINT: EMF_ENDPOINT,
          TFL_EMF_LOG_GROUP: metricsLogGroup.logGroupName,
          TFL_LOG_FILE: traderLogFile(p.name),
        },
      };
    });

    const host = new TraderHost(this, 'Host', {
      vpc: network.vpc,
      instanceType: props.instanceType,
      ssh: props.ssh,
      egressPorts: props.egressPorts,
      bootScript: bootScript({ bundleS3Url: bundle.asset.s3ObjectUrl, profiles, traderLogGroup: this.traderLogGroup.logGroupName }),
    });
    this.instance = host.instance;
    const role = host.role;

    // Grants: each statement names its resources; nothing here is account-wide except
    // PutMetricData, which has no resource type and is limited by namespace instead.
    role.addToPolicy(
      new PolicyStatement({
        sid: 'StateTable',
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${BY_KIND_INDEX}`],
      }),
    );
    props.alarmTopic.grantPublish(role);
    brokerSecret.grantRead(role);
    for (const k of killSwitches.values()) k.grantRead(role);
    role.addToPolicy(
      new PolicyStatement({
        sid: 'TraderLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.traderLogGroup.logGroupArn, metricsLogGroup.logGroupArn],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        sid: 'Metrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': [METRIC_NAMESPACE, 'CWAgent'] } },
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        sid: 'TraderBundle',
        actions: ['s3:GetObject'],
        resources: [bundle.asset.bucket.arnForObjects(bundle.asset.s3ObjectKey)],
      }),
    );

    // Weekday start/stop in India time. The scheduler's role may start/stop this instance only.
    const instanceArn = this.formatArn({ service: 'ec2', resource: 'instance', resourceName: host.instance.instanceId });
    const power = (action: 'startInstances' | 'stopInstances', iamAction: string, at: string, label: string) =>
      new Schedule(this, label, {
        description: `TFL trader instance ${action}, weekdays (India time)`,
        schedule: weekdaysAt(at),
        target: new Universal({
          service: 'ec2',
          action,
          input: ScheduleTargetInput.fromObject({ InstanceIds: [host.instance.instanceId] }),
          policyStatements: [new PolicyStatement({ actions: [iamAction], resources: [instanceArn] })],
          retryAttempts: 3,
        }),
      });
    power('startInstances', 'ec2:StartInstances', props.schedule.instanceStart, 'StartInstance');
    power('stopInstances', 'ec2:StopInstances', props.schedule.instanceStop, 'StopInstance');
  }
}
