/**
 * The embedded runtime's write-through cache of alert states and outbox emptiness: every read answers as the store it
 * fronts would — after any sequence of saves, touches and drains, when a save overtakes a load or a drain, and when
 * a write fails with its outcome unknown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleWriterAlerts } from '../../shared/adapters/alert-cache.ts';
import { memoryAlertStore } from '../../shared/adapters/memory.ts';
import type { AlertState } from '../../shared/domain/alerts/alert.ts';
import type { AlertStore, OutboxEntry } from '../../shared/app/ports.ts';

const state = (fingerprint: string, count: number): AlertState => ({
  fingerprint,
  alertId: `id-${fingerprint}`,
  rule: 'roi_drop',
  subject: { channelId: 'a' },
  status: count % 2 === 0 ? 'resolved' : 'firing',
  severity: 'warning',
  raisedAtMs: 0,
  lastBreachAtMs: count,
  count,
  observed: 1,
  threshold: 2,
  summary: 's',
  evidence: {},
  notified: true,
});
const entry = (partition: string, n: number): OutboxEntry => ({
  channelId: partition,
  id: `e${n}`,
  seq: String(n),
  detailType: 'Alert Raised',
  detail: {},
  timeMs: n,
});

/** Counts the reads that reach the store. */
function counted(store: AlertStore) {
  const reads = { list: 0, pending: 0 };
  return {
    reads,
    store: {
      ...store,
      list: (channelId: string) => (reads.list++, store.list(channelId)),
      pending: (partition: string) => (reads.pending++, store.pending(partition)),
    } satisfies AlertStore,
  };
}

describe('singleWriterAlerts', () => {
  it('answers every read as the store would, whatever the writes in between', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ read: fc.constantFrom('a', 'b') }),
            fc.record({ save: fc.constantFrom('a', 'b'), fingerprint: fc.constantFrom('f2', 'f1', 'f3'), outbox: fc.boolean(), stale: fc.boolean() }),
            fc.record({ touch: fc.constantFrom('a', 'b'), at: fc.integer({ min: 0, max: 100 }) }),
            fc.record({ drain: fc.constantFrom('a', 'b') }),
          ),
          { maxLength: 40 },
        ),
        async (steps) => {
          const store = memoryAlertStore();
          const cache = singleWriterAlerts(store);
          let n = 0;
          for (const step of steps) {
            n += 1;
            if ('read' in step) {
              expect(await cache.list(step.read)).toEqual(await store.list(step.read));
              for (const fp of ['f1', 'f2']) expect(await cache.get(step.read, fp)).toEqual(await store.get(step.read, fp));
            } else if ('save' in step) {
              const version = (await store.get(step.save, step.fingerprint))?.version ?? 0;
              const expected = step.stale ? version + 1 : version; // a stale version: the store refuses it
              const result = await cache.save(step.save, [state(step.fingerprint, n)], expected, step.outbox ? [entry(step.save, n)] : []);
              expect(result).toBe(step.stale ? 'conflict' : 'saved');
            } else if ('touch' in step) await cache.touchChannel(step.touch, step.at);
            else {
              const pending = await cache.pending(step.drain);
              expect(pending).toEqual(await store.pending(step.drain));
              for (const e of pending) await cache.published(e);
            }
          }
          for (const c of ['a', 'b']) {
            expect(await cache.list(c)).toEqual(await store.list(c));
            expect(await cache.pending(c)).toEqual(await store.pending(c));
          }
        },
      ),
    );
  });

  it('reads a channel and an empty outbox once, and an outbox again only after a save put something in it', async () => {
    const { store, reads } = counted(memoryAlertStore());
    const cache = singleWriterAlerts(store);
    for (let i = 0; i < 5; i++) {
      await cache.list('a');
      await cache.pending('a');
    }
    expect(reads).toEqual({ list: 1, pending: 1 });
    await cache.save('a', [state('f1', 1)], 0, [entry('a', 1)]);
    expect((await cache.pending('a')).map((e) => e.id)).toEqual(['e1']);
    await cache.published(entry('a', 1));
    expect(await cache.pending('a')).toEqual([]);
    expect(await cache.pending('a')).toEqual([]);
    expect(reads).toEqual({ list: 1, pending: 3 });
    expect((await cache.list('a')).alerts.map((x) => x.version)).toEqual([1]);
    // A new fingerprint takes its place in the table's order, not the end.
    await cache.save('a', [state('f0', 2)], 0, []);
    expect((await cache.list('a')).alerts.map((x) => x.state.fingerprint)).toEqual(['f0', 'f1']);
    expect(reads.list).toBe(1);
    expect(await cache.list('a')).toEqual(await store.list('a'));
  });

  it('does not count an outbox empty when a save landed while it was being read', async () => {
    const memory = memoryAlertStore();
    let release: () => void = () => undefined;
    const slow: AlertStore = {
      ...memory,
      pending: async (partition) => {
        const answer = await memory.pending(partition);
        await new Promise<void>((r) => (release = r));
        return answer;
      },
    };
    const cache = singleWriterAlerts(slow);
    const reading = cache.pending('a');
    await new Promise((r) => setTimeout(r, 0));
    await cache.save('a', [state('f1', 1)], 0, [entry('a', 1)]);
    release();
    expect(await reading).toEqual([]); // read before the save
    const again = cache.pending('a');
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect((await again).map((e) => e.id)).toEqual(['e1']);
  });

  it('does not count an outbox empty when a save into it was under way during the read, not yet landed', async () => {
    const memory = memoryAlertStore();
    let land: () => void = () => undefined;
    const slow: AlertStore = {
      ...memory,
      save: async (...args) => {
        await new Promise<void>((r) => (land = r)); // the save is on its way…
        return memory.save(...args);
      },
    };
    const cache = singleWriterAlerts(slow);
    const saving = cache.save('a', [state('f1', 1)], 0, [entry('a', 1)]);
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.pending('a')).toEqual([]); // …the read cannot see it yet
    land();
    await saving;
    expect((await cache.pending('a')).map((e) => e.id)).toEqual(['e1']);
  });

  it('forgets a channel whose save failed with its outcome unknown', async () => {
    const memory = memoryAlertStore();
    const lost: AlertStore = {
      ...memory,
      save: async (...args) => {
        await memory.save(...args); // it landed; the answer was lost
        throw new Error('socket hang up');
      },
    };
    const cache = singleWriterAlerts(lost);
    await cache.list('a');
    await cache.pending('a');
    await expect(cache.save('a', [state('f1', 1)], 0, [entry('a', 1)])).rejects.toThrow('socket hang up');
    expect(await cache.list('a')).toEqual(await memory.list('a'));
    expect((await cache.pending('a')).map((e) => e.id)).toEqual(['e1']);
  });
});
