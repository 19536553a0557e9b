/**
 * Publishing, the use case: drains outbox partitions onto the bus. Every entry is validated against its outbound
 * definition first, sent at most {@link MAX_PUT_EVENTS} at a time, retried exactly where the bus reported a failure,
 * and removed only once accepted.
 */
import { outboundEvents } from '../../events/outbound.ts';
import { SENTINEL_SOURCE } from '../../events/routes.ts';
import { type EventPublisher, MAX_PUT_EVENTS, type OutboundEntry, type Outbox, type OutboxEntry } from './ports.ts';
import { compareText } from '../kernel/compare.ts';

const definitions = new Map(outboundEvents.map((d) => [d.detailType, d]));

/** Validates an outbound detail against its definition: a publisher never sends what its own contract forbids. */
function validateOutbound(entry: { detailType: string; detail: unknown }): void {
  const definition = definitions.get(entry.detailType);
  if (!definition) throw new Error(`no outbound definition for "${entry.detailType}"`);
  const parsed = definition.detail.safeParse(entry.detail);
  if (!parsed.success)
    throw new Error(`outbound ${entry.detailType} violates its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

export interface PublishReport {
  readonly published: number;
  /** Entries still in the outbox after every attempt (they go out on the next drain). */
  readonly left: number;
  /** Entries that violate their schema: kept in the outbox for inspection, never sent, never blocking the rest. */
  readonly invalid: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drains the given outbox partitions: validates, sends in batches of at most 10, retries exactly the entries that
 * failed, and removes an entry only once it was accepted. At least once: a crash after PutEvents and before the
 * removal sends it again, with the same alertId, which consumers drop as a repeat.
 *
 * Partitions (channels, budgets) are read side by side, and their entries go out in one order — by time, then
 * partition, then place in the partition — whatever order the reads finish in: a replay publishes the same lines in
 * the same order every run, and several channels' single entries share one PutEvents.
 */
export async function publishOutbox(store: Outbox, publisher: EventPublisher, partitions: readonly string[], attempts = 4): Promise<PublishReport> {
  const invalid: string[] = [];
  const pending = (await Promise.all(partitions.map((partition) => store.pending(partition))))
    .flat()
    .filter((entry) => {
      try {
        validateOutbound(entry);
        return true;
      } catch (error) {
        invalid.push(`${entry.id}: ${(error as Error).message}`);
        return false;
      }
    })
    .sort((a, b) => a.timeMs - b.timeMs || compareText(a.channelId, b.channelId) || compareText(a.seq, b.seq));
  let published = 0;
  let left = 0;
  for (let i = 0; i < pending.length; i += MAX_PUT_EVENTS) {
    let batch: OutboxEntry[] = pending.slice(i, i + MAX_PUT_EVENTS);
    for (let attempt = 1; batch.length > 0 && attempt <= attempts; attempt++) {
      const failed = new Set(
        await publisher.putEvents(batch.map((e) => ({ source: SENTINEL_SOURCE, detailType: e.detailType, detail: e.detail, timeMs: e.timeMs }))),
      );
      for (const [index, entry] of batch.entries()) {
        if (failed.has(index)) continue;
        await store.published(entry);
        published += 1;
      }
      batch = batch.filter((_, index) => failed.has(index));
      if (batch.length > 0 && attempt < attempts) await sleep(20 * 2 ** attempt);
    }
    left += batch.length;
  }
  return { published, left, invalid };
}

/**
 * Puts events on the bus, at most {@link MAX_PUT_EVENTS} per request, sending again exactly the entries the bus
 * reported failed, `attempts` times in all. Returns the indexes (into `entries`) still refused: the caller decides
 * what that means (a 502 to the producer, a failed pull, an error for EventBridge to retry).
 */
export async function putAll(publisher: EventPublisher, entries: readonly OutboundEntry[], attempts = 3): Promise<number[]> {
  const refused: number[] = [];
  for (let i = 0; i < entries.length; i += MAX_PUT_EVENTS) {
    let pending = entries.slice(i, i + MAX_PUT_EVENTS).map((entry, k) => ({ index: i + k, entry }));
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      const failed = new Set(await publisher.putEvents(pending.map((p) => p.entry)));
      pending = pending.filter((_, k) => failed.has(k));
    }
    refused.push(...pending.map((p) => p.index));
  }
  return refused;
}

/** An inbound event in its delivered shape (a connector's line) as a bus entry arriving at `timeMs`. */
export const inboundEntry = (line: { source: string; 'detail-type': string; detail: Record<string, unknown> }, timeMs: number): OutboundEntry => ({
  source: line.source,
  detailType: line['detail-type'],
  detail: line.detail,
  timeMs,
});
