import { DeleteItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Outbox, OutboxEntry } from '../app/ports.ts';
import { queryPartition } from './dynamo.ts';

const outboxPk = (partition: string) => `OUTBOX#${partition}`;
const outboxKey = (entry: { channelId: string; timeMs: number; seq: string }) => ({
  pk: { S: outboxPk(entry.channelId) },
  sk: { S: `${String(entry.timeMs).padStart(15, '0')}#${entry.seq}` },
});

/** The transaction item that writes an entry (once: a retried transaction cannot duplicate it). */
export function outboxPut(tableName: string, entry: OutboxEntry): TransactWriteItem {
  return { Put: { TableName: tableName, Item: { ...outboxKey(entry), entry: { S: JSON.stringify(entry) } }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The outbox in the state table: one partition per channel (and one for budgets), sorted by time then seq. */
export function dynamoOutbox(client: DynamoDBClient, tableName: string): Outbox {
  return {
    async pending(partition) {
      return (await queryPartition(client, tableName, outboxPk(partition))).map((item) => JSON.parse(item.entry?.S ?? '{}') as OutboxEntry);
    },
    async published(entry) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: outboxKey(entry) }));
    },
  };
}
