import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { type BucketDelta, type Totals, TOTAL_FIELDS, zeroTotals } from '../domain/aggregation.ts';
import type { AggregateReader, AggregateStore } from '../app/ports.ts';
import { DEFAULT_RETRY, type Item, queryAll, type RetryPolicy, transact } from './dynamo.ts';
import { MAX_TRANSACTION_ITEMS } from './tables.ts';

/** Aggregate items per transaction: DynamoDB's limit less one item for the checkpoint. */
export const MAX_BUCKETS_PER_COMMIT = MAX_TRANSACTION_ITEMS - 1;

export const aggregateKey = (channelId: string) => `AGG#${channelId}`;
/**
 * Sort key of a channel's hour item: `H#2025-01-15T18`. Only hours are stored: a day is exactly the sum of its hours
 * (`rollUpDays`), so storing it too would double the writes of every commit for no information (see
 * docs/ARCHITECTURE.md, "Why hours only").
 */
export const hourKey = (hour: string) => `H#${hour}`;
const HOUR_PREFIX_LENGTH = hourKey('').length;
/**
 * Sort key of a store's business-day item: `S#2025-01-15#store-1` — day first, so one Query reads every store of a
 * channel over a range of days. Kept beside the channel's hours in its partition, apart by prefix.
 */
export const storeDayKey = (day: string, storeId: string) => `S#${day}#${storeId}`;
const STORE_ID_OFFSET = storeDayKey('YYYY-MM-DD', '').length;
const checkpointKey = (shardKey: string) => ({ pk: { S: `CKPT#${shardKey}` }, sk: { S: '-' } });

/**
 * DynamoDB aggregate store: one TransactWriteItems per commit — a conditional write of the checkpoint plus one
 * `ADD` update per touched hour. Transaction conflicts (another consumer updating the same hour at the same
 * moment) are retried by {@link transact}; they never change the outcome because ADD commutes.
 */
export function dynamoAggregateStore(client: DynamoDBClient, tableName: string, retry: RetryPolicy = DEFAULT_RETRY): AggregateStore & AggregateReader {
  const checkpointPut = (shardKey: string, expected: string | undefined, next: string) => ({
    TableName: tableName,
    Item: { ...checkpointKey(shardKey), seq: { S: next } },
    ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'seq = :expected',
    ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':expected': { S: expected } } }),
  });
  return {
    async readCheckpoint(shardKey) {
      const result = await client.send(new GetItemCommand({ TableName: tableName, Key: checkpointKey(shardKey), ConsistentRead: true }));
      return result.Item?.seq?.S;
    },

    async commit(shardKey, expected, next, deltas) {
      if (deltas.length > MAX_BUCKETS_PER_COMMIT) throw new Error(`a commit may touch at most ${MAX_BUCKETS_PER_COMMIT} buckets, got ${deltas.length}`);
      if (deltas.length === 0) {
        // Nothing to add (records that change no aggregate, or the rules checkpoint): a conditional put moves the
        // checkpoint for one write unit instead of a transaction's two.
        try {
          await client.send(new PutItemCommand(checkpointPut(shardKey, expected, next)));
          return 'committed';
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return 'checkpoint_moved';
          throw error;
        }
      }
      // Only the checkpoint carries a condition: a failed condition means another consumer moved it first.
      const outcome = await transact(client, [{ Put: checkpointPut(shardKey, expected, next) }, ...deltas.map((delta) => updateFor(tableName, delta))], retry);
      return outcome.ok ? 'committed' : 'checkpoint_moved';
    },

    async hours(channelId, range) {
      const out = new Map<string, Totals>();
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: aggregateKey(channelId) },
          ':from': { S: hourKey(range?.fromHour ?? '') },
          ':to': { S: hourKey(range?.toHour ?? '\uffff') },
        },
        ConsistentRead: true,
      });
      for (const item of items) out.set((item.sk?.S ?? '').slice(HOUR_PREFIX_LENGTH), totalsFromItem(item));
      return out;
    },

    async storeDays(channelId, fromDay, toDay) {
      const out = new Map<string, Map<string, Totals>>();
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: aggregateKey(channelId) },
          ':from': { S: storeDayKey(fromDay, '') },
          ':to': { S: storeDayKey(toDay, '\uffff') },
        },
        ConsistentRead: true,
      });
      for (const item of items) {
        const sk = item.sk?.S ?? '';
        const day = sk.slice(2, 12);
        if (!out.has(day)) out.set(day, new Map());
        out.get(day)?.set(sk.slice(STORE_ID_OFFSET), totalsFromItem(item));
      }
      return out;
    },
  };
}

function updateFor(tableName: string, delta: BucketDelta): TransactWriteItem {
  const fields = TOTAL_FIELDS.filter((f) => delta.totals[f] !== 0n);
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  fields.forEach((field, i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = { N: delta.totals[field].toString() };
  });
  // Touch `events` even for an all-zero delta so the bucket exists; ADD of 0 is harmless.
  if (fields.length === 0) {
    names['#f0'] = 'events';
    values[':v0'] = { N: '0' };
  }
  const adds = Object.keys(names).map((n, i) => `${n} :v${i}`);
  return {
    Update: {
      TableName: tableName,
      Key: { pk: { S: aggregateKey(delta.channelId) }, sk: { S: delta.storeId === undefined ? hourKey(delta.hour) : storeDayKey(delta.hour, delta.storeId) } },
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Reads totals from an item, exactly: numbers are parsed from DynamoDB's decimal text straight into bigint. */
function totalsFromItem(item: Item): Totals {
  const totals = zeroTotals();
  for (const field of TOTAL_FIELDS) {
    const n = item[field]?.N;
    if (n !== undefined) totals[field] = BigInt(n);
  }
  return totals;
}
