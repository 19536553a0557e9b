/**
 * History that came from nowhere: hour deltas added straight to an aggregate store as the records of a pseudo-shard,
 * for benchmarks and tests that need a channel with a past (the rules' 8-day windows, a month to date, a review).
 */
import type { AggregateStore } from '../shared/app/ports.ts';
import { type BucketDelta, itemKey } from '../shared/domain/aggregation.ts';

/** Sequence numbers of the pseudo-shard: rising across calls, so seeding one item twice adds twice. */
let seeded = 0;

/** Adds `deltas` (a channel's hours and their stores' shares) once each, one write per (channel, hour). */
export async function seedAggregates(store: AggregateStore, deltas: readonly BucketDelta[], shardKey = 'seed'): Promise<void> {
  const items = new Map<string, BucketDelta[]>();
  for (const delta of deltas) {
    const key = itemKey(delta.channelId, delta.hour);
    (items.get(key) ?? items.set(key, []).get(key)!).push(delta);
  }
  for (const item of items.values()) {
    const first = item[0] as BucketDelta;
    const sequenceNumber = String(++seeded);
    const result = await store.addOnce(shardKey, { channelId: first.channelId, hour: first.hour, first: sequenceNumber, last: sequenceNumber, deltas: item });
    if (!result.added) throw new Error(`seeding ${first.channelId} ${first.hour} was refused (mark ${result.mark})`);
  }
}
