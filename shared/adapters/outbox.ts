import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, paginateQuery, type TransactWriteItem } from '@aws-sdk/client-dynamodb';

/**
 * One outbound event waiting to be published, written in the same transaction as the state change it reports
 * (an alert transition, a proposal, a finance decision), so "decided" can never be lost before "published".
 */
export interface OutboxEntry {
  /** The outbox partition: a channel's alerts, or {@link BUDGETS_OUTBOX}. */
  readonly channelId: string;
  /** Unique per announcement (consumers drop repeats by it): alertId or proposalId + detail-type. */
  readonly id: string;
  /**
   * Order among entries of one instant: e.g. the fingerprint, its state version and the position in the transition,
   * so a resolution is published before the raise that follows it (an escalation, a new period).
   */
  readonly seq: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly timeMs: number;
}

/** The outbox partition of budget proposals and decisions ("~" keeps it apart from every channel's partition in reading). */
export const BUDGETS_OUTBOX = '~budgets';

/** Port: what the publisher needs from an outbox. */
export interface Outbox {
  pending(partition: string): Promise<OutboxEntry[]>;
  published(entry: OutboxEntry): Promise<void>;
}

export const outboxKey = (entry: { channelId: string; timeMs: number; seq: string }) => ({ pk: { S: `OUTBOX#${entry.channelId}` }, sk: { S: `${String(entry.timeMs).padStart(15, '0')}#${entry.seq}` } });

/** The transaction item that writes an entry (once: a retried transaction cannot duplicate it). */
export function outboxPut(tableName: string, entry: OutboxEntry): TransactWriteItem {
  return { Put: { TableName: tableName, Item: { ...outboxKey(entry), entry: { S: JSON.stringify(entry) } }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The outbox in the state table: one partition per channel (and one for budgets), sorted by time then seq. */
export function dynamoOutbox(client: DynamoDBClient, tableName: string): Outbox {
  return {
    async pending(partition) {
      const items: Record<string, AttributeValue>[] = [];
      const pages = paginateQuery({ client }, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `OUTBOX#${partition}` } }, ConsistentRead: true });
      for await (const page of pages) items.push(...(page.Items ?? []));
      return items.map((item) => JSON.parse(item.entry?.S ?? '{}') as OutboxEntry);
    },
    async published(entry) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: outboxKey(entry) }));
    },
  };
}
