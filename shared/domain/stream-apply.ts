/**
 * Exactly-once application of a stream shard to the aggregates.
 *
 * A shard delivers records in sequence-number order, at least once, with retried batches that may be split
 * differently (bisect on error) or overlap. Each shard has a checkpoint: the sequence number of the last record
 * whose deltas are in the aggregates. The deltas of the records after it and the checkpoint's move to the last of
 * them are committed in one transaction, conditional on the checkpoint being what was read. Hence every record is
 * applied once: before the commit nothing of it is applied; after it, the checkpoint excludes it forever.
 */
import { type BucketDelta, bucketKeysOf, preAggregate } from './aggregation.ts';
import { AD_SPEND_REPORTED, type InboundEvent } from '../../events/normalised.ts';
import { decodeEvent } from './inbound-event.ts';
import type { Bucket } from '../kernel/time.ts';

export interface ShardRecord {
  /** The shard's sequence number, a decimal integer string. */
  readonly sequenceNumber: string;
  /**
   * The accepted event the record inserted, or `undefined` for records that change no aggregate (TTL deletions, the
   * eventId marker of a report). For a report that became its campaign-day's report in force, `replaces` is the
   * report it replaced, if any: the record adds the difference.
   */
  readonly item:
    { readonly event: InboundEvent; readonly bucket: Bucket; readonly arrivedAtMs: number; readonly replaces?: InboundEvent | undefined } | undefined;
}

export interface PlannedCommit {
  /** The checkpoint the commit moves to: the last record it covers. */
  readonly lastSequenceNumber: string;
  /** The first record it covers, reported as the failed item if the commit cannot be made. */
  readonly firstSequenceNumber: string;
  readonly records: number;
  readonly deltas: BucketDelta[];
}

/**
 * The record of an event's insertion, from what the events table stores: the canonical body (decoded here, as every
 * consumer of the stream must), the business hour and the arrival.
 */
export function insertedRecord(sequenceNumber: string, stored: { readonly encoded: string; readonly hour: string; readonly arrivedAtMs: number }): ShardRecord {
  const event = decodeEvent(stored.encoded);
  // A report's eventId item only marks the id as taken; its campaign-day's item ({@link reportRecord}) moves the aggregates.
  if (event.type === AD_SPEND_REPORTED) return { sequenceNumber, item: undefined };
  return { sequenceNumber, item: { event, bucket: { day: stored.hour.slice(0, 10), hour: stored.hour }, arrivedAtMs: stored.arrivedAtMs } };
}

/**
 * The record of a campaign-day's report in force changing: the new report, placed in its hour, and the one it
 * replaced (empty text for none) — both read from the new image, so the record alone says what to add.
 */
export function reportRecord(
  sequenceNumber: string,
  stored: { readonly encoded: string; readonly replaced: string; readonly hour: string; readonly arrivedAtMs: number },
): ShardRecord {
  return {
    sequenceNumber,
    item: {
      event: decodeEvent(stored.encoded),
      bucket: { day: stored.hour.slice(0, 10), hour: stored.hour },
      arrivedAtMs: stored.arrivedAtMs,
      ...(stored.replaced === '' ? {} : { replaces: decodeEvent(stored.replaced) }),
    },
  };
}

/** Whether sequence number `a` comes after `b` (`undefined` is before everything). */
export function isAfter(a: string, b: string | undefined): boolean {
  return b === undefined || BigInt(a) > BigInt(b);
}

/** The records not yet covered by `checkpoint`, in shard order. */
export function pendingAfter(records: readonly ShardRecord[], checkpoint: string | undefined): ShardRecord[] {
  return records.filter((r) => isAfter(r.sequenceNumber, checkpoint)).sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
}

/**
 * Splits pending records into consecutive commits, each touching at most `maxBuckets` aggregate items (a
 * transaction holds the checkpoint plus the items). Invariant: commits cover the records in order without gaps,
 * so applying them in order advances the checkpoint monotonically and each commit's deltas sum exactly its records.
 */
export function planCommits(pending: readonly ShardRecord[], maxBuckets: number): PlannedCommit[] {
  const commits: PlannedCommit[] = [];
  let group: ShardRecord[] = [];
  let keys = new Set<string>();
  const flush = () => {
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) return;
    commits.push({
      firstSequenceNumber: first.sequenceNumber,
      lastSequenceNumber: last.sequenceNumber,
      records: group.length,
      deltas: preAggregate(group.flatMap((r) => (r.item ? [r.item] : []))),
    });
    group = [];
    keys = new Set();
  };
  for (const record of pending) {
    if (record.item) {
      const { event, bucket } = record.item;
      const all = bucketKeysOf(event, bucket);
      const added = all.filter((key) => !keys.has(key)).length;
      if (added > 0 && keys.size + added > maxBuckets) flush();
      for (const key of all) keys.add(key);
    }
    group.push(record);
  }
  flush();
  return commits;
}
