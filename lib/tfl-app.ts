import type { App } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NSE_HOLIDAYS } from '../trader/domain/nse-calendar-data';
import type { DeployConfig } from './config';
import { AlertsStack } from './stacks/alerts-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { PreMarketStack } from './stacks/pre-market-stack';
import { StateStack } from './stacks/state-stack';
import { TraderStack } from './stacks/trader-stack';

export interface TflStacks {
  readonly state: StateStack;
  readonly alerts: AlertsStack;
  readonly preMarket: PreMarketStack;
  readonly trader: TraderStack;
  readonly monitoring: MonitoringStack;
}

export interface BuildOptions {
  /** IST date key of "today" (from the composition root's clock): holidays before it get no schedule. */
  readonly today: string;
  /** Fail when the trader bundle does not build (deploys); CI synth tolerates a stub. */
  readonly requireBundles: boolean;
}

const RETENTION: Record<DeployConfig['logRetentionDays'], RetentionDays> = {
  30: RetentionDays.ONE_MONTH,
  90: RetentionDays.THREE_MONTHS,
  180: RetentionDays.SIX_MONTHS,
  365: RetentionDays.ONE_YEAR,
  731: RetentionDays.TWO_YEARS,
};

/** Composes the five stacks from a validated config. */
export function buildTfl(app: App, config: DeployConfig, options: BuildOptions): TflStacks {
  const env = { account: config.account, region: config.region };
  const p = config.prefix;
  const name = (s: string) => `${capital(p)}${s}`;
  const logRetention = RETENTION[config.logRetentionDays];

  const state = new StateStack(app, name('State'), { env, prefix: p, description: 'TFL state: DynamoDB table (PITR, deletion protection, RETAIN)', terminationProtection: true });
  const table: ITableV2 =
    config.stateTableOverride === undefined ? state.table : TableV2.fromTableName(state, 'RestoredTable', config.stateTableOverride);
  const alerts = new AlertsStack(app, name('Alerts'), {
    env,
    prefix: p,
    emails: config.alerts.emails,
    smsNumbers: config.alerts.smsNumbers,
    description: 'TFL alert topics (bias, alarms)',
  });
  const preMarket = new PreMarketStack(app, name('PreMarket'), {
    env,
    table,
    biasTopic: alerts.biasTopic,
    alarmTopic: alerts.alarmTopic,
    runAt: config.schedule.preMarket,
    logRetention,
    description: 'TFL pre-market bias Lambda and schedule',
  });
  const trader = new TraderStack(app, name('Trader'), {
    env,
    prefix: p,
    profiles: config.profiles,
    table,
    alarmTopic: alerts.alarmTopic,
    instanceType: config.instanceType,
    ssh: config.ssh,
    egressPorts: config.egressPorts,
    interfaceEndpoints: config.interfaceEndpoints,
    brokerSecretName: config.brokerSecretName,
    schedule: config.schedule,
    logRetention,
    requireBundle: options.requireBundles,
    description: 'TFL trader: EC2 host, network, secret, kill switches, start/stop schedules',
  });
  const monitoring = new MonitoringStack(app, name('Monitoring'), {
    env,
    prefix: p,
    profiles: config.profiles,
    alarmTopic: alerts.alarmTopic,
    instance: trader.instance,
    traderLogGroup: trader.traderLogGroup,
    preMarketFunction: preMarket.fn,
    tickAgeAlarmSeconds: config.tickAgeAlarmSeconds,
    alarmsArm: config.schedule.alarmsArm,
    alarmsDisarm: config.schedule.alarmsDisarm,
    holidays: weekdayHolidaysFrom(options.today),
    description: 'TFL dashboard and alarms',
  });
  return { state, alerts, preMarket, trader, monitoring };
}

/** NSE weekday holidays on or after `today` (weekend holidays change nothing). */
export function weekdayHolidaysFrom(today: string): string[] {
  return Object.keys(NSE_HOLIDAYS)
    .filter((d) => d >= today)
    .filter((d) => {
      const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
      return wd !== 0 && wd !== 6;
    })
    .sort();
}

function capital(s: string): string {
  return s
    .split('-')
    .map((w) => (w.length ? `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}` : w))
    .join('');
}
