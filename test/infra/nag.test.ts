import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synth } from './support';

/**
 * Zero unacknowledged AwsSolutions findings (errors and warnings) on the whole app, in both SSH
 * modes. `validateScope` runs the same pack bin/app.ts registers on every `cdk synth`.
 */
describe('cdk-nag AwsSolutions', () => {
  const cases: [string, Parameters<typeof synth>[0]][] = [
    ['defaults', {}],
    [
      'SSH on, no interface endpoints, two profiles',
      {
        ssh: { enabled: true, allowedCidr: '203.0.113.0/28', keyPairName: 'ops' },
        interfaceEndpoints: false,
        profiles: [
          { name: 'default', dailyLossAlarmRupees: 5000 },
          { name: 'options', dailyLossAlarmRupees: 8000 },
        ],
      },
    ],
  ];
  for (const [label, overrides] of cases) {
    it(`has no unacknowledged findings (${label})`, () => {
      const { app } = synth(overrides);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`);
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    });
  }

  it('bin/app.ts registers the checks on the app (a finding would fail synthesis)', () => {
    const { app } = synth();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
