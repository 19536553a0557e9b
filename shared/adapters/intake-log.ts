import { type AttributeValue, type DynamoDBClient, paginateScan, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { RejectionReason } from '../domain/admission.ts';

export interface Quarantined {
  /** The delivery's message id: redeliveries of one message overwrite one entry, so nothing is counted twice. */
  readonly messageId: string;
  readonly reason: RejectionReason;
  readonly message: string;
  readonly eventId?: string;
  readonly channelId?: string;
  /** The original payload, byte for byte. */
  readonly payload: string;
  readonly atMs: number;
}

export interface Duplicate {
  readonly messageId: string;
  readonly eventId: string;
  readonly channelId: string;
  readonly atMs: number;
}

/** Port: what happened to the deliveries that did not become new events. */
export interface IntakeLog {
  quarantine(entry: Quarantined): Promise<void>;
  duplicate(entry: Duplicate): Promise<void>;
}

export interface IntakeReader {
  quarantined(): Promise<Quarantined[]>;
  duplicates(): Promise<Duplicate[]>;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const QUARANTINE = 'QUARANTINE#';
const DUPLICATE = 'DUPLICATE#';

/**
 * Intake log in the state table, partitioned by UTC day of arrival (`QUARANTINE#2025-01-15` / messageId) so a
 * flood of bad events spreads over days rather than piling onto one key, and ops can list one day at a time.
 */
export function dynamoIntakeLog(client: DynamoDBClient, tableName: string): IntakeLog & IntakeReader {
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: { S: value } });
  const scanPrefix = async (prefix: string) => {
    const items: Record<string, AttributeValue>[] = [];
    const pages = paginateScan({ client }, { TableName: tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: prefix } } });
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  };
  return {
    async quarantine(entry) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `${QUARANTINE}${utcDay(entry.atMs)}` },
            sk: { S: entry.messageId },
            reason: { S: entry.reason },
            message: { S: entry.message },
            payload: { S: entry.payload },
            at: { N: String(entry.atMs) },
            ...optional('eventId', entry.eventId),
            ...optional('channelId', entry.channelId),
          },
        }),
      );
    },
    async duplicate(entry) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `${DUPLICATE}${utcDay(entry.atMs)}` },
            sk: { S: entry.messageId },
            eventId: { S: entry.eventId },
            channelId: { S: entry.channelId },
            at: { N: String(entry.atMs) },
          },
        }),
      );
    },
    async quarantined() {
      return (await scanPrefix(QUARANTINE)).map((item) => ({
        messageId: item.sk?.S ?? '',
        reason: item.reason?.S as RejectionReason,
        message: item.message?.S ?? '',
        payload: item.payload?.S ?? '',
        atMs: Number(item.at?.N),
        ...(item.eventId?.S === undefined ? {} : { eventId: item.eventId.S }),
        ...(item.channelId?.S === undefined ? {} : { channelId: item.channelId.S }),
      }));
    },
    async duplicates() {
      return (await scanPrefix(DUPLICATE)).map((item) => ({
        messageId: item.sk?.S ?? '',
        eventId: item.eventId?.S ?? '',
        channelId: item.channelId?.S ?? '',
        atMs: Number(item.at?.N),
      }));
    },
  };
}
