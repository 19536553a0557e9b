/**
 * A write-through cache of a channel's hour totals, for a process that is the only writer of its aggregates — the
 * embedded runtime (`sentinel replay`, the local server: one process per data directory, enforced by its lock; each
 * test pipeline has its own tables). Every rule evaluation and sweep reads eight days of hours per channel; here the
 * first read loads the channel once and every delta this process adds is added to it, so the windows are read from memory
 * and DynamoDB Local sees the writes only. Deployed, several stream shards and the sweep write and read one channel
 * from different processes, so the functions read the table (see docs/ARCHITECTURE.md, "Rule windows").
 *
 * Invariant: a cached channel equals the table's items for it — it is filled from one consistent Query during which no
 * write touching the channel was under way (one that was may or may not be in the answer: such a load is answered,
 * not kept, and read again next time), then changed by exactly the additions that succeeded in this process. An
 * addition whose outcome is unknown (it threw) or that an item refused drops its channel. The rules' stream checkpoints
 * are kept the same way: read once, then moved by this process's writes; a stale one costs a refused conditional
 * write and a fresh read, never a second evaluation.
 */
import type { AggregateReader, AggregateStore } from '../app/ports.ts';
import { RunningSums } from '../domain/hour-sums.ts';
import { InFlight } from './in-flight.ts';

export function singleWriterCache(store: AggregateStore & AggregateReader): AggregateStore & AggregateReader {
  /** channel → its hours, once loaded. */
  const cached = new Map<string, RunningSums>();
  /** Each shard's checkpoint as this process last read or moved it. */
  const checkpoints = new Map<string, string | undefined>();
  /** Commits under way, by channel (`c:`) and by shard (`s:`): a read that overlapped one is answered, not kept. */
  const writes = new InFlight();

  async function load(channelId: string): Promise<RunningSums> {
    const mark = writes.mark(`c:${channelId}`);
    const hours = new RunningSums(await store.hours(channelId));
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

    addOnce: (shardKey, addition) =>
      writes.during([`c:${addition.channelId}`], async () => {
        let result;
        try {
          result = await store.addOnce(shardKey, addition);
        } catch (error) {
          // The write may or may not have landed: what this process knows of the channel is forgotten.
          cached.delete(addition.channelId);
          throw error;
        }
        if (result.added) {
          for (const delta of addition.deltas) if (delta.storeId === undefined) cached.get(delta.channelId)?.add(delta.hour, delta.totals);
        } else {
          // Another consumer added first (the item's mark is the arbiter): read the channel again rather than trust it.
          cached.delete(addition.channelId);
        }
        return result;
      }),

    moveCheckpoint: (shardKey, expected, next) =>
      writes.during([`s:${shardKey}`], async () => {
        let result;
        try {
          result = await store.moveCheckpoint(shardKey, expected, next);
        } catch (error) {
          checkpoints.delete(shardKey);
          throw error;
        }
        if (result === 'committed') checkpoints.set(shardKey, next);
        // Another consumer moved it (the conditional write is the arbiter; the cache only saves a read).
        else checkpoints.delete(shardKey);
        return result;
      }),

    async hours(channelId, range) {
      return (cached.get(channelId) ?? (await load(channelId))).hours(range);
    },
    async hourSums(channelId, range) {
      return (cached.get(channelId) ?? (await load(channelId))).sums(range);
    },
  };
}
