import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { addInto, TOTAL_FIELDS, type Totals, zeroTotals } from '../domain/aggregation.ts';
import type { AddResult, AggregateReader, AggregateStore, ItemAddition } from '../app/ports.ts';
import { prefixSumsOf } from '../domain/hour-sums.ts';
import { type Item, queryAll } from './dynamo.ts';

export const aggregateKey = (channelId: string) => `AGG#${channelId}`;
/**
 * Sort key of a channel's hour item: `H#2025-01-15T18`. Only hours are stored: a day is exactly the sum of its hours
 * (`rollUpDays`), so storing it too would double the writes of every commit for no information (see
 * docs/ARCHITECTURE.md, "Why hours only").
 */
export const hourKey = (hour: string) => `H#${hour}`;
const HOUR_PREFIX_LENGTH = hourKey('').length;
/**
 * A store's share of an hour lives in the hour item, one attribute per total: `gmv@flagship`. Field names hold no `@`,
 * so the first `@` ends the field whatever the store id.
 */
export const storeAttribute = (field: string, storeId: string) => `${field}@${storeId}`;
/**
 * Sort key of a store's business-day item (`S#2025-01-15#store-1`), which commits wrote before stores' shares moved
 * into the hour items. Still read, never written: a table written by the earlier version keeps its leaderboard.
 */
export const storeDayKey = (day: string, storeId: string) => `S#${day}#${storeId}`;
const STORE_ID_OFFSET = storeDayKey('YYYY-MM-DD', '').length;
const checkpointKey = (shardKey: string) => ({ pk: { S: `CKPT#${shardKey}` }, sk: { S: '-' } });

/**
 * A shard's mark attribute in an item: `@` and 12 hex digits of the SHA-256 of the shard key (a key is ~80 characters,
 * and names count toward an item's size; 48 bits keep the few shards that write one hour apart). No total is named
 * with a leading `@`.
 */
export const markAttribute = (shardKey: string) => `@${createHash('sha256').update(shardKey).digest('hex').slice(0, 12)}`;
/** Stream sequence numbers have 21 to 40 digits; padded to 40, text order is number order in a condition. */
const SEQUENCE_DIGITS = 40;
function padded(sequenceNumber: string): string {
  if (!/^\d{1,40}$/.test(sequenceNumber)) throw new Error(`not a stream sequence number: ${sequenceNumber}`);
  return sequenceNumber.padStart(SEQUENCE_DIGITS, '0');
}
const unpadded = (text: string) => BigInt(text).toString();

/**
 * DynamoDB aggregate store. An item's records from a shard are added by one conditional `UpdateItem` that `ADD`s their
 * totals and moves the item's mark for the shard ({@link markAttribute}) — one write unit for an item under 1 KB,
 * where a transaction with a checkpoint cost four. Concurrent writes to one item from different shards touch different
 * marks and `ADD` commutes, so they never conflict.
 */
export function dynamoAggregateStore(client: DynamoDBClient, tableName: string): AggregateStore & AggregateReader {
  const hours: AggregateReader['hours'] = async (channelId, range) => {
    const out = new Map<string, Totals>();
    for (const item of await itemsBetween(channelId, hourKey(range?.fromHour ?? ''), hourKey(range?.toHour ?? '\uffff')))
      out.set((item.sk?.S ?? '').slice(HOUR_PREFIX_LENGTH), totalsFromItem(item));
    return out;
  };
  return {
    async addOnce(shardKey, addition): Promise<AddResult> {
      const mark = markAttribute(shardKey);
      const key = { pk: { S: aggregateKey(addition.channelId) }, sk: { S: hourKey(addition.hour) } };
      try {
        await client.send(
          new UpdateItemCommand({ TableName: tableName, Key: key, ...additionUpdate(mark, addition), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
        );
        return { added: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const old = error.Item ?? (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
        const held = old?.[mark]?.S;
        return { added: false, mark: held === undefined ? undefined : unpadded(held) };
      }
    },

    async readCheckpoint(shardKey) {
      const result = await client.send(new GetItemCommand({ TableName: tableName, Key: checkpointKey(shardKey), ConsistentRead: true }));
      return result.Item?.seq?.S;
    },

    async moveCheckpoint(shardKey, expected, next) {
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
    },

    hours,
    hourSums: async (channelId, range) => prefixSumsOf(await hours(channelId, range)),

    async storeDays(channelId, fromDay, toDay) {
      const out = new Map<string, Map<string, Totals>>();
      const add = (day: string, storeId: string, totals: Partial<Totals>) => {
        const stores = out.get(day) ?? out.set(day, new Map()).get(day)!;
        addInto(stores.get(storeId) ?? stores.set(storeId, zeroTotals()).get(storeId)!, totals);
      };
      const [hours, legacy] = await Promise.all([
        itemsBetween(channelId, hourKey(fromDay), hourKey(`${toDay}\uffff`)),
        itemsBetween(channelId, storeDayKey(fromDay, ''), storeDayKey(toDay, '\uffff')),
      ]);
      for (const item of hours) {
        const day = (item.sk?.S ?? '').slice(HOUR_PREFIX_LENGTH, HOUR_PREFIX_LENGTH + 10);
        for (const [storeId, totals] of storeSharesOf(item)) add(day, storeId, totals);
      }
      for (const item of legacy) {
        const sk = item.sk?.S ?? '';
        add(sk.slice(2, 12), sk.slice(STORE_ID_OFFSET), totalsFromItem(item));
      }
      return out;
    },
  };

  /** A channel's aggregate items with sort keys from `from` to `to` inclusive (hours, or the store days of old). */
  function itemsBetween(channelId: string, from: string, to: string): Promise<Item[]> {
    return queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': { S: aggregateKey(channelId) }, ':from': { S: from }, ':to': { S: to } },
      ConsistentRead: true,
    });
  }
}

/** The update expression of an addition: `ADD` of every non-zero total (the hour's and its stores'), `SET` of the mark. */
function additionUpdate(mark: string, addition: ItemAddition) {
  const names: Record<string, string> = { '#m': mark };
  const values: Record<string, AttributeValue> = { ':last': { S: padded(addition.last) } };
  const adds: string[] = [];
  for (const delta of addition.deltas) {
    if (delta.channelId !== addition.channelId || delta.hour !== addition.hour)
      throw new Error(`a delta of ${delta.channelId} ${delta.hour} in an addition to ${addition.channelId} ${addition.hour}`);
    for (const field of TOTAL_FIELDS) {
      const value = delta.totals[field];
      if (value === 0n) continue;
      const i = adds.length;
      names[`#f${i}`] = delta.storeId === undefined ? field : storeAttribute(field, delta.storeId);
      values[`:v${i}`] = { N: value.toString() };
      adds.push(`#f${i} :v${i}`);
    }
  }
  // Touch `events` even for all-zero deltas (a restated report with the same figures) so the hour exists; ADD 0 is harmless.
  if (adds.length === 0) {
    names['#f0'] = 'events';
    values[':v0'] = { N: '0' };
    adds.push('#f0 :v0');
  }
  if (addition.after === undefined) values[':first'] = { S: padded(addition.first) };
  else values[':after'] = { S: padded(addition.after) };
  return {
    UpdateExpression: `ADD ${adds.join(', ')} SET #m = :last`,
    ConditionExpression: addition.after === undefined ? 'attribute_not_exists(#m) OR #m < :first' : '#m = :after',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Each store's share of an hour item (`field@storeId` attributes). */
function storeSharesOf(item: Item): Map<string, Partial<Totals>> {
  const out = new Map<string, Partial<Totals>>();
  for (const [name, value] of Object.entries(item)) {
    const at = name.indexOf('@');
    if (at <= 0 || value.N === undefined) continue;
    const field = name.slice(0, at);
    if (!TOTAL_FIELD_SET.has(field)) continue;
    const storeId = name.slice(at + 1);
    const share = out.get(storeId) ?? out.set(storeId, {}).get(storeId)!;
    share[field as keyof Totals] = BigInt(value.N);
  }
  return out;
}
const TOTAL_FIELD_SET: ReadonlySet<string> = new Set(TOTAL_FIELDS);

/** Reads totals from an item, exactly: numbers are parsed from DynamoDB's decimal text straight into bigint. */
function totalsFromItem(item: Item): Totals {
  const totals = zeroTotals();
  for (const field of TOTAL_FIELDS) {
    const n = item[field]?.N;
    if (n !== undefined) totals[field] = BigInt(n);
  }
  return totals;
}
