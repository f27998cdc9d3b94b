import { Capture, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, policyStatements, synth } from './support';

describe('Alerts stack', () => {
  const t = synth({ alerts: { emails: ['a@example.com'], smsNumbers: ['+919800000001'] } }).template('alerts');

  it('denies non-TLS publishing on both topics', () => {
    t.resourceCountIs('AWS::SNS::Topic', 2);
    const policies = t.findResources('AWS::SNS::TopicPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the configured e-mail and SMS numbers', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'a@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', Endpoint: '+919800000001' });
  });
});

describe('Pre-market stack', () => {
  const t = synth().template('preMarket');

  it('runs the house function: Node 24 on ARM64, source maps, Powertools env', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'pre-market',
          POWERTOOLS_METRICS_NAMESPACE: 'TFL',
          TABLE_NAME: Match.anyValue(),
          BIAS_TOPIC_ARN: Match.anyValue(),
          ALERT_TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
  });

  it('keeps its logs for the configured retention', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('is scheduled at 08:45 IST on weekdays', () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(45 8 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Kolkata',
      State: 'ENABLED',
    });
  });

  it('may only touch the state table without scans or deletes, and publish to its two topics', () => {
    const stmts = policyStatements(t);
    const ddb = stmts.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(ddb).toHaveLength(1);
    expect(actionsOf(ddb[0] ?? { Effect: '', Action: [], Resource: null }).sort()).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
    for (const s of stmts) {
      for (const a of actionsOf(s)) expect(a).not.toContain('*');
      expect(JSON.stringify(s.Resource)).not.toBe('"*"');
    }
    const publish = stmts.filter((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish.flatMap((s): unknown[] => (Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource]))).toHaveLength(2);
  });

  it('has no AWS-managed policy on the function role', () => {
    const roles = new Capture();
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }), ManagedPolicyArns: Match.absent(), Description: roles });
    expect(roles.asString()).toMatch(/pre-market/);
  });
});
