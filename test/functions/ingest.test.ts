import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { AdSpendRecordedEvent, SaleRecordedEvent } from '../../events/inbound.ts';
import { makeHandler } from '../../functions/ingest/ingest.ts';
import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { dynamoEventStore } from '../../shared/adapters/event-store.ts';
import { dynamoIntakeLog } from '../../shared/adapters/intake-log.ts';
import { localContext } from '../../local/lambda-context.ts';
import { ARRIVAL, body, CONFIG_DOCUMENT, validDetail } from '../fixtures.ts';
import { quietObservability } from './setup.ts';

expect.extend(allCustomMatcher);

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'local' });

function handler() {
  return makeHandler({
    config: dynamoConfigSource(client, 'state'),
    events: dynamoEventStore(client, 'events'),
    intake: dynamoIntakeLog(client, 'state'),
    ...quietObservability(),
  });
}

const record = (messageId: string, text: string): SQSRecord => ({
  messageId,
  receiptHandle: messageId,
  body: text,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1736935500000', SenderId: 's', ApproximateFirstReceiveTimestamp: '1736935500000' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:cn-north-1:1:ingest',
  awsRegion: 'cn-north-1',
});
const sqs = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const keyOf = (input: { Item?: Record<string, { S?: string }> }) => input.Item?.pk?.S;

beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).resolves({ Item: { pk: { S: 'CONFIG' }, sk: { S: 'CURRENT' }, document: { S: JSON.stringify(CONFIG_DOCUMENT) } } });
  ddb.on(PutItemCommand).resolves({});
});

describe('ingest handler', () => {
  it('stores a valid event once with a conditional put and acknowledges it', async () => {
    const result = await handler()(sqs(record('m1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent)))), localContext('ingest'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'events',
      ConditionExpression: 'attribute_not_exists(#pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      Item: expect.objectContaining({ pk: { S: 'tmall#evt-1' }, h: { S: '2025-01-15T18' } }),
    });
  });

  it('stamps each stored event and each log entry with its retention as a DynamoDB TTL, in epoch seconds', async () => {
    ddb.on(GetItemCommand).resolves({
      Item: { pk: { S: 'CONFIG' }, sk: { S: 'CURRENT' }, document: { S: JSON.stringify({ ...CONFIG_DOCUMENT, retention: { eventsDays: 30 } }) } },
    });
    const bad = body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, 'bad'), currency: 'USD' });
    await handler()(sqs(record('m1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'a'))), record('m2', bad)), localContext('ingest'));
    const arrivalSeconds = Date.parse(ARRIVAL) / 1000;
    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts.find((p) => p.TableName === 'events')?.Item?.x).toEqual({ N: String(arrivalSeconds + 30 * 86_400) });
    // The logs keep the default 90 days; seconds, not milliseconds (DynamoDB ignores a TTL in milliseconds).
    expect(puts.find((p) => p.TableName === 'state')?.Item?.ttl).toEqual({ N: String(arrivalSeconds + 90 * 86_400) });
  });

  it('quarantines a bad event with reason and original payload, and commits the rest of the batch', async () => {
    const bad = body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, 'bad'), currency: 'USD' });
    const result = await handler()(
      sqs(
        record('m1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'a'))),
        record('m2', bad),
        record('m3', body(AdSpendRecordedEvent, validDetail(AdSpendRecordedEvent, 'b'))),
      ),
      localContext('ingest'),
    );
    expect(result.batchItemFailures).toEqual([]);
    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(
      puts
        .filter((p) => p.TableName === 'events')
        .map(keyOf)
        .sort(),
    ).toEqual(['tmall#a', 'tmall#b']);
    const quarantined = puts.filter((p) => p.TableName === 'state');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.Item).toMatchObject({
      pk: { S: 'QUARANTINE#2025-01-15' },
      sk: { S: 'm2' },
      reason: { S: 'wrong_currency' },
      payload: { S: bad },
      eventId: { S: 'bad' },
    });
  });

  it('drops an identical redelivery as a duplicate and quarantines a conflicting one', async () => {
    const original = body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'x'));
    const admitted = ddb.on(PutItemCommand, { TableName: 'events' });
    let stored: string | undefined;
    admitted.callsFake((input: { Item: Record<string, { S: string }> }) => {
      if (stored === undefined) {
        stored = input.Item.b?.S;
        return {};
      }
      throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: { b: { S: stored } } });
    });
    const run = handler();
    await run(sqs(record('m1', original)), localContext('ingest'));
    await run(sqs(record('m2', original)), localContext('ingest'));
    const changed = body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, 'x'), lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '99.00' }] });
    await run(sqs(record('m3', changed)), localContext('ingest'));
    const state = ddb
      .commandCalls(PutItemCommand)
      .map((c) => c.args[0].input)
      .filter((p) => p.TableName === 'state');
    expect(state.map((p) => [p.Item?.pk?.S, p.Item?.sk?.S, p.Item?.reason?.S])).toEqual([
      ['DUPLICATE#2025-01-15', 'm2', undefined],
      ['QUARANTINE#2025-01-15', 'm3', 'conflicting_duplicate'],
    ]);
  });

  it('reports only the record whose write failed, for SQS to redeliver', async () => {
    ddb.on(PutItemCommand).callsFake((input: { Item: Record<string, { S?: string }> }) => {
      if (input.Item.pk?.S === 'tmall#throttled') throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      return {};
    });
    const result = await handler()(
      sqs(
        record('ok-1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'fine'))),
        record('fail-1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'throttled'))),
      ),
      localContext('ingest'),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'fail-1' }] });
  });

  it('fails the whole batch (for SQS to retry, then dead-letter) when no configuration is stored', async () => {
    ddb.on(GetItemCommand).resolves({});
    await expect(handler()(sqs(record('m1', body(SaleRecordedEvent, validDetail(SaleRecordedEvent)))), localContext('ingest'))).rejects.toThrow(
      /All records failed/,
    );
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });
});
