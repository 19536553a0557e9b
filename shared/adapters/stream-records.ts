import type { DynamoDBRecord } from 'aws-lambda';
import { insertedRecord, type ShardRecord } from '../domain/stream-apply.ts';
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
  // Events are immutable: only the INSERT of an event changes aggregates. MODIFY and REMOVE (TTL) records,
  // including DynamoDB Local's unnamed TTL deletions, are passed over while still advancing the checkpoint.
  if (record.eventName !== 'INSERT' || body === undefined || hour === undefined) return { sequenceNumber, item: undefined };
  return insertedRecord(sequenceNumber, { encoded: body, hour, arrivedAtMs: Number(image?.[EVENT_ITEM.arrivedAt]?.N ?? 0) });
}
