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
import type { Alerting } from '../../shared/app/alerting.ts';
import type { ConfigSource } from '../../shared/adapters/config-store.ts';

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
  /** Rule evaluation after aggregation; absent only where a test looks at aggregation alone. */
  readonly alerting?: { readonly service: Alerting; readonly config: ConfigSource; readonly clock: () => number };
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
  return { sequenceNumber, item: { event: decodeEvent(body), bucket: { day: hour.slice(0, 10), hour }, arrivedAtMs: Number(image?.[EVENT_ITEM.arrivedAt]?.N ?? 0) } };
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

/**
 * Evaluates the rules on the records after the shard's rules checkpoint (and before `until`), then moves that
 * checkpoint. Kept apart from the aggregate checkpoint so that a crash after aggregating still evaluates every
 * record on the retry, while aggregation skips it. Returns the first record it could not evaluate.
 */
export function makeShardEvaluator(deps: AggregateDeps) {
  return async (shardKey: string, records: readonly ShardRecord[], until: string | undefined): Promise<string | undefined> => {
    const alerting = deps.alerting;
    if (!alerting) return undefined;
    const rulesKey = `rules:${shardKey}`;
    const checkpoint = await deps.aggregates.readCheckpoint(rulesKey);
    const pending = pendingAfter(records, checkpoint).filter((r) => until === undefined || BigInt(r.sequenceNumber) < BigInt(until));
    const last = pending[pending.length - 1];
    if (!last) return undefined;
    const config = await alerting.config.current();
    try {
      await alerting.service.evaluateEvents(config, pending.flatMap((r) => (r.item ? [{ event: r.item.event, arrivedAtMs: r.item.arrivedAtMs }] : [])), alerting.clock());
      await deps.aggregates.commit(rulesKey, checkpoint, last.sequenceNumber, []);
      const touched = [...new Set(pending.flatMap((r) => (r.item ? [r.item.event.channelId] : [])))];
      const report = await alerting.service.publish(config, touched);
      if (report.published > 0) deps.metrics.addMetric('AlertEventsPublished', MetricUnit.Count, report.published);
      if (report.left > 0) deps.logger.warn('outbox entries left for the sweep to publish', { left: report.left });
      if (report.invalid.length > 0) {
        deps.metrics.addMetric('AlertEventsInvalid', MetricUnit.Count, report.invalid.length);
        deps.logger.error('outbox entries violate their schema and were not published', { invalid: report.invalid });
      }
    } catch (error) {
      deps.logger.error('rule evaluation failed; the shard will be retried from this record', { shardKey, from: pending[0]?.sequenceNumber, error: error as Error });
      return pending[0]?.sequenceNumber;
    }
    return undefined;
  };
}

export function makeHandler(deps: AggregateDeps) {
  const apply = makeShardApplier(deps);
  const evaluate = makeShardEvaluator(deps);
  return middy(async (event: ShardBatchEvent, _context: Context): Promise<ShardBatchResponse> => {
    if (event.Records.length === 0) return { state: {}, batchItemFailures: [] };
    const shardKey = shardKeyOf(event);
    const records = event.Records.map(toShardRecord);
    const failedAt = await apply(shardKey, records);
    const failedEvaluation = await evaluate(shardKey, records, failedAt);
    const firstFailure = [failedAt, failedEvaluation].filter((s): s is string => s !== undefined).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
    return { state: {}, batchItemFailures: firstFailure === undefined ? [] : [{ itemIdentifier: firstFailure }] };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
