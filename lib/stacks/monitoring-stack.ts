import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Instance } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Universal } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  BIAS_METRIC,
  ERROR_LOG_LINES_METRIC,
  METRIC,
  METRIC_NAMESPACE,
  PRE_MARKET_SERVICE,
  PROFILE_DIMENSION,
} from '../../trader/observability/metric-names';
import type { TraderMetricName } from '../../trader/observability/metric-names';
import type { ProfileConfig } from '../config';
import { onceAt, weekdaysAt } from '../constructs/ist-schedule';

export interface MonitoringStackProps extends StackProps {
  readonly prefix: string;
  readonly profiles: readonly ProfileConfig[];
  readonly alarmTopic: ITopic;
  readonly instance: Instance;
  readonly traderLogGroup: ILogGroup;
  readonly preMarketFunction: IFunction;
  readonly tickAgeAlarmSeconds: number;
  /** IST HH:MM: market-hours alarms get actions only between these. */
  readonly alarmsArm: string;
  readonly alarmsDisarm: string;
  /** Weekday NSE holidays (YYYY-MM-DD) on which the market-hours alarms stay disarmed. */
  readonly holidays: readonly string[];
}

/**
 * The market-hours dashboard and every alarm, all to the alarm topic. Heartbeat and tick-age
 * alarms are "market-hours alarms": their actions are enabled at `alarmsArm` and disabled at
 * `alarmsDisarm` on weekdays (and disabled again shortly after arming on NSE holidays), because
 * a stopped trader "breaches" every night. Arming also resets the heartbeat alarms to OK so a
 * trader that never came up in the morning still produces an ALARM transition, i.e. a message.
 */
export class MonitoringStack extends Stack {
  readonly heartbeatAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const action = new SnsAction(props.alarmTopic);
    const withActions = (a: Alarm): Alarm => {
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    // No labels on alarm metrics: a label turns the alarm into a metric-math alarm.
    const m = (profile: string, name: TraderMetricName, statistic: string): Metric =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName: name, dimensionsMap: { [PROFILE_DIMENSION]: profile }, statistic, period: Duration.minutes(1) });

    const heartbeats: Alarm[] = [];
    const marketHours: Alarm[] = [];
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${props.prefix}-market-hours`, defaultInterval: Duration.hours(8) });
    const bias = new Metric({
      namespace: METRIC_NAMESPACE,
      metricName: BIAS_METRIC,
      dimensionsMap: { service: PRE_MARKET_SERVICE },
      statistic: 'Maximum',
      period: Duration.days(1),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# TFL market hours\nAlarms armed ${props.alarmsArm}–${props.alarmsDisarm} IST on trading days. Kill switch: SSM \`/${props.prefix}/<profile>/kill-switch\` (off | stop | flatten). See docs/runbook.md.`,
        width: 18,
        height: 2,
      }),
      new SingleValueWidget({ title: "Today's bias (1 longs, -1 shorts, 0 none)", metrics: [bias], width: 6, height: 2 }),
    );

    for (const p of props.profiles) {
      const heartbeat = withActions(
        new Alarm(this, `Heartbeat-${p.name}`, {
          alarmName: `${props.prefix}-${p.name}-heartbeat`,
          alarmDescription: `No trader heartbeat for 5 minutes (profile ${p.name}). Runbook: "Heartbeat alarm".`,
          metric: m(p.name, METRIC.heartbeat, 'Sum'),
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
      const tickAge = withActions(
        new Alarm(this, `TickAge-${p.name}`, {
          alarmName: `${props.prefix}-${p.name}-tick-age`,
          alarmDescription: `Newest tick older than ${props.tickAgeAlarmSeconds}s for 3 minutes (profile ${p.name}): market data is stale.`,
          metric: m(p.name, METRIC.tickAgeSeconds, 'Maximum'),
          threshold: props.tickAgeAlarmSeconds,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      withActions(
        new Alarm(this, `DailyLoss-${p.name}`, {
          alarmName: `${props.prefix}-${p.name}-daily-loss`,
          alarmDescription: `Day P&L below -${p.dailyLossAlarmRupees} rupees (profile ${p.name}).`,
          metric: m(p.name, METRIC.dayPnlRupees, 'Minimum'),
          threshold: -p.dailyLossAlarmRupees,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      heartbeats.push(heartbeat);
      marketHours.push(heartbeat, tickAge);

      const graph = (title: string, metrics: IMetric[], right: IMetric[] = []) => new GraphWidget({ title: `${p.name}: ${title}`, left: metrics, right, width: 8, height: 6 });
      dashboard.addWidgets(
        graph('heartbeat', [m(p.name, METRIC.heartbeat, 'Sum')]),
        graph('ticks/s and tick age', [m(p.name, METRIC.ticksPerSecond, 'Average')], [m(p.name, METRIC.tickAgeSeconds, 'Maximum')]),
        graph('open positions', [m(p.name, METRIC.openPositions, 'Maximum')]),
      );
      dashboard.addWidgets(
        graph('P&L (₹) and R', [m(p.name, METRIC.dayPnlRupees, 'Average')], [m(p.name, METRIC.dayR, 'Average')]),
        graph('orders and rejections', [m(p.name, METRIC.ordersPlaced, 'Sum'), m(p.name, METRIC.ordersRejected, 'Sum')]),
        graph('risk denials and errors', [m(p.name, METRIC.riskDenials, 'Sum'), m(p.name, METRIC.errors, 'Sum')]),
      );
    }
    this.heartbeatAlarms = heartbeats;

    const errorLines = new MetricFilter(this, 'ErrorLines', {
      logGroup: props.traderLogGroup,
      filterPattern: FilterPattern.any(FilterPattern.stringValue('$.level', '=', 'ERROR'), FilterPattern.stringValue('$.level', '=', 'FATAL')),
      metricNamespace: METRIC_NAMESPACE,
      metricName: ERROR_LOG_LINES_METRIC,
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.minutes(1) });
    withActions(
      new Alarm(this, 'ErrorLogLines', {
        alarmName: `${props.prefix}-trader-error-logs`,
        alarmDescription: 'The trader logged an ERROR or FATAL line. Read the log group for the message.',
        metric: errorLines,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const statusCheck = new Metric({
      namespace: 'AWS/EC2',
      metricName: 'StatusCheckFailed',
      dimensionsMap: { InstanceId: props.instance.instanceId },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    withActions(
      new Alarm(this, 'InstanceStatus', {
        alarmName: `${props.prefix}-trader-status-check`,
        alarmDescription: 'EC2 status check failed on the trader instance.',
        metric: statusCheck,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const lambdaErrors = props.preMarketFunction.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) });
    withActions(
      new Alarm(this, 'PreMarketErrors', {
        alarmName: `${props.prefix}-pre-market-errors`,
        alarmDescription: 'The pre-market bias Lambda failed. The day has no stored bias until it succeeds; the trader treats a missing bias as NO_TRADES.',
        metric: lambdaErrors,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'ERROR/FATAL log lines', left: [errorLines], width: 8, height: 6 }),
      new GraphWidget({ title: 'EC2 status check', left: [statusCheck], width: 8, height: 6 }),
      new GraphWidget({ title: 'Pre-market Lambda errors', left: [lambdaErrors], width: 8, height: 6 }),
    );

    // Market-hours alarm window (EventBridge Scheduler universal targets, role scoped to these alarms).
    const names = marketHours.map((a) => a.alarmName);
    const arns = marketHours.map((a) => a.alarmArn);
    const call = (id: string, schedule: ScheduleExpression, action: string, iamAction: string, input: Record<string, unknown>, resources: string[]) =>
      new Schedule(this, id, {
        description: `TFL alarm window: cloudwatch ${action}`,
        schedule,
        target: new Universal({
          service: 'cloudwatch',
          action,
          input: ScheduleTargetInput.fromObject(input),
          policyStatements: [new PolicyStatement({ actions: [iamAction], resources })],
          retryAttempts: 3,
        }),
      });
    call('ArmAlarms', weekdaysAt(props.alarmsArm), 'enableAlarmActions', 'cloudwatch:EnableAlarmActions', { AlarmNames: names }, arns);
    call('DisarmAlarms', weekdaysAt(props.alarmsDisarm), 'disableAlarmActions', 'cloudwatch:DisableAlarmActions', { AlarmNames: names }, arns);
    const resetAt = addMinutes(props.alarmsArm, 4);
    heartbeats.forEach((a, i) =>
      call(`ResetHeartbeat${i}`, weekdaysAt(resetAt), 'setAlarmState', 'cloudwatch:SetAlarmState', { AlarmName: a.alarmName, StateValue: 'OK', StateReason: 'market open: re-evaluate heartbeat' }, [a.alarmArn]),
    );
    const holidayDisarm = addMinutes(props.alarmsArm, 2);
    for (const date of props.holidays) {
      call(`HolidayDisarm-${date}`, onceAt(date, holidayDisarm), 'disableAlarmActions', 'cloudwatch:DisableAlarmActions', { AlarmNames: names }, arns);
    }
  }
}

function addMinutes(hhmm: string, minutes: number): string {
  const total = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)) + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
