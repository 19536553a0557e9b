import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { type BucketDelta, type Totals, TOTAL_FIELDS, zeroTotals } from '../domain/aggregation.ts';
import { MAX_TRANSACTION_ITEMS } from './tables.ts';

export type CommitResult = 'committed' | 'checkpoint_moved';

/** Port: aggregates and the stream checkpoints that guard them. */
export interface AggregateStore {
  readCheckpoint(shardKey: string): Promise<string | undefined>;
  /**
   * Atomically adds `deltas` and moves the shard's checkpoint from `expected` to `next`. Returns
   * `checkpoint_moved` (and changes nothing) if another consumer moved the checkpoint first.
   */
  commit(shardKey: string, expected: string | undefined, next: string, deltas: readonly BucketDelta[]): Promise<CommitResult>;
}

export interface AggregateReader {
  /** A channel's hour totals keyed `YYYY-MM-DDTHH`, optionally only those from `fromHour` to `toHour` inclusive. */
  hours(channelId: string, range?: { fromHour: string; toHour: string }): Promise<Map<string, Totals>>;
}

/** Aggregate items per transaction: DynamoDB's limit less one item for the checkpoint. */
export const MAX_BUCKETS_PER_COMMIT = MAX_TRANSACTION_ITEMS - 1;

export const aggregateKey = (channelId: string) => `AGG#${channelId}`;
const checkpointKey = (shardKey: string) => ({ pk: { S: `CKPT#${shardKey}` }, sk: { S: '-' } });

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * DynamoDB aggregate store: one TransactWriteItems per commit — a conditional write of the checkpoint plus one
 * `ADD` update per touched bucket. Transaction conflicts (another consumer updating the same bucket at the same
 * moment) are retried with jittered backoff; they never change the outcome because ADD commutes.
 */
export function dynamoAggregateStore(
  client: DynamoDBClient,
  tableName: string,
  retry: RetryPolicy = { attempts: 8, baseDelayMs: 20 },
): AggregateStore & AggregateReader {
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
          await client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: { ...checkpointKey(shardKey), seq: { S: next } },
              ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'seq = :expected',
              ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':expected': { S: expected } } }),
            }),
          );
          return 'committed';
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return 'checkpoint_moved';
          throw error;
        }
      }
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: { ...checkpointKey(shardKey), seq: { S: next } },
            ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'seq = :expected',
            ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':expected': { S: expected } } }),
          },
        },
        ...deltas.map((delta) => updateFor(tableName, delta)),
      ];
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
          return 'committed';
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
          if (codes[0] === 'ConditionalCheckFailed') return 'checkpoint_moved';
          const retryable = codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded');
          if (!retryable || attempt >= retry.attempts) throw error;
          await sleep(retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
        }
      }
    },

    async hours(channelId, range) {
      const out = new Map<string, Totals>();
      const pages = paginateQuery(
        { client },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: aggregateKey(channelId) },
            ':from': { S: `H#${range?.fromHour ?? ''}` },
            ':to': { S: `H#${range?.toHour ?? '\uffff'}` },
          },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) out.set((item.sk?.S ?? '').slice(2), totalsFromItem(item));
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
      Key: { pk: { S: aggregateKey(delta.channelId) }, sk: { S: delta.bucket } },
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Reads totals from an item, exactly: numbers are parsed from DynamoDB's decimal text straight into bigint. */
export function totalsFromItem(item: Record<string, AttributeValue>): Totals {
  const totals = zeroTotals();
  for (const field of TOTAL_FIELDS) {
    const n = item[field]?.N;
    if (n !== undefined) totals[field] = BigInt(n);
  }
  return totals;
}
