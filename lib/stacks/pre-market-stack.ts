import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ROOT } from '../../scripts/bundle';
import { PRE_MARKET_SERVICE } from '../../trader/observability/metric-names';
import { HouseFunction } from '../constructs/house-function';
import { weekdaysAt } from '../constructs/ist-schedule';
import { acknowledge } from '../constructs/nag';

export interface PreMarketStackProps extends StackProps {
  readonly table: ITableV2;
  readonly biasTopic: ITopic;
  readonly alarmTopic: ITopic;
  /** IST HH:MM, weekdays. */
  readonly runAt: string;
  readonly logRetention: RetentionDays;
}

/** The pre-market bias Lambda and its weekday schedule (it publishes nothing on NSE holidays). */
export class PreMarketStack extends Stack {
  readonly fn: HouseFunction;

  constructor(scope: Construct, id: string, props: PreMarketStackProps) {
    super(scope, id, props);
    this.fn = new HouseFunction(this, 'Bias', {
      entry: join(ROOT, 'lambdas', 'pre-market', 'handler.ts'),
      description: 'TFL pre-market bias (strategies.md §5): stores one record per date, publishes it',
      serviceName: PRE_MARKET_SERVICE,
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: props.table.tableName,
        BIAS_TOPIC_ARN: props.biasTopic.topicArn,
        ALERT_TOPIC_ARN: props.alarmTopic.topicArn,
        SDK_REQUEST_TIMEOUT_MS: '2000',
        SDK_MAX_ATTEMPTS: '3',
      },
    });
    // Reads the BARS# partitions, writes and marks the BIAS item: no index, no scan, no delete.
    this.fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'StateTableBias',
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    props.biasTopic.grantPublish(this.fn);
    props.alarmTopic.grantPublish(this.fn);

    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the pre-market bias function only',
    });
    new Schedule(this, 'Schedule', {
      description: 'Pre-market bias, weekdays in India time',
      schedule: weekdaysAt(props.runAt),
      target: new LambdaInvoke(this.fn, { role: schedulerRole, retryAttempts: 2, maxEventAge: Duration.minutes(10) }),
    });
    acknowledge(
      schedulerRole.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.fn.node.defaultChild as CfnFunction)}.Arn>:*]`,
      "CDK's grantInvoke adds the function's qualified ARNs (versions/aliases of this one function); nothing else is invocable.",
    );
  }
}
