import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../app/ports.ts';

/** EventBridge PutEvents on the custom bus; per-entry failures (FailedEntryCount) are reported by index. */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async putEvents(entries) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: entries.map((e) => ({
            EventBusName: busName,
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
            Time: new Date(e.timeMs),
          })),
        }),
      );
      if (!result.FailedEntryCount) return [];
      return (result.Entries ?? []).flatMap((entry, i) => (entry.ErrorCode ? [i] : []));
    },
  };
}
