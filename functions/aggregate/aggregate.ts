import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { toShardRecord } from '../../shared/adapters/stream-records.ts';
import { type AggregatingDeps, makeShardProcessor } from '../../shared/app/aggregating.ts';

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

/** The shard's key (its marks in the items, its rules checkpoint): stream label plus shard id, unique across table re-creations. */
function shardKeyOf(event: ShardBatchEvent): string {
  const arn = event.eventSourceARN ?? event.Records[0]?.eventSourceARN ?? '';
  const label = arn.split('/stream/')[1] ?? arn;
  if (!event.shardId) {
    throw new Error('invocation carries no shardId: the event source mapping needs a tumbling window (see infra): the exactly-once marks are kept per shard');
  }
  return `${label}/${event.shardId}`;
}

/**
 * The stream handler: decodes the shard's records, applies them to the aggregates, evaluates the rules, and reports
 * the first record either could not handle so Lambda retries from there.
 */
export function makeHandler(deps: AggregatingDeps) {
  const process = makeShardProcessor(deps);
  return middy(async (event: ShardBatchEvent, _context: Context): Promise<ShardBatchResponse> => {
    if (event.Records.length === 0) return { state: {}, batchItemFailures: [] };
    const shardKey = shardKeyOf(event);
    const firstFailure = await process(shardKey, event.Records.map(toShardRecord));
    return { state: {}, batchItemFailures: firstFailure === undefined ? [] : [{ itemIdentifier: firstFailure }] };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
