/**
 * Aggregating, the use case: applies a stream shard's records to the aggregates exactly once, then evaluates the
 * rules on them exactly once, each behind its own per-shard checkpoint (see `shared/domain/stream-apply.ts` and
 * docs/ARCHITECTURE.md, "Exactly once").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { pendingAfter, planCommits, type ShardRecord } from '../domain/stream-apply.ts';
import type { Alerting } from './alerting.ts';
import type { AggregateStore, ConfigSource } from './ports.ts';

export interface AggregatingDeps {
  readonly aggregates: AggregateStore;
  /** Rule evaluation after aggregation; absent only where a test looks at aggregation alone. */
  readonly alerting?: { readonly service: Alerting; readonly config: ConfigSource; readonly clock: () => number };
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** How many times a batch re-reads the checkpoint after losing a race before it gives up and reports a failure. */
const MAX_ROUNDS = 10;

/**
 * Applies one shard batch exactly once (see `shared/domain/stream-apply.ts`), in commits of at most
 * `maxBucketsPerCommit` aggregate items. Returns the first sequence number that could not be committed, so Lambda
 * retries from there and keeps everything before it.
 */
export function makeShardApplier(deps: AggregatingDeps, maxBucketsPerCommit: number) {
  return async (shardKey: string, records: readonly ShardRecord[]): Promise<string | undefined> => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let checkpoint = await deps.aggregates.readCheckpoint(shardKey);
      const commits = planCommits(pendingAfter(records, checkpoint), maxBucketsPerCommit);
      let raced = false;
      for (const commit of commits) {
        let result;
        try {
          result = await deps.aggregates.commit(shardKey, checkpoint, commit.lastSequenceNumber, commit.deltas);
        } catch (error) {
          deps.logger.error('aggregate commit failed; the shard will be retried from this record', {
            shardKey,
            from: commit.firstSequenceNumber,
            error: error as Error,
          });
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
export function makeShardEvaluator(deps: AggregatingDeps) {
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
      const changed = await alerting.service.evaluateEvents(
        config,
        pending.flatMap((r) => (r.item ? [{ event: r.item.event, arrivedAtMs: r.item.arrivedAtMs }] : [])),
        alerting.clock(),
      );
      await deps.aggregates.commit(rulesKey, checkpoint, last.sequenceNumber, []);
      // Only channels whose alerts changed have new outbox entries: reading the others' would find nothing.
      const report = await alerting.service.publish(config, changed);
      if (report.published > 0) deps.metrics.addMetric('AlertEventsPublished', MetricUnit.Count, report.published);
      if (report.left > 0) deps.logger.warn('outbox entries left for the sweep to publish', { left: report.left });
      if (report.invalid.length > 0) {
        deps.metrics.addMetric('AlertEventsInvalid', MetricUnit.Count, report.invalid.length);
        deps.logger.error('outbox entries violate their schema and were not published', { invalid: report.invalid });
      }
    } catch (error) {
      deps.logger.error('rule evaluation failed; the shard will be retried from this record', {
        shardKey,
        from: pending[0]?.sequenceNumber,
        error: error as Error,
      });
      return pending[0]?.sequenceNumber;
    }
    return undefined;
  };
}
