import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { STATE_PARTITIONS } from '../../shared/adapters/tables.ts';
import { TABLES, type TableDefinition } from '../../shared/adapters/tables.ts';
import type { StageSettings } from '../settings.ts';

export type Partition = (typeof STATE_PARTITIONS)[keyof typeof STATE_PARTITIONS];
export const READ = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
export const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/**
 * The two tables, built from `shared/adapters/tables.ts` (the same definitions the local runtime creates): on
 * demand, point-in-time recovery, TTL where items expire, the events stream, deletion protection in production.
 */
export class SentinelTables extends Construct {
  readonly events: dynamodb.Table;
  readonly state: dynamodb.Table;

  constructor(scope: Construct, id: string, settings: StageSettings) {
    super(scope, id);
    const build = (definition: TableDefinition) =>
      new dynamodb.Table(this, definition.id === 'events' ? 'Events' : 'State', {
        partitionKey: { name: definition.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(definition.sortKey ? { sortKey: { name: definition.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(definition.stream ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
        ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
        deletionProtection: settings.deletionProtection,
        removalPolicy: settings.removalPolicy,
      });
    const [events, state] = TABLES.map(build) as [dynamodb.Table, dynamodb.Table];
    this.events = events;
    this.state = state;
  }

  /**
   * Grants `actions` on the state table, limited to items whose partition key belongs to `partitions`. One statement
   * per call; the exact ARN, never a wildcard.
   */
  grantState(role: iam.IRole, actions: readonly string[], partitions: readonly Partition[]): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.state.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } },
      }),
    );
  }
}
