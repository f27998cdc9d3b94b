import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyDefinition, TableDefinition } from '../../trader/persistence/schema';

export interface StateTableProps {
  /** The table definition shared with the trader (trader/persistence/schema.ts). */
  readonly definition: TableDefinition;
  readonly tableName: string;
}

/**
 * The system of record (issue 3 §1) built from the shared schema, with the durability
 * defaults that matter for real money: point-in-time recovery (35 days), deletion protection,
 * RETAIN on stack deletion, on-demand billing. Encryption at rest is always on (AWS-owned key).
 */
export class StateTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    const d = props.definition;
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: attribute(d.partitionKey),
      sortKey: attribute(d.sortKey),
      billing: Billing.onDemand(),
      timeToLiveAttribute: d.timeToLiveAttribute,
      globalSecondaryIndexes: d.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: attribute(g.partitionKey),
        sortKey: attribute(g.sortKey),
      })),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

function attribute(k: KeyDefinition): Attribute {
  switch (k.type) {
    case 'S':
      return { name: k.name, type: AttributeType.STRING };
    case 'N':
      return { name: k.name, type: AttributeType.NUMBER };
    case 'B':
      return { name: k.name, type: AttributeType.BINARY };
  }
}
