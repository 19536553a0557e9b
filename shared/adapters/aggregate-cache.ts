/**
 * A write-through cache of a channel's hour totals, for a process that is the only writer of its aggregates — the
 * embedded runtime (`sentinel replay`, the local server: one process per data directory, enforced by its lock; each
 * test pipeline has its own tables). Every rule evaluation and sweep reads eight days of hours per channel; here the
 * first read loads the channel once and every committed delta is added to it, so the windows are read from memory
 * and DynamoDB Local sees the writes only. Deployed, several stream shards and the sweep write and read one channel
 * from different processes, so the functions read the table (see docs/ARCHITECTURE.md, "Rule windows").
 *
 * Invariant: a cached channel equals the table's items for it — it is filled from one consistent Query and then
 * changed by exactly the commits that succeeded in this process. A commit that lands while a channel is loading makes
 * that load unusable for the cache (the Query may or may not have seen it): it is answered and then read again next
 * time. A commit whose outcome is unknown (it threw) drops its channels and its shard's checkpoint. The stream
 * checkpoints (the aggregates' and the rules') are kept the same way: read once, then moved by this process's commits.
 */
import type { AggregateReader, AggregateStore } from '../app/ports.ts';
import { HourIndex } from './hour-index.ts';

export function singleWriterCache(store: AggregateStore & AggregateReader): AggregateStore & AggregateReader {
  /** channel → its hours, once loaded. */
  const cached = new Map<string, HourIndex>();
  /** Loads in flight, per channel, with whether a commit touched the channel meanwhile. */
  const loading = new Map<string, { dirty: boolean }>();
  /** Each shard's checkpoint as this process last read or moved it. */
  const checkpoints = new Map<string, string | undefined>();
  /** Commits started per shard: a checkpoint read that overlapped one is not kept. */
  const commits = new Map<string, number>();
  const commitsOf = (shardKey: string) => commits.get(shardKey) ?? 0;

  async function load(channelId: string): Promise<HourIndex> {
    const mark = { dirty: false };
    loading.set(channelId, mark);
    try {
      const hours = new HourIndex(await store.hours(channelId));
      if (!mark.dirty) cached.set(channelId, hours);
      return hours;
    } finally {
      if (loading.get(channelId) === mark) loading.delete(channelId);
    }
  }

  return {
    async readCheckpoint(shardKey) {
      if (checkpoints.has(shardKey)) return checkpoints.get(shardKey);
      const commitsBefore = commitsOf(shardKey);
      const read = await store.readCheckpoint(shardKey);
      if (commitsOf(shardKey) === commitsBefore) checkpoints.set(shardKey, read);
      return read;
    },
    storeDays: (channelId, fromDay, toDay) => store.storeDays(channelId, fromDay, toDay),

    async commit(shardKey, expected, next, deltas) {
      commits.set(shardKey, commitsOf(shardKey) + 1);
      const channels = new Set(deltas.filter((d) => d.storeId === undefined).map((d) => d.channelId));
      for (const channelId of channels) {
        const mark = loading.get(channelId);
        if (mark) mark.dirty = true;
      }
      let result;
      try {
        result = await store.commit(shardKey, expected, next, deltas);
      } catch (error) {
        // The commit may or may not have landed: what this process knows of the shard and the channels is forgotten.
        checkpoints.delete(shardKey);
        for (const channelId of channels) cached.delete(channelId);
        throw error;
      }
      if (result !== 'committed') {
        checkpoints.delete(shardKey);
        return result;
      }
      checkpoints.set(shardKey, next);
      for (const delta of deltas) if (delta.storeId === undefined) cached.get(delta.channelId)?.add(delta.hour, delta.totals);
      return result;
    },

    async hours(channelId, range) {
      return (cached.get(channelId) ?? (await load(channelId))).range(range);
    },
  };
}
