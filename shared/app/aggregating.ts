/**
 * Aggregating, the use case: adds a stream shard's records to the aggregates exactly once (each item guards itself per
 * shard), then evaluates the rules on them exactly once behind a per-shard checkpoint (see
 * `shared/domain/stream-apply.ts` and docs/ARCHITECTURE.md, "Exactly once").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { preAggregate } from '../domain/aggregation.ts';
import { type AddingRecord, isAfter, type ItemRecords, pendingAfter, planItems, type ShardRecord } from '../domain/stream-apply.ts';
import type { Alerting } from './alerting.ts';
import type { AggregateStore, ConfigSource } from './ports.ts';

export interface AggregatingDeps {
  readonly aggregates: AggregateStore;
  /** Rule evaluation after aggregation; absent only where a test looks at aggregation alone. */
  readonly alerting?: { readonly service: Alerting; readonly config: ConfigSource; readonly clock: () => number };
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** How many times an item's addition is refused by another consumer's before the batch gives up and reports a failure. */
const MAX_ROUNDS = 10;

/**
 * How far (by the evaluation clock) the rules checkpoint may stay behind while evaluating changes nothing. Evaluating
 * a batch that saved no transition again later is the same as evaluating it late — what a crash before evaluating
 * already does — so the checkpoint only has to move when a transition was saved (a retry would then observe the
 * same breach twice). Deployed, Lambda never delivers an acknowledged batch again, so a lagging checkpoint costs
 * nothing there and saves a write per invocation; the bound is for the embedded runtime, whose restart reads the
 * stream from its start: it re-evaluates at most this much of the records that changed nothing.
 */
export const RULES_CHECKPOINT_LAG_MS = 15 * 60_000;

/** The key of a shard's rules checkpoint: every record up to it was evaluated (later ones may have been too). */
const rulesKeyOf = (shardKey: string) => `rules:${shardKey}`;

/**
 * Processes one shard batch: adds its records to the aggregates exactly once, then evaluates the rules on them exactly
 * once. Returns the first record either could not handle, so Lambda retries from there and keeps everything before it.
 *
 * The records the rules checkpoint covers are passed over without a request: the rules evaluate only records whose
 * addition landed, so everything up to that checkpoint is in the aggregates (a restart re-reading a stream from its
 * start costs nothing per item it already has). So are those a shard checkpoint of the version before the items'
 * marks covers (`CKPT#<shard>`, read once per shard and process): its transactions added them to items that hold no
 * mark, which would take them again.
 */
export function makeShardProcessor(deps: AggregatingDeps) {
  const addItem = makeItemAdder(deps);
  /** When this process last moved each shard's rules checkpoint, by the evaluation clock. */
  const movedAt = new Map<string, number>();
  /** Each shard's checkpoint from before the marks, if it has one (it never moves again). */
  const committedBefore = new Map<string, Promise<string | undefined>>();
  return async (shardKey: string, records: readonly ShardRecord[]): Promise<string | undefined> => {
    let legacy = committedBefore.get(shardKey);
    if (!legacy) {
      legacy = deps.aggregates.readCheckpoint(shardKey).catch((error: unknown) => {
        committedBefore.delete(shardKey); // read again next time
        throw error;
      });
      committedBefore.set(shardKey, legacy);
    }
    const [evaluated, added] = await Promise.all([deps.aggregates.readCheckpoint(rulesKeyOf(shardKey)), legacy]);
    const pending = pendingAfter(records, evaluated);
    const toAdd = added === undefined || (evaluated !== undefined && !isAfter(added, evaluated)) ? pending : pendingAfter(pending, added);
    const failures = await Promise.all(planItems(toAdd).map((item) => addItem(shardKey, item)));
    const failedAt = earliest(failures);
    const failedEvaluation = await evaluate(deps, movedAt, shardKey, evaluated, pending, failedAt);
    return earliest([failedAt, failedEvaluation]);
  };
}

const earliest = (sequenceNumbers: readonly (string | undefined)[]): string | undefined =>
  sequenceNumbers.reduce<string | undefined>((min, s) => (s !== undefined && (min === undefined || isAfter(min, s)) ? s : min), undefined);

/**
 * Adds one item's records: first on the condition that the item's mark for the shard is before them all (the common
 * case, one request); when refused, only the records after the mark the item holds, on the condition that it still
 * holds it. Returns the item's first record if it could not be added (a failure: the shard resumes there).
 */
function makeItemAdder(deps: AggregatingDeps) {
  return async (shardKey: string, item: ItemRecords): Promise<string | undefined> => {
    let records = item.records;
    let after: string | undefined;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const first = records[0];
        const last = records[records.length - 1];
        if (!first || !last) return undefined;
        const result = await deps.aggregates.addOnce(shardKey, {
          channelId: item.channelId,
          hour: item.hour,
          after,
          first: first.sequenceNumber,
          last: last.sequenceNumber,
          deltas: preAggregate(records.map((r) => r.item)),
        });
        if (result.added) {
          deps.metrics.addMetric('RecordsAggregated', MetricUnit.Count, records.length);
          deps.metrics.addMetric('AggregateWrites', MetricUnit.Count, 1);
          return undefined;
        }
        deps.metrics.addMetric('AggregateRaces', MetricUnit.Count, 1);
        after = result.mark;
        records = pendingAfter(records, after) as AddingRecord[];
      }
      throw new Error(`another consumer kept adding to ${item.channelId} ${item.hour} first (${MAX_ROUNDS} rounds)`);
    } catch (error) {
      deps.logger.error('aggregate write failed; the shard will be retried from this record', {
        shardKey,
        channelId: item.channelId,
        hour: item.hour,
        from: item.records[0]?.sequenceNumber,
        error: error as Error,
      });
      return item.records[0]?.sequenceNumber;
    }
  };
}

/**
 * Evaluates the rules on the records after the shard's rules checkpoint (and before `until`), then moves that
 * checkpoint if a transition was saved or it lags {@link RULES_CHECKPOINT_LAG_MS}. Kept apart from the aggregates' marks
 * so that a crash after aggregating still evaluates every record on the retry, while aggregation skips it. Returns the
 * first record it could not evaluate.
 */
async function evaluate(
  deps: AggregatingDeps,
  movedAt: Map<string, number>,
  shardKey: string,
  checkpoint: string | undefined,
  pending: readonly ShardRecord[],
  until: string | undefined,
): Promise<string | undefined> {
  const alerting = deps.alerting;
  if (!alerting) return undefined;
  const evaluable = pending.filter((r) => until === undefined || isAfter(until, r.sequenceNumber));
  const last = evaluable[evaluable.length - 1];
  if (!last) return undefined;
  try {
    // Inside: a configuration that cannot be read now (a throttled table) fails the evaluation, not the batch.
    const config = await alerting.config.current();
    const atMs = alerting.clock();
    const changed = await alerting.service.evaluateEvents(
      config,
      evaluable.flatMap((r) => (r.item ? [{ event: r.item.event, arrivedAtMs: r.item.arrivedAtMs }] : [])),
      atMs,
    );
    const lastMoved = movedAt.get(shardKey);
    if (changed.length > 0 || lastMoved === undefined || atMs < lastMoved || atMs - lastMoved >= RULES_CHECKPOINT_LAG_MS) {
      await deps.aggregates.moveCheckpoint(rulesKeyOf(shardKey), checkpoint, last.sequenceNumber);
      movedAt.set(shardKey, atMs);
    }
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
      from: evaluable[0]?.sequenceNumber,
      error: error as Error,
    });
    return evaluable[0]?.sequenceNumber;
  }
  return undefined;
}
