import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { outboundEvents } from '../../events/outbound.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';

export interface OutboundEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly timeMs: number;
}

/** Port: puts at most 10 events; returns the indexes of the entries that failed (EventBridge's per-entry errors). */
export interface EventPublisher {
  putEvents(entries: readonly OutboundEntry[]): Promise<number[]>;
}

export const MAX_PUT_EVENTS = 10;

/** EventBridge PutEvents on the custom bus; per-entry failures (FailedEntryCount) are reported by index. */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async putEvents(entries) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: entries.map((e) => ({ EventBusName: busName, Source: e.source, DetailType: e.detailType, Detail: JSON.stringify(e.detail), Time: new Date(e.timeMs) })),
        }),
      );
      if (!result.FailedEntryCount) return [];
      return (result.Entries ?? []).flatMap((entry, i) => (entry.ErrorCode ? [i] : []));
    },
  };
}

const definitions = new Map(outboundEvents.map((d) => [d.detailType, d]));

/** Validates an outbound detail against its definition: a publisher never sends what its own contract forbids. */
export function validateOutbound(entry: { detailType: string; detail: unknown }): void {
  const definition = definitions.get(entry.detailType);
  if (!definition) throw new Error(`no outbound definition for "${entry.detailType}"`);
  const parsed = definition.detail.safeParse(entry.detail);
  if (!parsed.success) throw new Error(`outbound ${entry.detailType} violates its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
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
 * Drains the given outbox partitions: validates, sends in batches of at most 10, retries exactly the entries
 * that failed, and removes an entry only once it was accepted. At least once: a crash after PutEvents and before
 * the removal sends it again, with the same alertId, which consumers drop as a repeat.
 */
export async function publishOutbox(store: Outbox, publisher: EventPublisher, source: string, partitions: readonly string[], attempts = 4): Promise<PublishReport> {
  // Outbox partitions (channels, budgets) are independent: drained side by side.
  const reports = await Promise.all(partitions.map((partition) => publishChannel(store, publisher, source, partition, attempts)));
  return { published: reports.reduce((n, r) => n + r.published, 0), left: reports.reduce((n, r) => n + r.left, 0), invalid: reports.flatMap((r) => r.invalid) };
}

async function publishChannel(store: Outbox, publisher: EventPublisher, source: string, channelId: string, attempts: number): Promise<PublishReport> {
  let published = 0;
  let left = 0;
  const invalid: string[] = [];
  const pending = (await store.pending(channelId)).filter((entry) => {
    try {
      validateOutbound(entry);
      return true;
    } catch (error) {
      invalid.push(`${entry.id}: ${(error as Error).message}`);
      return false;
    }
  });
  for (let i = 0; i < pending.length; i += MAX_PUT_EVENTS) {
    let batch: OutboxEntry[] = pending.slice(i, i + MAX_PUT_EVENTS);
    for (let attempt = 1; batch.length > 0 && attempt <= attempts; attempt++) {
      const failed = new Set(await publisher.putEvents(batch.map((e) => ({ source, detailType: e.detailType, detail: e.detail, timeMs: e.timeMs }))));
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
