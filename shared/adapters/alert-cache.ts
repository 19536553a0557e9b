/**
 * A write-through cache of alert states, channel freshness and which outbox partitions are empty, for a process that
 * is the only writer of them — the embedded runtime, like {@link singleWriterCache} for the aggregates. Every stream
 * batch and every sweep reads each channel's states (one Query) and every sweep drains every channel's outbox (one
 * Query each, almost always empty); here a channel is read once and then kept current by this process's own saves,
 * and an outbox partition found empty is not read again until a save puts an entry in it. Deployed, the aggregate
 * handler, the sweep and the console API change states from different processes, so they read the table.
 *
 * Invariant: a cached channel equals the table's items for it — filled from one Query during which no write to it was
 * under way, then changed by exactly the writes that succeeded here. A write that fails or conflicts drops the channel
 * (it is read again next time); a partition counted empty had no entry at a read that no save into it overlapped, and
 * no save into it since.
 */
import type { AlertState } from '../domain/alerts/alert.ts';
import type { AlertStore } from '../app/ports.ts';
import { InFlight } from './in-flight.ts';

type Listed = Awaited<ReturnType<AlertStore['list']>>;
interface Channel {
  /** By fingerprint, in the table's order (its sort key), as a Query lists them. */
  alerts: Map<string, { state: AlertState; version: number }>;
  lastEventAtMs: number | undefined;
}

/** `singleWriterCache`: see shared/adapters/aggregate-cache.ts. */
export function singleWriterAlerts(store: AlertStore): AlertStore {
  const cached = new Map<string, Channel>();
  /** Outbox partitions with no entry at their last read and no save into them since. */
  const emptyOutboxes = new Set<string>();
  /** Writes under way, by channel (`c:`) and by outbox partition (`o:`): a read that overlapped one is not kept. */
  const writes = new InFlight();

  async function load(channelId: string): Promise<Channel> {
    const mark = writes.mark(`c:${channelId}`);
    const listed = await store.list(channelId);
    const channel: Channel = {
      alerts: new Map(listed.alerts.map((entry) => [entry.state.fingerprint, entry])),
      lastEventAtMs: listed.lastEventAtMs,
    };
    if (writes.quietSince(`c:${channelId}`, mark)) cached.set(channelId, channel);
    return channel;
  }
  const channelOf = async (channelId: string) => cached.get(channelId) ?? (await load(channelId));

  /** Runs a write to the channel (and outbox partitions), forgetting the channel when its outcome is unknown. */
  async function writing<T>(channelId: string, partitions: readonly string[], write: () => Promise<T>): Promise<T> {
    return writes.during([`c:${channelId}`, ...new Set(partitions.map((p) => `o:${p}`))], async () => {
      for (const partition of partitions) emptyOutboxes.delete(partition);
      try {
        return await write();
      } catch (error) {
        cached.delete(channelId);
        throw error;
      }
    });
  }

  return {
    async get(channelId, fingerprint) {
      return (await channelOf(channelId)).alerts.get(fingerprint);
    },

    async list(channelId): Promise<Listed> {
      const channel = await channelOf(channelId);
      return { alerts: [...channel.alerts.values()], lastEventAtMs: channel.lastEventAtMs };
    },

    async save(channelId, states, expectedVersion, outbox) {
      return writing(
        channelId,
        outbox.map((entry) => entry.channelId),
        async () => {
          const result = await store.save(channelId, states, expectedVersion, outbox);
          const last = states.at(-1);
          const channel = cached.get(channelId);
          if (result !== 'saved') cached.delete(channelId);
          else if (last && channel && (channel.alerts.get(last.fingerprint)?.version ?? 0) < expectedVersion + 1) {
            // Stored as the table stores it (JSON), so a cached state reads exactly as a re-read one would.
            const isNew = !channel.alerts.has(last.fingerprint);
            channel.alerts.set(last.fingerprint, { state: JSON.parse(JSON.stringify(last)) as AlertState, version: expectedVersion + 1 });
            if (isNew) channel.alerts = new Map([...channel.alerts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
          }
          return result;
        },
      );
    },

    async touchChannel(channelId, lastEventAtMs) {
      await writing(channelId, [], () => store.touchChannel(channelId, lastEventAtMs));
      const channel = cached.get(channelId);
      if (channel && (channel.lastEventAtMs === undefined || lastEventAtMs > channel.lastEventAtMs)) channel.lastEventAtMs = lastEventAtMs;
    },

    async pending(partition) {
      if (emptyOutboxes.has(partition)) return [];
      const mark = writes.mark(`o:${partition}`);
      const entries = await store.pending(partition);
      if (entries.length === 0 && writes.quietSince(`o:${partition}`, mark)) emptyOutboxes.add(partition);
      return entries;
    },

    published: (entry) => store.published(entry),
  };
}
