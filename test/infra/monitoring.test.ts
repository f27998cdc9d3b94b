import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { weekdayHolidaysFrom } from '../../lib/tfl-app';
import { actionsOf, policyStatements, synth } from './support';

describe('Monitoring stack', () => {
  const s = synth({}, { today: '2026-01-01' });
  const t = s.template('monitoring');

  it('alarms on a missing heartbeat: 5 of 5 one-minute periods, missing data breaching, to the alert topic', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'tfl-default-heartbeat',
      Namespace: 'TFL',
      MetricName: 'Heartbeat',
      Dimensions: [{ Name: 'Profile', Value: 'default' }],
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('has the other alarms: tick age, daily loss, ERROR/FATAL lines, EC2 status check, Lambda errors', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TickAgeSeconds', Threshold: 60, TreatMissingData: 'notBreaching' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DayPnlRupees', Threshold: -5000, ComparisonOperator: 'LessThanThreshold' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ErrorLogLines', Namespace: 'TFL' });
    t.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ ($.level = "ERROR") || ($.level = "FATAL") }' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/EC2', MetricName: 'StatusCheckFailed' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    for (const a of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect((a as { Properties: { AlarmActions?: unknown[] } }).Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('arms market-hours alarms at 09:20 and disarms them at 15:15 IST, re-arming the heartbeat with an OK reset', () => {
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    const find = (action: string, expr: string) => schedules.find((p) => JSON.stringify(p.Target).includes(`cloudwatch:${action}`) && p.ScheduleExpression === expr);
    expect(find('enableAlarmActions', 'cron(20 9 ? * MON-FRI *)')).toMatchObject({ ScheduleExpressionTimezone: 'Asia/Kolkata' });
    expect(find('disableAlarmActions', 'cron(15 15 ? * MON-FRI *)')).toMatchObject({ ScheduleExpressionTimezone: 'Asia/Kolkata' });
    expect(find('setAlarmState', 'cron(24 9 ? * MON-FRI *)')).toBeDefined();
  });

  it('keeps the alarm window shut on NSE holidays (one-time disarm schedules from the calendar)', () => {
    const holidays = weekdayHolidaysFrom('2026-01-01');
    expect(holidays.length).toBeGreaterThan(5);
    const first = holidays[0] ?? '';
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: `at(${first}T09:22:00)`, ScheduleExpressionTimezone: 'Asia/Kolkata' });
  });

  it('lets the scheduler role change only the market-hours alarms', () => {
    for (const st of policyStatements(t)) {
      for (const a of actionsOf(st)) expect(a).toMatch(/^cloudwatch:(EnableAlarmActions|DisableAlarmActions|SetAlarmState)$/);
      expect(JSON.stringify(st.Resource)).toMatch(/^\[?\{"Fn::GetAtt":\["(Heartbeat|TickAge)/);
      expect(JSON.stringify(st.Resource)).not.toContain('"*"');
    }
  });

  it('has a dashboard with every trader metric and the bias', () => {
    const body = JSON.stringify(t.findResources('AWS::CloudWatch::Dashboard'));
    for (const m of ['Heartbeat', 'TicksPerSecond', 'TickAgeSeconds', 'OpenPositions', 'DayPnlRupees', 'DayR', 'OrdersPlaced', 'OrdersRejected', 'RiskDenials', 'Errors', 'Bias']) {
      expect(body).toContain(`\\"${m}\\"`);
    }
  });
});
