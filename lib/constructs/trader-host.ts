import {
  AmazonLinuxCpuType,
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  Instance,
  InstanceType,
  KeyPair,
  MachineImage,
  MultipartBody,
  MultipartUserData,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export type SshAccess = { readonly enabled: false } | { readonly enabled: true; readonly allowedCidr: string; readonly keyPairName: string };

export interface TraderHostProps {
  readonly vpc: IVpc;
  readonly instanceType: string;
  readonly ssh: SshAccess;
  readonly egressPorts: readonly number[];
  /** Shell lines run on every boot (see trader-boot.ts). */
  readonly bootScript: readonly string[];
}

/**
 * The trader's EC2 host with the safety defaults: Amazon Linux 2023 on Graviton, IMDSv2 only,
 * encrypted gp3 root volume, termination protection, detailed monitoring, a security group
 * with no inbound rule (SSH only when enabled, and then only from the configured CIDR), egress
 * limited to the configured TCP ports, and an instance role that starts with SSM Session
 * Manager rights only (stacks grant the rest).
 */
export class TraderHost extends Construct {
  readonly instance: Instance;
  readonly role: Role;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: TraderHostProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'Sg', {
      vpc: props.vpc,
      description: props.ssh.enabled ? 'TFL trader: SSH from the configured CIDR only' : 'TFL trader: no inbound traffic',
      allowAllOutbound: false,
    });
    for (const port of props.egressPorts) {
      this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(port), `outbound TCP ${port} (broker APIs, AWS endpoints)`);
    }
    if (props.ssh.enabled) {
      this.securityGroup.addIngressRule(Peer.ipv4(props.ssh.allowedCidr), Port.tcp(22), 'SSH from the configured operator CIDR');
    }

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'TFL trader instance: state table, alerts, metrics and logs, broker secret, kill switch, Session Manager',
    });
    // Session Manager core, scoped instead of AmazonSSMManagedInstanceCore (which also reads every
    // SSM parameter and document in the account).
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'SessionManagerCore',
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
          'ec2messages:AcknowledgeMessage',
          'ec2messages:DeleteMessage',
          'ec2messages:FailMessage',
          'ec2messages:GetEndpoint',
          'ec2messages:GetMessages',
          'ec2messages:SendReply',
        ],
        resources: ['*'],
      }),
    );

    const userData = new MultipartUserData();
    // Run the shell part on every boot, not only the first: the instance is started each morning
    // and must pick up the bundle of the latest deploy.
    userData.addPart(
      MultipartBody.fromRawBody({
        contentType: 'text/cloud-config; charset="utf-8"',
        body: '#cloud-config\ncloud_final_modules:\n  - [scripts-user, always]\n',
      }),
    );
    const shell = UserData.forLinux();
    shell.addCommands(...props.bootScript);
    userData.addUserDataPart(shell, MultipartBody.SHELL_SCRIPT, true);

    this.instance = new Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      associatePublicIpAddress: true,
      instanceType: new InstanceType(props.instanceType),
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      securityGroup: this.securityGroup,
      role: this.role,
      requireImdsv2: true,
      detailedMonitoring: true,
      disableApiTermination: true,
      ebsOptimized: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs(16, { encrypted: true, volumeType: EbsDeviceVolumeType.GP3, deleteOnTermination: true }),
        },
      ],
      userData,
      keyPair: props.ssh.enabled ? KeyPair.fromKeyPairName(this, 'KeyPair', props.ssh.keyPairName) : undefined,
    });
    acknowledge(
      this.role.node.findChild('DefaultPolicy'),
      'AwsSolutions-IAM5[Resource::*]',
      'Session Manager (ssm:UpdateInstanceInformation, ssmmessages:*Channel, ec2messages:*) and cloudwatch:PutMetricData do not support resource-level permissions; PutMetricData is limited by a cloudwatch:namespace condition.',
    );
  }
}
