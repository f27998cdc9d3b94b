import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../engine/clock';
import type { Logger, LogSink } from '../observability/log';
import { METRIC_NAMESPACE } from '../observability/metric-names';
import { EmfMetrics, LogEmfSink } from '../observability/metrics';
import type { EmfSink, Metrics } from '../observability/metrics';
import { TcpEmfSink } from '../observability/metrics-tcp';
import type { Scheduler } from '../observability/reporter';
import type { KillSwitchReading } from '../risk/kill-switch';
import { LogAlertPublisher, SnsAlertPublisher, fileDedupeMemory } from './alerts';
import type { AlertPublisher } from './alerts';
import { BrokerSecret } from './broker-secret';
import type { AwsRuntimeConfig } from './config';
import { sdkClientConfig } from './sdk';
import type { SdkClientOptions } from './sdk';
import { SsmKillSwitch } from './ssm-kill-switch';

/**
 * The operational adapters in one place, for the composition root: AWS (EMF to the agent,
 * SNS alerts, SSM kill switch, broker secret) when `awsRuntimeFromEnv` returned a config,
 * local (EMF lines in the log, alerts in the log; kill switch file and broker key stay with the
 * local code paths) when it returned null.
 */
export interface OpsDeps {
  /** Wall clock in the process. */
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
}

export interface Ops {
  readonly mode: 'aws' | 'local';
  readonly metrics: Metrics;
  readonly alerts: AlertPublisher;
  /** AWS: the SSM poller (call `start()` before trading). Local: null, poll the kill-switch file. */
  readonly killSwitch: SsmKillSwitch | null;
  /** AWS: the broker credentials secret. Local: null, the key comes from local config. */
  readonly brokerSecret: BrokerSecret | null;
  /** Stops polling and closes the metrics sink (flushing what it can). */
  close(): Promise<void>;
}

export interface AwsOpsOptions extends OpsDeps {
  readonly onKillSwitch: (reading: KillSwitchReading) => void;
  /** Alert dedupe file in the state directory (e.g. `alerts-sent.json` in the unit's WorkingDirectory); in memory when absent. */
  readonly alertMemoryPath?: string;
  /** Kill-switch poll period (default 5 s). */
  readonly killSwitchPollMs?: number;
  /** Overrides for the SDK clients (tests: endpoint and credentials). */
  readonly sdk?: Partial<SdkClientOptions>;
}

export function awsOps(cfg: AwsRuntimeConfig, o: AwsOpsOptions): Ops {
  const clientConfig = sdkClientConfig({ region: cfg.region, ...o.sdk });
  const logger = o.logger;
  const sink = new TcpEmfSink({ host: cfg.metrics.emf.host, port: cfg.metrics.emf.port, clock: o.clock, logger: logger.child({ component: 'metrics' }) });
  const killSwitch = new SsmKillSwitch({
    client: new SSMClient(clientConfig),
    parameterName: cfg.killSwitchParameter,
    scheduler: o.scheduler,
    logger: logger.child({ component: 'kill-switch' }),
    onChange: o.onKillSwitch,
    ...(o.killSwitchPollMs === undefined ? {} : { intervalMs: o.killSwitchPollMs }),
  });
  const alertLogger = logger.child({ component: 'alerts' });
  const alerts = new SnsAlertPublisher({
    client: new SNSClient(clientConfig),
    topicArn: cfg.alertTopicArn,
    clock: o.clock,
    logger: alertLogger,
    subjectPrefix: `TFL ${cfg.profile}: `,
    ...(o.alertMemoryPath === undefined ? {} : { memory: fileDedupeMemory(o.alertMemoryPath, alertLogger) }),
  });
  const brokerSecret = new BrokerSecret({
    client: new SecretsManagerClient(clientConfig),
    secretId: cfg.brokerSecretArn,
    clock: o.clock,
    logger: logger.child({ component: 'broker-secret' }),
  });
  return {
    mode: 'aws',
    metrics: new EmfMetrics({ namespace: cfg.metrics.namespace, profile: cfg.profile, logGroupName: cfg.metrics.logGroupName }, sink),
    alerts,
    killSwitch,
    brokerSecret,
    close: () => closeAll(sink, () => killSwitch.stop()),
  };
}

export interface LocalOpsOptions extends OpsDeps {
  readonly profile: string;
  /** Where the EMF lines go: the trader's log stream. */
  readonly logSink: LogSink;
}

export function localOps(o: LocalOpsOptions): Ops {
  const sink = new LogEmfSink(o.logSink);
  return {
    mode: 'local',
    metrics: new EmfMetrics({ namespace: METRIC_NAMESPACE, profile: o.profile, logGroupName: null }, sink),
    alerts: new LogAlertPublisher(o.logger.child({ component: 'alerts' })),
    killSwitch: null,
    brokerSecret: null,
    close: () => closeAll(sink, () => undefined),
  };
}

async function closeAll(sink: EmfSink, stopPolling: () => void): Promise<void> {
  stopPolling();
  await sink.close();
}
