import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STATE_TABLE, stateTableName } from '../../trader/persistence/schema';
import { synth } from './support';

describe('State stack', () => {
  const s = synth();
  const t = s.template('state');

  it('builds the table from the shared schema: keys, GSI, TTL, on-demand', () => {
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: stateTableName('tfl'),
      KeySchema: [
        { AttributeName: STATE_TABLE.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE.sortKey.name, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: STATE_TABLE.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: STATE_TABLE.globalSecondaryIndexes[0]?.indexName })],
    });
  });

  it('keeps the system of record: PITR 35 days, deletion protection, RETAIN', () => {
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          }),
        ],
      }),
    });
  });

  it('the stack itself has termination protection', () => {
    expect(s.stacks.state.terminationProtection).toBe(true);
  });
});
