/**
 * A write-through cache of alert states, channel freshness and which outbox partitions are empty, for a process that
 * is the only writer of them — the embedded runtime, like {@link singleWriterCache} for the aggregates. Every stream
 * batch and every sweep reads each channel's states (one Query) and every sweep drains every channel's outbox (one
 * Query each, almost always empty); here a channel is read once and then kept current by this process's own saves,
 * and an outbox partition found empty is not read again until a save puts an entry in it. Deployed, the aggregate
 * handler, the sweep and the console API change states from different processes, so they read the table.
 *
 * Invariant: a cached channel equals the table's items for it — filled from one Query, then changed by exactly the
 * writes that succeeded here. A write that fails, conflicts or lands while the channel is loading drops the channel
 * (it is read again next time); a partition counted empty had no entry at its last read and no save into it since.
 */
import type { AlertState } from '../domain/alerts/alert.ts';
import type { AlertStore } from '../app/ports.ts';

type Listed = Awaited<ReturnType<AlertStore['list']>>;
interface Channel {
  /** By fingerprint, in the table's order (its sort key), as a Query lists them. */
  alerts: Map<string, { state: AlertState; version: number }>;
  lastEventAtMs: number | undefined;
}

/** `singleWriterCache`: see shared/adapters/aggregate-cache.ts. */
export function singleWriterAlerts(store: AlertStore): AlertStore {
  const cached = new Map<string, Channel>();
  /** Loads in flight, per channel, with whether a write touched the channel meanwhile. */
  const loading = new Map<string, { dirty: boolean }>();
  /** Outbox partitions with no entry at their last read and no save into them since. */
  const emptyOutboxes = new Set<string>();
  /** Saves that put entries into each partition: a read that overlapped one cannot prove the partition empty. */
  const outboxWrites = new Map<string, number>();

  const touched = (channelId: string) => {
    const mark = loading.get(channelId);
    if (mark) mark.dirty = true;
  };
  const forget = (channelId: string) => {
    touched(channelId);
    cached.delete(channelId);
  };

  async function load(channelId: string): Promise<Channel> {
    const mark = { dirty: false };
    loading.set(channelId, mark);
    try {
      const listed = await store.list(channelId);
      const channel: Channel = {
        alerts: new Map(listed.alerts.map((entry) => [entry.state.fingerprint, entry])),
        lastEventAtMs: listed.lastEventAtMs,
      };
      if (!mark.dirty) cached.set(channelId, channel);
      return channel;
    } finally {
      if (loading.get(channelId) === mark) loading.delete(channelId);
    }
  }
  const channelOf = async (channelId: string) => cached.get(channelId) ?? (await load(channelId));

  return {
    async get(channelId, fingerprint) {
      return (await channelOf(channelId)).alerts.get(fingerprint);
    },

    async list(channelId): Promise<Listed> {
      const channel = await channelOf(channelId);
      return { alerts: [...channel.alerts.values()], lastEventAtMs: channel.lastEventAtMs };
    },

    async save(channelId, states, expectedVersion, outbox) {
      touched(channelId);
      for (const entry of outbox) {
        emptyOutboxes.delete(entry.channelId);
        outboxWrites.set(entry.channelId, (outboxWrites.get(entry.channelId) ?? 0) + 1);
      }
      let result;
      try {
        result = await store.save(channelId, states, expectedVersion, outbox);
      } catch (error) {
        forget(channelId);
        throw error;
      }
      const last = states.at(-1);
      const channel = cached.get(channelId);
      if (result !== 'saved') forget(channelId);
      // Stored as the table stores it (JSON), so a cached state reads exactly as a re-read one would.
      else if (last && channel) {
        const isNew = !channel.alerts.has(last.fingerprint);
        channel.alerts.set(last.fingerprint, { state: JSON.parse(JSON.stringify(last)) as AlertState, version: expectedVersion + 1 });
        if (isNew) channel.alerts = new Map([...channel.alerts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return result;
    },

    async touchChannel(channelId, lastEventAtMs) {
      touched(channelId);
      try {
        await store.touchChannel(channelId, lastEventAtMs);
      } catch (error) {
        forget(channelId);
        throw error;
      }
      const channel = cached.get(channelId);
      if (channel && (channel.lastEventAtMs === undefined || lastEventAtMs > channel.lastEventAtMs)) channel.lastEventAtMs = lastEventAtMs;
    },

    async pending(partition) {
      if (emptyOutboxes.has(partition)) return [];
      const writes = outboxWrites.get(partition) ?? 0;
      const entries = await store.pending(partition);
      if (entries.length === 0 && (outboxWrites.get(partition) ?? 0) === writes) emptyOutboxes.add(partition);
      return entries;
    },

    published: (entry) => store.published(entry),
  };
}
