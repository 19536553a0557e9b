import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { storeConfig } from '../../shared/adapters/config-store.ts';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'local' });
const document = (channels: number) => ({
  timezone: 'Asia/Shanghai',
  channels: Array.from({ length: channels }, (_, i) => ({
    id: `channel-${i}`,
    name: `A channel with a long descriptive name, number ${i}`,
    kind: 'other',
    currency: 'CNY',
    budget: { daily: '1000.00' },
  })),
});

describe('storeConfig', () => {
  it('refuses a valid document too large for one DynamoDB item, saying so, and writes nothing', async () => {
    ddb.reset();
    ddb.on(PutItemCommand).resolves({});
    await expect(storeConfig(client, 'state', document(10_000), 0)).rejects.toThrow(/refused, nothing stored: it is \d+ KB .* at most 400 KB \(10000 channels/);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
    await storeConfig(client, 'state', document(100), 0);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  });
});
