/**
 * The embedded runtime's write-through cache of hour totals: always equal to the store it fronts — after any
 * sequence of additions (refused ones included), and when an addition lands while a channel is being loaded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleWriterCache } from '../../shared/adapters/aggregate-cache.ts';
import { memoryAggregateStore } from '../../shared/adapters/memory.ts';
import type { AggregateStore } from '../../shared/app/ports.ts';
import { addInto, type BucketDelta, zeroTotals } from '../../shared/domain/aggregation.ts';

const delta = (channelId: string, hour: string, gmv: number): BucketDelta => ({
  channelId,
  hour,
  totals: addInto(zeroTotals(), { events: 1n, gmv: BigInt(gmv) }),
});
const HOURS = ['2025-11-01T00', '2025-11-01T05', '2025-11-02T10', '2025-11-03T23'];
/** Shard `s`'s record `seq` adding `gmv` to one hour. */
const add = (store: AggregateStore, channelId: string, hour: string, gmv: number, seq: number) =>
  store.addOnce('s', { channelId, hour, first: String(seq), last: String(seq), deltas: [delta(channelId, hour, gmv)] });

describe('singleWriterCache', () => {
  it('answers every read as the store would, whatever the additions, refusals and reads in between', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ read: fc.constantFrom('a', 'b') }),
            fc.record({ channel: fc.constantFrom('a', 'b'), hour: fc.constantFrom(...HOURS), gmv: fc.integer({ min: -50, max: 500 }), again: fc.boolean() }),
          ),
          {
            maxLength: 40,
          },
        ),
        async (steps) => {
          const store = memoryAggregateStore();
          const cache = singleWriterCache(store);
          let seq = 0;
          for (const step of steps) {
            if ('read' in step) {
              expect(await cache.hours(step.read)).toEqual(await store.hours(step.read));
              expect(await cache.hours(step.read, { fromHour: '2025-11-01T05', toHour: '2025-11-02T10' })).toEqual(
                await store.hours(step.read, { fromHour: '2025-11-01T05', toHour: '2025-11-02T10' }),
              );
              const range = { fromHour: '2025-11-01T05', toHour: '2025-11-03T23' };
              expect((await cache.hourSums(step.read, range)).sum(range.fromHour, range.toHour)).toEqual(
                (await store.hourSums(step.read, range)).sum(range.fromHour, range.toHour),
              );
            } else {
              // `again`: a record the item already holds comes again (a retried batch) and is refused.
              const result = await add(cache, step.channel, step.hour, step.gmv, step.again && seq > 0 ? seq : seq + 1);
              if (result.added) seq += 1;
            }
          }
          for (const channel of ['a', 'b']) expect([...(await cache.hours(channel)).entries()]).toEqual([...(await store.hours(channel)).entries()]);
        },
      ),
    );
  });

  it('does not keep a load that an addition overtook', async () => {
    const store = memoryAggregateStore();
    await add(store, 'a', HOURS[0] as string, 100, 1);
    let release: () => void = () => undefined;
    const slow = {
      ...store,
      hours: async (...args: Parameters<typeof store.hours>) => {
        const answer = await store.hours(...args);
        await new Promise<void>((r) => (release = r));
        return answer;
      },
    };
    const cache = singleWriterCache(slow);
    const reading = cache.hours('a');
    await new Promise((r) => setTimeout(r, 0));
    await add(cache, 'a', HOURS[1] as string, 7, 2);
    release();
    expect((await reading).size).toBe(1); // the load read before the addition
    // Not cached: the next read loads again and sees the addition.
    const later = cache.hours('a');
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect((await later).get(HOURS[1] as string)?.gmv).toBe(7n);
  });
});

describe('singleWriterCache: stream checkpoints and lost answers', () => {
  it('reads a checkpoint once and keeps it moving with its own writes', async () => {
    const store = memoryAggregateStore();
    let reads = 0;
    const cache = singleWriterCache({ ...store, readCheckpoint: (shard) => (reads++, store.readCheckpoint(shard)) });
    expect(await cache.readCheckpoint('s')).toBeUndefined();
    await cache.moveCheckpoint('s', undefined, '5');
    expect(await cache.readCheckpoint('s')).toBe('5');
    expect(await cache.moveCheckpoint('s', '4', '9')).toBe('checkpoint_moved');
    expect(await cache.readCheckpoint('s')).toBe('5');
    expect(reads).toBe(2); // once, and once again after the refused write
  });

  it('forgets the channel and the checkpoint of a write that landed but whose answer was lost', async () => {
    const store = memoryAggregateStore();
    const lost = {
      ...store,
      addOnce: async (...args: Parameters<typeof store.addOnce>) => {
        await store.addOnce(...args);
        throw new Error('socket hang up');
      },
      moveCheckpoint: async (...args: Parameters<typeof store.moveCheckpoint>) => {
        await store.moveCheckpoint(...args);
        throw new Error('socket hang up');
      },
    };
    const cache = singleWriterCache(lost);
    await cache.hours('a');
    await cache.readCheckpoint('s');
    await expect(add(cache, 'a', HOURS[0] as string, 42, 1)).rejects.toThrow('socket hang up');
    await expect(cache.moveCheckpoint('s', undefined, '1')).rejects.toThrow('socket hang up');
    expect(await cache.readCheckpoint('s')).toBe('1');
    expect((await cache.hours('a')).get(HOURS[0] as string)?.gmv).toBe(42n);
  });
});

describe('singleWriterCache: an addition under way while a channel loads', () => {
  it('is not counted twice when it landed before the load read and answered after', async () => {
    const store = memoryAggregateStore();
    let answer: () => void = () => undefined;
    const slow = {
      ...store,
      addOnce: async (...args: Parameters<typeof store.addOnce>) => {
        const result = await store.addOnce(...args); // landed…
        await new Promise<void>((r) => (answer = r)); // …but its answer is late
        return result;
      },
    };
    const cache = singleWriterCache(slow);
    const committing = add(cache, 'a', HOURS[0] as string, 100, 1);
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.hours('a')).get(HOURS[0] as string)?.gmv).toBe(100n); // the load sees it
    answer();
    await committing;
    expect([...(await cache.hours('a')).entries()]).toEqual([...(await store.hours('a')).entries()]);
    expect((await cache.hours('a')).get(HOURS[0] as string)?.gmv).toBe(100n);
  });
});
