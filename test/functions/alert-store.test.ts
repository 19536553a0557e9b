import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoAlertStore } from '../../shared/adapters/alert-store.ts';
import type { AlertState } from '../../shared/domain/alerts/alert.ts';

expect.extend(allCustomMatcher);
const ddb = mockClient(DynamoDBClient);
const store = () => dynamoAlertStore(new DynamoDBClient({ region: 'local' }), 'state');
const firing = {
  fingerprint: 'roi_drop|tmall',
  alertId: 'a-1',
  rule: 'roi_drop',
  subject: { channelId: 'tmall' },
  status: 'firing',
  severity: 'warning',
  raisedAtMs: 0,
  lastBreachAtMs: 60_000,
  count: 2,
  observed: 1.2,
  threshold: 2,
  summary: 'ROI fell',
  evidence: {},
  notified: true,
} as AlertState;
const entry = { channelId: 'tmall', id: 'a-1/raised', seq: '1', detailType: 'Alert Raised', detail: {}, timeMs: 0 };

beforeEach(() => {
  ddb.reset();
  ddb.on(PutItemCommand).resolves({});
  ddb.on(TransactWriteItemsCommand).resolves({});
});

describe('the alert store', () => {
  it('saves a change with nothing to announce as one conditional put (1 write unit), not a transaction (2)', async () => {
    expect(await store().save('tmall', [firing], 3, [])).toBe('saved');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ pk: { S: 'ALERT#tmall' }, sk: { S: 'roi_drop|tmall' }, version: { N: '4' } }),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': { N: '3' } },
    });
  });

  it('answers conflict when another evaluation saved first', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    expect(await store().save('tmall', [firing], 3, [])).toBe('conflict');
  });

  it('saves a change with its outbox entries in one transaction', async () => {
    expect(await store().save('tmall', [firing], 0, [entry])).toBe('saved');
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((i) => i.Put?.Item?.pk?.S)).toEqual(['ALERT#tmall', expect.stringMatching(/^OUTBOX#tmall/)]);
    expect(items[0]?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });
});
