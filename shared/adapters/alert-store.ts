import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { AlertState, Notification } from '../domain/alerts/alert.ts';
import { dynamoOutbox, type Outbox, type OutboxEntry, outboxPut } from './outbox.ts';

export type { OutboxEntry } from './outbox.ts';

export type SaveResult = 'saved' | 'conflict';

/** Port: alert states (one current state per fingerprint, versioned) and the outbox. */
export interface AlertStore extends Outbox {
  get(channelId: string, fingerprint: string): Promise<{ state: AlertState; version: number } | undefined>;
  /**
   * All current states of a channel's fingerprints (firing and last resolved), with their versions, and the
   * channel's latest arrival — one Query, as they share a partition.
   */
  list(channelId: string): Promise<{ alerts: { state: AlertState; version: number }[]; lastEventAtMs: number | undefined }>;
  /**
   * Stores the states of one transition and its outbox entries atomically, if the fingerprint's version is still
   * `expectedVersion` (`0` for a fingerprint never seen); otherwise changes nothing and returns `conflict`.
   */
  save(channelId: string, states: readonly AlertState[], expectedVersion: number, outbox: readonly OutboxEntry[]): Promise<SaveResult>;
  /** Channel bookkeeping for feed_stale: latest arrival seen (only moves forward). */
  touchChannel(channelId: string, lastEventAtMs: number): Promise<void>;
}

const alertKey = (channelId: string, fingerprint: string) => ({ pk: { S: `ALERT#${channelId}` }, sk: { S: fingerprint } });
/** The channel's status lives beside its alerts (sk sorts after every fingerprint), so one Query reads both. */
const statusKey = (channelId: string) => ({ pk: { S: `ALERT#${channelId}` }, sk: { S: '~STATUS' } });

/** Alert states and outbox in the state table; a transition is one TransactWriteItems (state + outbox). */
export function dynamoAlertStore(client: DynamoDBClient, tableName: string): AlertStore {
  const readState = (item: Record<string, AttributeValue>) => JSON.parse(item.state?.S ?? '{}') as AlertState;
  const query = async (pk: string) => {
    const items: Record<string, AttributeValue>[] = [];
    const pages = paginateQuery({ client }, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true });
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  };
  return {
    async get(channelId, fingerprint) {
      const result = await client.send(new GetItemCommand({ TableName: tableName, Key: alertKey(channelId, fingerprint), ConsistentRead: true }));
      if (!result.Item) return undefined;
      return { state: readState(result.Item), version: Number(result.Item.version?.N ?? 0) };
    },
    async list(channelId) {
      const items = await query(`ALERT#${channelId}`);
      const status = items.find((item) => item.sk?.S === statusKey(channelId).sk.S);
      return {
        alerts: items.filter((item) => item !== status).map((item) => ({ state: readState(item), version: Number(item.version?.N ?? 0) })),
        lastEventAtMs: status?.lastEventAt?.N === undefined ? undefined : Number(status.lastEventAt.N),
      };
    },
    async save(channelId, states, expectedVersion, outbox) {
      const last = states[states.length - 1];
      if (!last) return 'saved';
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: { ...alertKey(channelId, last.fingerprint), state: { S: JSON.stringify(last) }, status: { S: last.status }, version: { N: String(expectedVersion + 1) } },
            ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } } }),
          },
        },
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      ];
      try {
        await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return 'saved';
      } catch (error) {
        if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) return 'conflict';
        throw error;
      }
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

/**
 * The outbox entries that announce a transition's notifications, in the outbound events' detail shape. `version` is
 * the fingerprint's state version the transition writes.
 */
export function outboxEntriesFor(notifications: readonly Notification[], atMs: number, version: number): OutboxEntry[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return notifications.map((n, i) => {
    const a = n.alert;
    const seq = `${a.fingerprint}#${String(version).padStart(9, '0')}#${i}`;
    // What every announcement of a firing alert says (the outbound schemas' `firingAlert`).
    const firing = { alertId: a.alertId, fingerprint: a.fingerprint, rule: a.rule, severity: a.severity, ...a.subject, summary: a.summary, observed: a.observed, threshold: a.threshold, raisedAt: iso(a.raisedAtMs) };
    if (n.type === 'reminder') {
      return {
        channelId: a.subject.channelId,
        id: `${a.alertId}#Alert Reminder Sent@${atMs}`,
        seq,
        detailType: 'Alert Reminder Sent',
        timeMs: atMs,
        detail: { ...firing, remindedAt: iso(atMs), count: a.count },
      };
    }
    if (n.type === 'raised') {
      return {
        channelId: a.subject.channelId,
        id: `${a.alertId}#Alert Raised`,
        seq,
        detailType: 'Alert Raised',
        timeMs: atMs,
        detail: { ...firing, evidence: { ...a.evidence, count: a.count } },
      };
    }
    return {
      channelId: a.subject.channelId,
      id: `${a.alertId}#Alert Resolved`,
      seq,
      detailType: 'Alert Resolved',
      timeMs: atMs,
      detail: { alertId: a.alertId, fingerprint: a.fingerprint, rule: a.rule, channelId: a.subject.channelId, resolvedAt: iso(a.resolvedAtMs ?? atMs), reason: a.resolveReason ?? 'resolved' },
    };
  });
}
