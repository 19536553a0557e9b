import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler, type ShardBatchEvent } from '../../functions/aggregate/aggregate.ts';
import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { admit } from '../../shared/domain/admission.ts';
import { localContext } from '../../local/lambda-context.ts';
import { SaleRecordedEvent, TrafficRecordedEvent } from '../../events/inbound.ts';
import { body, config, validDetail } from '../fixtures.ts';
import { quietObservability } from './setup.ts';

expect.extend(allCustomMatcher);
const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'local' });
const STREAM = 'arn:aws:dynamodb:cn-north-1:1:table/events/stream/2025-01-01T00:00:00.000';
const handler = () => makeHandler({ aggregates: dynamoAggregateStore(client, 'state', { attempts: 3, baseDelayMs: 1 }), ...quietObservability() });

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
const sale = (id: string, price: string) =>
  body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, id), lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: price }] });

beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(TransactWriteItemsCommand).resolves({});
});

describe('aggregate handler', () => {
  it('commits the pre-summed deltas and the shard checkpoint in one transaction', async () => {
    const result = await handler()(
      batch([
        streamRecord('100', sale('a', '10.00')),
        streamRecord('101', sale('b', '2.50')),
        streamRecord('102', body(TrafficRecordedEvent, validDetail(TrafficRecordedEvent, 'c'))),
      ]),
      localContext('aggregate'),
    );
    expect(result).toEqual({ state: {}, batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put).toMatchObject({
      Item: { pk: { S: 'CKPT#2025-01-01T00:00:00.000/shardId-0001' }, seq: { S: '102' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const day = items.find((i) => i.Update?.Key?.sk?.S === 'H#2025-01-15T18')?.Update;
    expect(day?.UpdateExpression).toMatch(/^ADD /);
    const values = Object.fromEntries(
      Object.entries(day?.ExpressionAttributeNames ?? {}).map(([k, name]) => [name, day?.ExpressionAttributeValues?.[k.replace('#f', ':v')]?.N]),
    );
    expect(values).toEqual({ events: '3', gmv: '1250', orders: '2', units: '2', visits: '4200' });
    // Checkpoint, the one hour all three fall in, and the day of the store all three name.
    expect(items.map((i) => i.Put?.Item?.pk?.S ?? i.Update?.Key?.sk?.S)).toEqual([
      'CKPT#2025-01-01T00:00:00.000/shardId-0001',
      expect.stringMatching(/^S#2025-01-15#/),
      'H#2025-01-15T18',
    ]);
    const store = items[1]?.Update;
    expect(Object.values(store?.ExpressionAttributeNames ?? {})).toEqual(['events', 'gmv', 'orders', 'units', 'visits']);
  });

  it('skips records the checkpoint already covers (a redelivered batch)', async () => {
    ddb.on(GetItemCommand).resolves({ Item: { seq: { S: '101' } } });
    await handler()(
      batch([streamRecord('100', sale('a', '10.00')), streamRecord('101', sale('b', '2.50')), streamRecord('102', sale('c', '1.00'))]),
      localContext('aggregate'),
    );
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put).toMatchObject({
      ConditionExpression: 'seq = :expected',
      ExpressionAttributeValues: { ':expected': { S: '101' } },
      Item: { seq: { S: '102' } },
    });
    const day = items.find((i) => i.Update?.Key?.sk?.S === 'H#2025-01-15T18')?.Update;
    expect(Object.values(day?.ExpressionAttributeValues ?? {}).map((v) => v.N)).toEqual(['1', '100', '1', '1']);
  });

  it('re-reads the checkpoint after losing a race and applies nothing twice', async () => {
    ddb
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolves({ Item: { seq: { S: '102' } } });
    ddb
      .on(TransactWriteItemsCommand)
      .rejectsOnce(
        new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
      );
    const result = await handler()(batch([streamRecord('100', sale('a', '10.00')), streamRecord('102', sale('c', '1.00'))]), localContext('aggregate'));
    expect(result.batchItemFailures).toEqual([]);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
  });

  it('retries transaction conflicts and reports the first unapplied record when they persist', async () => {
    ddb
      .on(TransactWriteItemsCommand)
      .rejects(
        new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }] }),
      );
    const result = await handler()(batch([streamRecord('100', sale('a', '10.00'))]), localContext('aggregate'));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '100' }]);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 3);
  });

  it('passes over records that are not event inserts while advancing the checkpoint (one conditional put)', async () => {
    ddb.on(PutItemCommand).resolves({});
    const remove: DynamoDBRecord = {
      eventID: 'r',
      eventName: 'REMOVE',
      eventSourceARN: STREAM,
      dynamodb: { SequenceNumber: '103', Keys: { pk: { S: 'tmall#old' } } },
    };
    await handler()(batch([remove]), localContext('aggregate'));
    expect(ddb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: { pk: { S: 'CKPT#2025-01-01T00:00:00.000/shardId-0001' }, sk: { S: '-' }, seq: { S: '103' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('refuses to run without a shard id (no tumbling window on the mapping)', async () => {
    await expect(handler()(batch([streamRecord('100', sale('a', '1.00'))], null), localContext('aggregate'))).rejects.toThrow(/tumbling window/);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });
});
