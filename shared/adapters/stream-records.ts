import type { DynamoDBRecord } from 'aws-lambda';
import { insertedRecord, reportRecord, type ShardRecord } from '../domain/stream-apply.ts';
import { EVENT_ITEM } from './tables.ts';

/**
 * A DynamoDB Streams record of the events table as the domain sees it: its sequence number and, for the INSERT of
 * an event, the event, its business hour and its arrival.
 */
export function toShardRecord(record: DynamoDBRecord): ShardRecord {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (sequenceNumber === undefined) throw new Error(`stream record ${record.eventID} has no sequence number`);
  const image = record.dynamodb?.NewImage;
  const body = image?.[EVENT_ITEM.body]?.S;
  const hour = image?.[EVENT_ITEM.hour]?.S;
  const arrivedAtMs = Number(image?.[EVENT_ITEM.arrivedAt]?.N ?? 0);
  // A campaign-day's report item changes the aggregates on every INSERT and MODIFY (each a newer report in force);
  // its new image carries the report it replaced.
  const replaced = image?.[EVENT_ITEM.replaced]?.S;
  if (replaced !== undefined && body !== undefined && hour !== undefined && (record.eventName === 'INSERT' || record.eventName === 'MODIFY')) {
    return reportRecord(sequenceNumber, { encoded: body, replaced, hour, arrivedAtMs });
  }
  // Events are immutable: only the INSERT of an event changes aggregates. REMOVE (TTL) records, including DynamoDB
  // Local's unnamed TTL deletions, are passed over (they still move the rules checkpoint).
  if (record.eventName !== 'INSERT' || body === undefined || hour === undefined) return { sequenceNumber, item: undefined };
  return insertedRecord(sequenceNumber, { encoded: body, hour, arrivedAtMs });
}
