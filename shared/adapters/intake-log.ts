import { createHash } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, paginateQuery, paginateScan, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { RejectionReason } from '../domain/admission.ts';
import type { Duplicate, IntakeLog, IntakeReader, Quarantined } from '../app/ports.ts';
import { STATE_TTL_ATTRIBUTE, ttlSeconds } from './tables.ts';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The largest payload a quarantine entry keeps whole (UTF-8 bytes); DynamoDB items stop at 400 KB. A larger payload is
 * kept as its first 64 KiB with its size and SHA-256, which still identifies it and shows what it was.
 */
export const MAX_QUARANTINED_PAYLOAD_BYTES = 64 * 1024;

function boundedPayload(payload: string): Record<string, AttributeValue> {
  const bytes = Buffer.from(payload, 'utf8');
  if (bytes.length <= MAX_QUARANTINED_PAYLOAD_BYTES) return { payload: { S: payload } };
  return {
    payload: {
      S: bytes
        .subarray(0, MAX_QUARANTINED_PAYLOAD_BYTES)
        .toString('utf8')
        .replace(/\uFFFD$/, ''),
    },
    payloadBytes: { N: String(bytes.length) },
    payloadSha256: { S: createHash('sha256').update(bytes).digest('hex') },
  };
}
const QUARANTINE = 'QUARANTINE#';
const DUPLICATE = 'DUPLICATE#';
const SUPERSEDED = 'SUPERSEDED#';

/**
 * Intake log in the state table, partitioned by UTC day of arrival (`QUARANTINE#2025-01-15` / messageId) so a
 * flood of bad events spreads over days rather than piling onto one key, and ops can list one day at a time.
 * Superseded reports are kept per channel and event (`SUPERSEDED#channel` / eventId), so recording one again on a
 * redelivery overwrites the entry instead of counting it twice.
 */
export function dynamoIntakeLog(client: DynamoDBClient, tableName: string): IntakeLog & IntakeReader {
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: { S: value } });
  const scanPrefix = async (prefix: string) => {
    const items: Record<string, AttributeValue>[] = [];
    const pages = paginateScan(
      { client },
      { TableName: tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: prefix } } },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  };
  /** One arrival day's entries of one kind, read with a query on its partition. */
  const queryDay = async (prefix: string, day: string) => {
    const items: Record<string, AttributeValue>[] = [];
    const pages = paginateQuery(
      { client },
      { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `${prefix}${day}` } } },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  };
  /** A duplicate (one per delivery, by arrival day) or a superseded report (one per event, by channel): which, when. */
  const logEntry = async (prefix: string, entry: Duplicate) => {
    const superseded = prefix === SUPERSEDED;
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `${prefix}${superseded ? entry.channelId : utcDay(entry.atMs)}` },
          sk: { S: superseded ? entry.eventId : entry.messageId },
          messageId: { S: entry.messageId },
          eventId: { S: entry.eventId },
          channelId: { S: entry.channelId },
          at: { N: String(entry.atMs) },
          [STATE_TTL_ATTRIBUTE]: { N: ttlSeconds(entry.retainUntilMs) },
        },
      }),
    );
  };
  const duplicateOf = (item: Record<string, AttributeValue>): Duplicate => ({
    messageId: item.messageId?.S ?? item.sk?.S ?? '',
    eventId: item.eventId?.S ?? '',
    channelId: item.channelId?.S ?? '',
    atMs: Number(item.at?.N),
    retainUntilMs: Number(item[STATE_TTL_ATTRIBUTE]?.N) * 1000,
  });
  const quarantinedOf = (item: Record<string, AttributeValue>): Quarantined => ({
    messageId: item.sk?.S ?? '',
    reason: item.reason?.S as RejectionReason,
    message: item.message?.S ?? '',
    payload: item.payload?.S ?? '',
    atMs: Number(item.at?.N),
    retainUntilMs: Number(item[STATE_TTL_ATTRIBUTE]?.N) * 1000,
    ...(item.eventId?.S === undefined ? {} : { eventId: item.eventId.S }),
    ...(item.channelId?.S === undefined ? {} : { channelId: item.channelId.S }),
  });
  const readLog = async (prefix: string): Promise<Duplicate[]> => (await scanPrefix(prefix)).map(duplicateOf);
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
            ...boundedPayload(entry.payload),
            at: { N: String(entry.atMs) },
            [STATE_TTL_ATTRIBUTE]: { N: ttlSeconds(entry.retainUntilMs) },
            ...optional('eventId', entry.eventId),
            ...optional('channelId', entry.channelId),
          },
        }),
      );
    },
    duplicate: (entry) => logEntry(DUPLICATE, entry),
    superseded: (entry) => logEntry(SUPERSEDED, entry),
    quarantined: async () => (await scanPrefix(QUARANTINE)).map(quarantinedOf),
    duplicates: () => readLog(DUPLICATE),
    supersededReports: () => readLog(SUPERSEDED),
    async arrivedBetween(fromMs, toMs) {
      const days: string[] = [];
      for (let ms = Date.parse(`${utcDay(fromMs)}T00:00:00Z`); ms < toMs; ms += 86_400_000) days.push(utcDay(ms));
      const inWindow = (e: { atMs: number }) => e.atMs >= fromMs && e.atMs < toMs;
      const [quarantined, duplicates] = await Promise.all([
        Promise.all(days.map((d) => queryDay(QUARANTINE, d))),
        Promise.all(days.map((d) => queryDay(DUPLICATE, d))),
      ]);
      return { quarantined: quarantined.flat().map(quarantinedOf).filter(inWindow), duplicates: duplicates.flat().map(duplicateOf).filter(inWindow) };
    },
  };
}
