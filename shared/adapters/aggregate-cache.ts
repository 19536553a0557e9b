/**
 * A write-through cache of a channel's hour totals, for a process that is the only writer of its aggregates — the
 * embedded runtime (`sentinel replay`, the local server: one process per data directory, enforced by its lock; each
 * test pipeline has its own tables). Every rule evaluation and sweep reads eight days of hours per channel; here the
 * first read loads the channel once and every committed delta is added to it, so the windows are read from memory
 * and DynamoDB Local sees the writes only. Deployed, several stream shards and the sweep write and read one channel
 * from different processes, so the functions read the table (see docs/ARCHITECTURE.md, "Rule windows").
 *
 * Invariant: a cached channel equals the table's items for it — it is filled from one consistent Query during which no
 * commit touching the channel was under way (one that was may or may not be in the answer: such a load is answered,
 * not kept, and read again next time), then changed by exactly the commits that succeeded in this process. A commit
 * whose outcome is unknown (it threw) drops its channels and its shard's checkpoint. The stream checkpoints (the
 * aggregates' and the rules') are kept the same way: read once, then moved by this process's commits; a stale one
 * costs a refused conditional write and a fresh read, never a second application.
 */
import type { AggregateReader, AggregateStore } from '../app/ports.ts';
import { HourIndex } from './hour-index.ts';
import { InFlight } from './in-flight.ts';

export function singleWriterCache(store: AggregateStore & AggregateReader): AggregateStore & AggregateReader {
  /** channel → its hours, once loaded. */
  const cached = new Map<string, HourIndex>();
  /** Each shard's checkpoint as this process last read or moved it. */
  const checkpoints = new Map<string, string | undefined>();
  /** Commits under way, by channel (`c:`) and by shard (`s:`): a read that overlapped one is answered, not kept. */
  const writes = new InFlight();

  async function load(channelId: string): Promise<HourIndex> {
    const mark = writes.mark(`c:${channelId}`);
    const hours = new HourIndex(await store.hours(channelId));
    if (writes.quietSince(`c:${channelId}`, mark)) cached.set(channelId, hours);
    return hours;
  }

  return {
    async readCheckpoint(shardKey) {
      if (checkpoints.has(shardKey)) return checkpoints.get(shardKey);
      const mark = writes.mark(`s:${shardKey}`);
      const read = await store.readCheckpoint(shardKey);
      if (writes.quietSince(`s:${shardKey}`, mark)) checkpoints.set(shardKey, read);
      return read;
    },
    storeDays: (channelId, fromDay, toDay) => store.storeDays(channelId, fromDay, toDay),

    async commit(shardKey, expected, next, deltas) {
      const keys = [`s:${shardKey}`, ...new Set(deltas.filter((d) => d.storeId === undefined).map((d) => `c:${d.channelId}`))];
      for (const key of keys) writes.begin(key);
      try {
        let result;
        try {
          result = await store.commit(shardKey, expected, next, deltas);
        } catch (error) {
          // The commit may or may not have landed: what this process knows of the shard and the channels is forgotten.
          checkpoints.delete(shardKey);
          for (const delta of deltas) cached.delete(delta.channelId);
          throw error;
        }
        if (result !== 'committed') {
          // Another consumer moved it (the conditional write is the arbiter; the cache only saves a read).
          checkpoints.delete(shardKey);
          return result;
        }
        checkpoints.set(shardKey, next);
        for (const delta of deltas) if (delta.storeId === undefined) cached.get(delta.channelId)?.add(delta.hour, delta.totals);
        return result;
      } finally {
        for (const key of keys) writes.end(key);
      }
    },

    async hours(channelId, range) {
      return (cached.get(channelId) ?? (await load(channelId))).range(range);
    },
  };
}
