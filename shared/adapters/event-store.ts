import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EVENT_ITEM, ttlSeconds } from './tables.ts';
import type { EventStore, StoredEvent } from '../app/ports.ts';
import { transact } from './dynamo.ts';

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
 * The key of a campaign-day's report item: `eventKey(channelId, campaignId)#date`. An event key has exactly one
 * unescaped `#`, this one two, so the two families can never share a key.
 */
export function reportKey(channelId: string, campaignId: string, date: string): string {
  return `${eventKey(channelId, campaignId)}#${date}`;
}

const eventItem = (event: StoredEvent) => ({
  [EVENT_ITEM.key]: { S: eventKey(event.channelId, event.eventId) },
  [EVENT_ITEM.body]: { S: event.encoded },
  [EVENT_ITEM.hour]: { S: event.hour },
  [EVENT_ITEM.arrivedAt]: { N: String(event.arrivedAtMs) },
  [EVENT_ITEM.expiresAt]: { N: ttlSeconds(event.retainUntilMs) },
});

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
            Item: eventItem(event),
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

    /**
     * One transaction of two items (4 write units): the eventId marker, put if absent, and the campaign-day's item,
     * updated only if absent or older — copying the report it replaces into `p` in the same update, so the stream's
     * new image alone carries the difference to apply.
     */
    async putReport(report) {
      const names = { '#pk': EVENT_ITEM.key };
      const slotNames = {
        ...names,
        '#b': EVENT_ITEM.body,
        '#p': EVENT_ITEM.replaced,
        '#h': EVENT_ITEM.hour,
        '#a': EVENT_ITEM.arrivedAt,
        '#x': EVENT_ITEM.expiresAt,
        '#o': EVENT_ITEM.asOf,
      };
      const outcome = await transact(client, [
        {
          Put: {
            TableName: tableName,
            Item: eventItem(report),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: names,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: { [EVENT_ITEM.key]: { S: reportKey(report.channelId, report.campaignId, report.date) } },
            UpdateExpression: 'SET #p = if_not_exists(#b, :none), #b = :b, #h = :h, #a = :a, #x = :x, #o = :o',
            ConditionExpression: 'attribute_not_exists(#pk) OR #o < :o',
            ExpressionAttributeNames: slotNames,
            ExpressionAttributeValues: {
              ':none': { S: '' },
              ':b': { S: report.encoded },
              ':h': { S: report.hour },
              ':a': { N: String(report.arrivedAtMs) },
              ':x': { N: ttlSeconds(report.retainUntilMs) },
              ':o': { N: String(report.asOfMs) },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ]);
      if (outcome.ok) return { kind: 'in_force' };
      const marker = outcome.old.get(0)?.[EVENT_ITEM.body]?.S;
      if (outcome.failed.includes(0)) {
        if (marker === undefined) throw new Error(`report ${report.channelId}/${report.eventId} exists but its body could not be read back`);
        return { kind: 'exists', encoded: marker };
      }
      const inForce = outcome.old.get(1)?.[EVENT_ITEM.body]?.S;
      if (inForce === undefined) throw new Error(`the report in force for ${report.channelId}/${report.campaignId} on ${report.date} could not be read back`);
      return { kind: 'not_newer', encoded: inForce };
    },
  };
}
