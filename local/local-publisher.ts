import type { EventPublisher } from '../shared/app/ports.ts';

/** An outbound event in the delivered shape SPEC §1 shows (and replay writes as NDJSON). */
export interface DeliveredEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

/**
 * The local bus for our own events: what the stack's PutEvents would publish, handed to `deliver` (replay writes
 * it to --out). Never fails unless `deliver` throws; tests wrap it to inject per-entry failures.
 */
export function localPublisher(deliver: (event: DeliveredEvent) => void): EventPublisher {
  return {
    async putEvents(entries) {
      for (const e of entries) deliver({ source: e.source, 'detail-type': e.detailType, time: new Date(e.timeMs).toISOString(), detail: e.detail });
      return [];
    },
  };
}
