import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AlertState } from '../domain/alerts/alert.ts';
import type { AlertStore } from '../app/ports.ts';
import { type Item, queryPartition, transact } from './dynamo.ts';
import { dynamoOutbox, outboxPut } from './outbox.ts';

const alertPk = (channelId: string) => `ALERT#${channelId}`;
const alertKey = (channelId: string, fingerprint: string) => ({ pk: { S: alertPk(channelId) }, sk: { S: fingerprint } });
/** The channel's status lives beside its alerts (sk sorts after every fingerprint), so one Query reads both. */
const STATUS_SK = '~STATUS';
const statusKey = (channelId: string) => ({ pk: { S: alertPk(channelId) }, sk: { S: STATUS_SK } });

const readState = (item: Item) => JSON.parse(item.state?.S ?? '{}') as AlertState;
const versionOf = (item: Item) => Number(item.version?.N ?? 0);

/** Alert states and outbox in the state table; a transition is one TransactWriteItems (state + outbox). */
export function dynamoAlertStore(client: DynamoDBClient, tableName: string): AlertStore {
  return {
    async get(channelId, fingerprint) {
      const result = await client.send(new GetItemCommand({ TableName: tableName, Key: alertKey(channelId, fingerprint), ConsistentRead: true }));
      return result.Item ? { state: readState(result.Item), version: versionOf(result.Item) } : undefined;
    },
    async list(channelId) {
      const items = await queryPartition(client, tableName, alertPk(channelId));
      const status = items.find((item) => item.sk?.S === STATUS_SK);
      return {
        alerts: items.filter((item) => item !== status).map((item) => ({ state: readState(item), version: versionOf(item) })),
        lastEventAtMs: status?.lastEventAt?.N === undefined ? undefined : Number(status.lastEventAt.N),
      };
    },
    async save(channelId, states, expectedVersion, outbox) {
      const last = states[states.length - 1];
      if (!last) return 'saved';
      const put = {
        TableName: tableName,
        Item: {
          ...alertKey(channelId, last.fingerprint),
          state: { S: JSON.stringify(last) },
          status: { S: last.status },
          version: { N: String(expectedVersion + 1) },
        },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } } }),
      };
      // Nothing to announce (a firing alert's count and last breach moving, a muted change): one item, so a conditional
      // put does what the transaction would, for one write unit instead of two — paid at every batch while it fires.
      if (outbox.length === 0) {
        try {
          await client.send(new PutItemCommand(put));
          return 'saved';
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return 'conflict';
          throw error;
        }
      }
      const outcome = await transact(client, [{ Put: put }, ...outbox.map((entry) => outboxPut(tableName, entry))]);
      return outcome.ok ? 'saved' : 'conflict';
    },
    ...dynamoOutbox(client, tableName),
    async touchChannel(channelId, lastEventAtMs) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...statusKey(channelId), lastEventAt: { N: String(lastEventAtMs) } },
            ConditionExpression: 'attribute_not_exists(pk) OR lastEventAt < :t',
            ExpressionAttributeValues: { ':t': { N: String(lastEventAtMs) } },
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    },
  };
}
