/**
 * Exactly-once application of a stream shard to the aggregates.
 *
 * A shard delivers records in sequence-number order, at least once, with retried batches that may be split
 * differently (bisect on error) or overlap. Every aggregate item (a channel's business hour, with its stores' shares)
 * keeps, per shard that wrote it, a mark: the sequence number of the last record of that shard it holds. A batch's
 * records are grouped by item, and each group is added in one conditional write that moves the item's mark for the
 * shard to the group's last record, on condition that the mark is still before the group's first. Hence every record
 * is added to its item once: before the write nothing of it is in the item; after it, the mark excludes it forever.
 * No transaction and no shard checkpoint: one write unit per touched item instead of two for the item and two for
 * the checkpoint (see docs/ARCHITECTURE.md, "Exactly once").
 */
import { itemKeyOf } from './aggregation.ts';
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

/** A record that adds to an aggregate item. */
export type AddingRecord = ShardRecord & { readonly item: NonNullable<ShardRecord['item']> };

/** One aggregate item's records of a batch, in shard order: what one conditional write adds. */
export interface ItemRecords {
  readonly channelId: string;
  readonly hour: string;
  readonly records: readonly AddingRecord[];
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
 * Groups a batch's records by the aggregate item they add to. Invariant: every record with an item is in exactly one
 * group, each group's records are in shard order, and groups come in the order of their first record — so a retry of
 * the same batch issues the same writes, and the first record of a group that fails is where the shard must resume.
 */
export function planItems(records: readonly ShardRecord[]): ItemRecords[] {
  const groups = new Map<string, { channelId: string; hour: string; records: AddingRecord[] }>();
  for (const record of pendingAfter(records, undefined)) {
    if (!record.item) continue;
    const key = itemKeyOf(record.item.event, record.item.bucket);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { channelId: record.item.event.channelId, hour: record.item.bucket.hour, records: [] }));
    group.records.push(record as AddingRecord);
  }
  return [...groups.values()];
}
