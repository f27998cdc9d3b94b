import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SecureTopic } from '../constructs/secure-topic';

export interface AlertsStackProps extends StackProps {
  readonly prefix: string;
  readonly emails: readonly string[];
  readonly smsNumbers: readonly string[];
}

/** Two topics: the daily bias (informational) and alarms (act now). Both go to the same people. */
export class AlertsStack extends Stack {
  readonly biasTopic: Topic;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: AlertsStackProps) {
    super(scope, id, props);
    const subs = { emails: props.emails, smsNumbers: props.smsNumbers };
    this.biasTopic = new SecureTopic(this, 'Bias', { topicName: `${props.prefix}-bias`, displayName: 'TFL bias', ...subs }).topic;
    this.alarmTopic = new SecureTopic(this, 'Alarms', { topicName: `${props.prefix}-alarms`, displayName: 'TFL alarm', ...subs }).topic;
  }
}
