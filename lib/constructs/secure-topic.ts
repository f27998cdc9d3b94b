import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface SecureTopicProps {
  readonly topicName: string;
  readonly displayName: string;
  readonly emails: readonly string[];
  readonly smsNumbers: readonly string[];
}

/** An SNS topic that refuses non-TLS publishers, with the operators' e-mail and SMS subscriptions. */
export class SecureTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: SecureTopicProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { topicName: props.topicName, displayName: props.displayName, enforceSSL: true });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const n of props.smsNumbers) this.topic.addSubscription(new SmsSubscription(n));
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'Messages are operational (daily bias, alarm state changes) and hold no secrets; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would add cost and key-policy surface for no confidentiality gain.',
    );
  }
}
