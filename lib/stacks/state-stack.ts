import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { STATE_TABLE, stateTableName } from '../../trader/persistence/schema';
import { StateTable } from '../constructs/state-table';

export interface StateStackProps extends StackProps {
  readonly prefix: string;
}

/** Stateful resources only, so the other stacks can be destroyed and rebuilt freely. */
export class StateStack extends Stack {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: StateStackProps) {
    super(scope, id, props);
    this.table = new StateTable(this, STATE_TABLE.id, { definition: STATE_TABLE, tableName: stateTableName(props.prefix) }).table;
  }
}
