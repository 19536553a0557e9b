import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler, type ShardBatchEvent } from '../../functions/aggregate/aggregate.ts';
import { dynamoAggregateStore, markAttribute } from '../../shared/adapters/aggregate-store.ts';
import { admit } from '../../shared/domain/admission.ts';
import { localContext } from '../../local/lambda-context.ts';
import { SaleRecordedEvent, TrafficRecordedEvent } from '../../events/inbound.ts';
import { body, config, validDetail } from '../fixtures.ts';
import { quietObservability } from './setup.ts';

expect.extend(allCustomMatcher);
const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'local' });
const STREAM = 'arn:aws:dynamodb:cn-north-1:1:table/events/stream/2025-01-01T00:00:00.000';
const handler = () => makeHandler({ aggregates: dynamoAggregateStore(client, 'state'), ...quietObservability() });
const SHARD_KEY = '2025-01-01T00:00:00.000/shardId-0001';
/** A sequence number as the item's mark holds it: 40 digits, so text order is number order. */
const mark = (seq: string) => ({ S: seq.padStart(40, '0') });

function streamRecord(seq: string, text: string): DynamoDBRecord {
  const a = admit(text, config());
  if (!a.ok) throw new Error(a.message);
  return {
    eventID: `e${seq}`,
    eventName: 'INSERT',
    eventSourceARN: STREAM,
    dynamodb: { SequenceNumber: seq, NewImage: { pk: { S: `tmall#${a.event.eventId}` }, b: { S: a.encoded }, h: { S: a.bucket.hour }, a: { N: '0' } } },
  };
}
const batch = (records: DynamoDBRecord[], shardId: string | null = 'shardId-0001'): ShardBatchEvent => ({
  Records: records,
  ...(shardId ? { shardId } : {}),
  eventSourceARN: STREAM,
  window: { start: '', end: '' },
  state: {},
});
const sale = (id: string, price: string, occurredAt = '2025-01-15T18:00:00+08:00') =>
  body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, id), occurredAt, lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: price }] });
/** What an update adds, by attribute name. */
const added = (update: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, { N?: string }> } | undefined) =>
  Object.fromEntries(
    Object.entries(update?.ExpressionAttributeNames ?? {})
      .filter(([k]) => k.startsWith('#f'))
      .map(([k, name]) => [name, update?.ExpressionAttributeValues?.[k.replace('#f', ':v')]?.N]),
  );

beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
});

describe('aggregate handler', () => {
  it("adds an hour's pre-summed records and its store's share in one conditional write that moves the item's mark", async () => {
    const result = await handler()(
      batch([
        streamRecord('100', sale('a', '10.00')),
        streamRecord('101', sale('b', '2.50')),
        streamRecord('102', body(TrafficRecordedEvent, validDetail(TrafficRecordedEvent, 'c'))),
      ]),
      localContext('aggregate'),
    );
    expect(result).toEqual({ state: {}, batchItemFailures: [] });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.Key).toEqual({ pk: { S: 'AGG#tmall' }, sk: { S: 'H#2025-01-15T18' } });
    expect(update?.UpdateExpression).toMatch(/^ADD .* SET #m = :last$/);
    expect(update?.ConditionExpression).toBe('attribute_not_exists(#m) OR #m < :first');
    expect(update?.ExpressionAttributeNames?.['#m']).toBe(markAttribute(SHARD_KEY));
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':first': mark('100'), ':last': mark('102') });
    // The hour, and the share of the store all three name, in the same item.
    expect(added(update)).toEqual({
      events: '3',
      gmv: '1250',
      orders: '2',
      units: '2',
      visits: '4200',
      'events@store-17': '3',
      'gmv@store-17': '1250',
      'orders@store-17': '2',
      'units@store-17': '2',
      'visits@store-17': '4200',
    });
  });

  it('passes over the records the rules checkpoint covers (a redelivered batch): they were added before the rules saw them', async () => {
    ddb.on(GetItemCommand, { Key: { pk: { S: `CKPT#rules:${SHARD_KEY}` }, sk: { S: '-' } } }).resolves({ Item: { seq: { S: '101' } } });
    await handler()(
      batch([streamRecord('100', sale('a', '10.00')), streamRecord('101', sale('b', '2.50')), streamRecord('102', sale('c', '1.00'))]),
      localContext('aggregate'),
    );
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':first': mark('102'), ':last': mark('102') });
    expect(added(update)).toMatchObject({ events: '1', gmv: '100' });
  });

  it('adds only what the item lacks when another consumer added some records first, and nothing twice', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { [markAttribute(SHARD_KEY)]: mark('100') } }))
      .resolves({});
    const result = await handler()(batch([streamRecord('100', sale('a', '10.00')), streamRecord('102', sale('c', '1.00'))]), localContext('aggregate'));
    expect(result.batchItemFailures).toEqual([]);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
    const retry = ddb.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(retry?.ConditionExpression).toBe('#m = :after');
    expect(retry?.ExpressionAttributeValues).toMatchObject({ ':after': mark('100'), ':last': mark('102') });
    expect(added(retry)).toMatchObject({ events: '1', gmv: '100' });
  });

  it('writes nothing when the item already holds every record', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { [markAttribute(SHARD_KEY)]: mark('102') } }));
    const result = await handler()(batch([streamRecord('100', sale('a', '10.00')), streamRecord('102', sale('c', '1.00'))]), localContext('aggregate'));
    expect(result.batchItemFailures).toEqual([]);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
  });

  it('reports the first record of the earliest item that could not be written; the items written keep what they have', async () => {
    ddb.on(UpdateItemCommand, { Key: { pk: { S: 'AGG#tmall' }, sk: { S: 'H#2025-01-15T17' } } }).rejects(new Error('throughput exceeded'));
    const result = await handler()(
      batch([
        streamRecord('100', sale('a', '10.00')),
        streamRecord('101', sale('b', '1.00', '2025-01-15T17:10:00+08:00')),
        streamRecord('102', sale('c', '1.00')),
      ]),
      localContext('aggregate'),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '101' }]);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
  });

  it('passes over records that are not event inserts without a write', async () => {
    ddb.on(PutItemCommand).resolves({});
    const remove: DynamoDBRecord = {
      eventID: 'r',
      eventName: 'REMOVE',
      eventSourceARN: STREAM,
      dynamodb: { SequenceNumber: '103', Keys: { pk: { S: 'tmall#old' } } },
    };
    const result = await handler()(batch([remove]), localContext('aggregate'));
    expect(result.batchItemFailures).toEqual([]);
    expect(ddb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it('refuses to run without a shard id (no tumbling window on the mapping)', async () => {
    await expect(handler()(batch([streamRecord('100', sale('a', '1.00'))], null), localContext('aggregate'))).rejects.toThrow(/tumbling window/);
    expect(ddb).not.toHaveReceivedCommand(UpdateItemCommand);
  });
});
