/**
 * The two DynamoDB mechanics every adapter needs, written once: reading every page of a Query, and a transaction
 * with one cancellation policy.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  paginateQuery,
  type QueryCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** Every item a Query returns, all pages (the SDK's paginator follows LastEvaluatedKey). */
export async function queryAll(client: DynamoDBClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of paginateQuery({ client }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** The items of one partition, in sort-key order, read consistently. */
export function queryPartition(client: DynamoDBClient, tableName: string, pk: string): Promise<Item[]> {
  return queryAll(client, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true });
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 20 };

/** A committed transaction, or the positions of the items whose condition failed (nothing was written). */
export type TransactOutcome =
  | { readonly ok: true }
  /** `old`: the item as it stood, by position, for the items that asked for it (`ReturnValuesOnConditionCheckFailure`). */
  | { readonly ok: false; readonly failed: readonly number[]; readonly old: ReadonlyMap<number, Item> };

/** Cancellation codes that say "someone else was busy", never "your condition is false": worth another try. */
const TRANSIENT = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One TransactWriteItems with the project's single cancellation policy: a failed condition is an answer (the
 * positions that failed, for the caller to interpret); a conflict with another writer or throttling, with no
 * condition failed, is retried with jittered exponential backoff (a cancelled transaction wrote nothing, so a
 * retry cannot apply anything twice); anything else, or transient trouble that outlasts the retries, is thrown.
 */
export async function transact(client: DynamoDBClient, items: readonly TransactWriteItem[], retry: RetryPolicy = DEFAULT_RETRY): Promise<TransactOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: [...items] }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const failed = codes.flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [i] : []));
      if (failed.length > 0) {
        const old = new Map<number, Item>();
        for (const i of failed) {
          const item = error.CancellationReasons?.[i]?.Item;
          if (item) old.set(i, item);
        }
        return { ok: false, failed, old };
      }
      if (!codes.some((c) => TRANSIENT.has(c)) || attempt >= retry.attempts) throw error;
      await sleep(retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}
