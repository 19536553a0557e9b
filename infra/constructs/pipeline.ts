import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { StageSettings } from '../settings.ts';
import { deadLetterQueue, secureQueue } from './messaging.ts';
import { SentinelFunction } from './sentinel-function.ts';
import type { SentinelTables } from './storage.ts';
import { READ, WRITE } from './storage.ts';

/** Ingest: the queue the bus rules feed (with its dead-letter queue) and the function that admits each event. */
export class Ingest extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly function: SentinelFunction<'ingest'>;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; tables: SentinelTables }) {
    super(scope, id);
    const timeout = Duration.seconds(30);
    this.dlq = secureQueue(this, 'Dlq', { retentionPeriod: Duration.days(14) });
    // Visibility ≥ 6 × the function timeout (AWS's guidance for SQS event sources); 5 receives before the DLQ.
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: 5 },
    });
    this.function = new SentinelFunction(this, 'Ingest', {
      name: 'ingest',
      settings: props.settings,
      timeout,
      environment: { EVENTS_TABLE: props.tables.events.tableName, STATE_TABLE: props.tables.state.tableName },
    });
    const role = this.function.role;
    // PutItem for events; UpdateItem (inside a transaction) for a campaign-day's report in force.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [props.tables.events.tableArn] }));
    props.tables.grantState(role, ['dynamodb:GetItem'], ['CONFIG']);
    props.tables.grantState(role, ['dynamodb:PutItem'], ['QUARANTINE#*', 'DUPLICATE#*', 'SUPERSEDED#*']);
    this.function.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true }));
  }
}

/**
 * Aggregation: the events table's stream, read with a tumbling window (only windowed invocations carry the shard id
 * the exactly-once marks are kept by) and parallelization 1 (one batch per shard at a time), bisecting failing
 * batches, with an on-failure destination so a poisoned record is recorded, never silently skipped.
 */
export class Aggregation extends Construct {
  readonly function: SentinelFunction<'aggregate'>;
  readonly onFailure: sqs.Queue;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; tables: SentinelTables; bus: events.IEventBus }) {
    super(scope, id);
    this.onFailure = deadLetterQueue(this, 'StreamFailures', 'the events stream mapping (records that failed every retry)');
    this.function = new SentinelFunction(this, 'Aggregate', {
      name: 'aggregate',
      settings: props.settings,
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: { STATE_TABLE: props.tables.state.tableName, EVENT_BUS_NAME: props.bus.eventBusName },
    });
    const role = this.function.role;
    props.tables.grantState(role, READ, ['CONFIG', 'BUDGETS', 'SILENCE', 'AGG#*', 'CKPT#*', 'ALERT#*', 'OUTBOX#*']);
    props.tables.grantState(role, [...WRITE, 'dynamodb:ConditionCheckItem'], ['AGG#*', 'CKPT#*', 'ALERT#*', 'OUTBOX#*']);
    props.bus.grantPutEventsTo(role);
    // The event source mapping's stream grant includes dynamodb:ListStreams, which has no resource to scope to.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams (granted by the stream event source) cannot be scoped to a resource.',
    });
    this.function.fn.addEventSource(
      new DynamoEventSource(props.tables.events, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(1),
        parallelizationFactor: 1,
        tumblingWindow: Duration.seconds(30),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.onFailure),
      }),
    );
  }
}
