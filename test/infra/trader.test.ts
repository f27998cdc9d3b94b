import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, policyStatements, synth } from './support';

describe('Trader stack (SSH off, the default)', () => {
  const t = synth().template('trader');

  it('runs Amazon Linux 2023 on Graviton with IMDSv2, detailed monitoring and termination protection', () => {
    t.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.small',
      ImageId: { Ref: Match.stringLikeRegexp('al2023.*arm64') },
      Monitoring: true,
      DisableApiTermination: true,
    });
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
  });

  it('encrypts every EBS volume', () => {
    t.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) }],
    });
  });

  it('has no NAT gateway, flow logs on, and the endpoints it needs', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify((r as { Properties: { ServiceName: unknown } }).Properties.ServiceName));
    for (const svc of ['ssm', 'ssmmessages', 'ec2messages', 'logs', 'monitoring', 'secretsmanager', 'sns', 'dynamodb', 's3']) {
      expect(endpoints.some((e) => e.includes(`.${svc}"`) || e.endsWith(`.${svc}"`) || e.includes(`.${svc}`))).toBe(true);
    }
  });

  it('allows no inbound traffic at all and no 0.0.0.0/0 ingress anywhere', () => {
    const sgs = t.findResources('AWS::EC2::SecurityGroup');
    const trader = Object.values(sgs).find((r) => JSON.stringify(r).includes('no inbound traffic')) as { Properties: Record<string, unknown> } | undefined;
    expect(trader?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(JSON.stringify(t.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('0.0.0.0/0');
    for (const sg of Object.values(sgs)) {
      const ingress = (sg as { Properties: { SecurityGroupIngress?: { CidrIp?: string }[] } }).Properties.SecurityGroupIngress ?? [];
      for (const rule of ingress) expect(rule.CidrIp).not.toBe('0.0.0.0/0');
    }
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'TFL trader: no inbound traffic',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
  });

  it('starts 08:50 and stops 15:45 IST on weekdays, with a role limited to this instance', () => {
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    const byAction = (a: string) => schedules.find((p) => JSON.stringify(p.Target).includes(`aws-sdk:ec2:${a}`));
    expect(byAction('startInstances')).toMatchObject({ ScheduleExpression: 'cron(50 8 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Asia/Kolkata' });
    expect(byAction('stopInstances')).toMatchObject({ ScheduleExpression: 'cron(45 15 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Asia/Kolkata' });
    expect(JSON.stringify(byAction('stopInstances')?.Target)).toContain('InstanceIds');
    const power = policyStatements(t).filter((s) => actionsOf(s).some((a) => a === 'ec2:StartInstances' || a === 'ec2:StopInstances'));
    expect(power).toHaveLength(2);
    for (const s of power) expect(JSON.stringify(s.Resource)).toMatch(/:instance\//);
  });

  it('grants least privilege: no wildcard actions; only Session Manager and namespaced PutMetricData on *', () => {
    const stmts = policyStatements(t);
    for (const s of stmts) for (const a of actionsOf(s)) expect(a, JSON.stringify(s)).not.toContain('*');
    const onStar = stmts.filter((s) => JSON.stringify(s.Resource) === '"*"');
    const allowed = /^(ssm:UpdateInstanceInformation|ssmmessages:|ec2messages:|cloudwatch:PutMetricData$)/;
    for (const s of onStar) for (const a of actionsOf(s)) expect(a).toMatch(allowed);
    const metrics = onStar.find((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
    expect(metrics?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': ['TFL', 'CWAgent'] } });
    const table = stmts.find((s) => s.Sid === 'StateTable');
    expect(JSON.stringify(table?.Resource)).not.toContain('index/*');
    expect(actionsOf(table ?? { Effect: '', Action: [], Resource: null })).not.toContain('dynamodb:Scan');
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }), ManagedPolicyArns: Match.absent() });
  });

  it('creates one kill-switch parameter per profile, constrained to off|stop|flatten', () => {
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/tfl/default/kill-switch', Value: 'off', AllowedPattern: '^(off|stop|flatten)$', Type: 'String' });
  });

  it('keeps the trader logs with retention and retains the broker secret', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/tfl/trader', RetentionInDays: 90 });
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ Name: 'tfl/broker' }) });
  });

  it('user data installs Node 20, the bundle, the systemd unit with a start limit and the CloudWatch agent', () => {
    const ud = JSON.stringify(t.findResources('AWS::EC2::Instance'));
    for (const needle of ['nodejs20', 'amazon-cloudwatch-agent', 'aws s3 cp', 'tfl-trader@.service', 'Restart=on-failure', 'StartLimitBurst=5', 'StartLimitIntervalSec=600', 'scripts-user, always', 'TFL_KILL_SWITCH_PARAMETER=/tfl/default/kill-switch']) {
      expect(ud).toContain(needle);
    }
  });
});

describe('Trader stack with SSH on', () => {
  const t = synth({ ssh: { enabled: true, allowedCidr: '203.0.113.7/32', keyPairName: 'ops-key' } }).template('trader');

  it('opens port 22 to the configured CIDR only and uses the key pair', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '203.0.113.7/32', FromPort: 22, ToPort: 22, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
    t.hasResourceProperties('AWS::EC2::Instance', { KeyName: 'ops-key' });
  });
});
