import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PRE_MARKET_EXTERNALS, PRE_MARKET_TARGET, ROOT } from '../../scripts/bundle';
import { METRIC_NAMESPACE } from '../../trader/observability/metric-names';

export interface HouseFunctionProps {
  /** Entry file (TypeScript), bundled locally by esbuild. */
  readonly entry: string;
  readonly description: string;
  /** Powertools service name (log field and metric dimension `service`). */
  readonly serviceName: string;
  readonly logRetention: RetentionDays;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * The house Lambda (STYLE.md, after Powertools' own examples): current Node runtime on ARM64,
 * ESM bundle built locally by esbuild (never Docker) with source maps, Powertools logger and
 * metrics configured through the environment, its own log group with retention, and a role
 * that can write only to that log group (no AWS-managed policy). Grants are added by stacks.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} Lambda: writes its own log group; other rights are granted by the stack`,
    });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const fnProps: NodejsFunctionProps = {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      role,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}/package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: PRE_MARKET_TARGET,
        minify: true,
        sourceMap: true,
        externalModules: PRE_MARKET_EXTERNALS,
        banner: "import { createRequire as __tflCreateRequire } from 'node:module'; const require = __tflCreateRequire(import.meta.url);",
        mainFields: ['module', 'main'],
      },
    };
    super(scope, id, fnProps);
  }
}
