import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const VPC_CIDR = '10.40.0.0/24';

export interface TraderNetworkProps {
  /** Interface endpoints for SSM, logs, monitoring, Secrets Manager and SNS. */
  readonly interfaceEndpoints: boolean;
  readonly flowLogRetention: RetentionDays;
}

/**
 * One-AZ VPC without NAT gateways: the instance sits in a public subnet with a public IP for
 * outbound traffic to the broker (no inbound rules), and reaches AWS through gateway endpoints
 * (DynamoDB, S3 — free) and, by default, interface endpoints, so SSM sessions, logs, metrics,
 * secrets and alerts keep working without the internet path. All traffic is flow-logged.
 */
export class TraderNetwork extends Construct {
  readonly vpc: Vpc;

  constructor(scope: Construct, id: string, props: TraderNetworkProps) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(VPC_CIDR),
      // Named explicitly so synthesis needs no AZ lookup (offline CI); one AZ is enough for one host.
      availabilityZones: [`${Stack.of(this).region}a`],
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false }],
      gatewayEndpoints: {
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
    });
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: props.flowLogRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc.addFlowLog('FlowLog', { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL });

    if (props.interfaceEndpoints) {
      const endpointSg = new SecurityGroup(this, 'EndpointSg', {
        vpc: this.vpc,
        description: 'Interface endpoints: HTTPS from inside the VPC only',
        allowAllOutbound: false,
      });
      endpointSg.addIngressRule(Peer.ipv4(VPC_CIDR), Port.tcp(443), 'HTTPS from the VPC');
      const services = {
        Ssm: InterfaceVpcEndpointAwsService.SSM,
        SsmMessages: InterfaceVpcEndpointAwsService.SSM_MESSAGES,
        Ec2Messages: InterfaceVpcEndpointAwsService.EC2_MESSAGES,
        Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        Monitoring: InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
        SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        Sns: InterfaceVpcEndpointAwsService.SNS,
      };
      for (const [name, service] of Object.entries(services)) {
        this.vpc.addInterfaceEndpoint(name, { service, securityGroups: [endpointSg], privateDnsEnabled: true, open: false });
      }
    }
  }
}
