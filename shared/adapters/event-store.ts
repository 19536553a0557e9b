import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EVENT_ITEM, ttlSeconds } from './tables.ts';
import type { EventStore } from '../app/ports.ts';

/**
 * The events table's key of `(channelId, eventId)`: `channelId#eventId` with `\` and `#` escaped in both parts, so no two
 * distinct pairs share a key (`cn` + `jp#e1` is `cn#jp\#e1`, `cn#jp` + `e1` is `cn\#jp#e1`). Ids without those
 * characters keep the plain form.
 */
export function eventKey(channelId: string, eventId: string): string {
  const escape = (part: string) => part.replace(/[\\#]/g, '\\$&');
  return `${escape(channelId)}#${escape(eventId)}`;
}

/**
 * DynamoDB event store: one conditional PutItem per event (one write unit for an item under 1 KB). A failed
 * condition returns the stored item in the same request, so telling a duplicate from a conflicting duplicate
 * costs no extra read.
 */
export function dynamoEventStore(client: DynamoDBClient, tableName: string): EventStore {
  return {
    async putIfAbsent(event) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [EVENT_ITEM.key]: { S: eventKey(event.channelId, event.eventId) },
              [EVENT_ITEM.body]: { S: event.encoded },
              [EVENT_ITEM.hour]: { S: event.hour },
              [EVENT_ITEM.arrivedAt]: { N: String(event.arrivedAtMs) },
              [EVENT_ITEM.expiresAt]: { N: ttlSeconds(event.retainUntilMs) },
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': EVENT_ITEM.key },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'stored' };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          const stored = error.Item?.[EVENT_ITEM.body]?.S;
          if (stored === undefined) throw new Error(`event ${event.channelId}/${event.eventId} exists but its body could not be read back`, { cause: error });
          return { kind: 'exists', encoded: stored };
        }
        throw error;
      }
    },
  };
}
