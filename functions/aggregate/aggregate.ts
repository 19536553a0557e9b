import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type AggregateStore, MAX_BUCKETS_PER_COMMIT } from '../../shared/adapters/aggregate-store.ts';
import { EVENT_ITEM } from '../../shared/adapters/tables.ts';
import { decodeEvent } from '../../shared/domain/inbound-event.ts';
import { pendingAfter, planCommits, type ShardRecord } from '../../shared/domain/stream-apply.ts';

/**
 * A DynamoDB stream invocation with a tumbling window configured on the event source mapping. The window is
 * there for one reason: only windowed invocations carry `shardId`, and exactly-once needs a checkpoint per shard.
 */
export interface ShardBatchEvent extends DynamoDBStreamEvent {
  shardId?: string;
  eventSourceARN?: string;
  window?: { start: string; end: string };
  state?: Record<string, string>;
  isFinalInvokeForWindow?: boolean;
  isWindowTerminatedEarly?: boolean;
}

export interface ShardBatchResponse {
  /** Windowed invocations must return a state; aggregation keeps its state in DynamoDB, so it is always empty. */
  state: Record<string, string>;
  batchItemFailures: { itemIdentifier: string }[];
}

export interface AggregateDeps {
  readonly aggregates: AggregateStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** How many times a batch re-reads the checkpoint after losing a race before it gives up and reports a failure. */
const MAX_ROUNDS = 10;

export function toShardRecord(record: DynamoDBRecord): ShardRecord {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (sequenceNumber === undefined) throw new Error(`stream record ${record.eventID} has no sequence number`);
  const image = record.dynamodb?.NewImage;
  const body = image?.[EVENT_ITEM.body]?.S;
  const hour = image?.[EVENT_ITEM.hour]?.S;
  // Events are immutable: only the INSERT of an event changes aggregates. MODIFY and REMOVE (TTL) records,
  // including DynamoDB Local's unnamed TTL deletions, are passed over while still advancing the checkpoint.
  if (record.eventName !== 'INSERT' || body === undefined || hour === undefined) return { sequenceNumber, item: undefined };
  return { sequenceNumber, item: { event: decodeEvent(body), bucket: { day: hour.slice(0, 10), hour } } };
}

/** The checkpoint's key: stream label plus shard id, unique across table re-creations. */
export function shardKeyOf(event: ShardBatchEvent): string {
  const arn = event.eventSourceARN ?? event.Records[0]?.eventSourceARN ?? '';
  const label = arn.split('/stream/')[1] ?? arn;
  if (!event.shardId) {
    throw new Error('invocation carries no shardId: the event source mapping needs a tumbling window (see infra) for exactly-once checkpoints');
  }
  return `${label}/${event.shardId}`;
}

/**
 * Applies one shard batch exactly once (see `shared/domain/stream-apply.ts`). Returns the first sequence
 * number that could not be committed, so Lambda retries from there and keeps everything before it.
 */
export function makeShardApplier(deps: AggregateDeps) {
  return async (shardKey: string, records: readonly ShardRecord[]): Promise<string | undefined> => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let checkpoint = await deps.aggregates.readCheckpoint(shardKey);
      const commits = planCommits(pendingAfter(records, checkpoint), MAX_BUCKETS_PER_COMMIT);
      let raced = false;
      for (const commit of commits) {
        let result;
        try {
          result = await deps.aggregates.commit(shardKey, checkpoint, commit.lastSequenceNumber, commit.deltas);
        } catch (error) {
          deps.logger.error('aggregate commit failed; the shard will be retried from this record', { shardKey, from: commit.firstSequenceNumber, error: error as Error });
          return commit.firstSequenceNumber;
        }
        if (result === 'checkpoint_moved') {
          raced = true;
          deps.metrics.addMetric('CheckpointRaces', MetricUnit.Count, 1);
          break;
        }
        checkpoint = commit.lastSequenceNumber;
        deps.metrics.addMetric('RecordsAggregated', MetricUnit.Count, commit.records);
        deps.metrics.addMetric('AggregateCommits', MetricUnit.Count, 1);
      }
      if (!raced) return undefined;
    }
    return pendingAfter(records, await deps.aggregates.readCheckpoint(shardKey))[0]?.sequenceNumber;
  };
}

export function makeHandler(deps: AggregateDeps) {
  const apply = makeShardApplier(deps);
  return middy(async (event: ShardBatchEvent, _context: Context): Promise<ShardBatchResponse> => {
    if (event.Records.length === 0) return { state: {}, batchItemFailures: [] };
    const failedAt = await apply(shardKeyOf(event), event.Records.map(toShardRecord));
    return { state: {}, batchItemFailures: failedAt === undefined ? [] : [{ itemIdentifier: failedAt }] };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
