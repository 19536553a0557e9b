import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { itemSize } from './item-size.ts';
import { budgetsHashOf } from '../domain/budgets/book.ts';
import { describeProblems, parseConfig, type SentinelConfig } from '../domain/config.ts';
import { ConfigUnavailableError, type ConfigSource } from '../app/ports.ts';

/** DynamoDB's item size limit (400 KB). */
const MAX_ITEM_BYTES = 400 * 1024;

/** The configuration item; it also carries `budgetsHash`, which budget approvals check in their transaction. */
export const CONFIG_KEY = { pk: { S: 'CONFIG' }, sk: { S: 'CURRENT' } };

/**
 * Configuration stored in the state table as one validated document with a version. Readers cache it for
 * `maxAgeMs` (module scope, so a warm Lambda reads it once a minute, not once per batch).
 */
export function dynamoConfigSource(client: DynamoDBClient, tableName: string, maxAgeMs = 60_000, now: () => number = Date.now): ConfigSource {
  let cached: { config: SentinelConfig; at: number } | undefined;
  return {
    async current() {
      if (cached && now() - cached.at < maxAgeMs) return cached.config;
      const result = await client.send(new GetItemCommand({ TableName: tableName, Key: CONFIG_KEY, ConsistentRead: true }));
      const text = result.Item?.document?.S;
      if (text === undefined) throw new ConfigUnavailableError(`no configuration stored in ${tableName} (CONFIG/CURRENT)`);
      const parsed = parseConfig(JSON.parse(text));
      if (!parsed.ok) throw new ConfigUnavailableError(`stored configuration is invalid:\n${describeProblems(parsed.problems)}`);
      cached = { config: parsed.config, at: now() };
      return parsed.config;
    },
  };
}

/** Validates and stores a configuration document as a whole; a bad one is refused with every problem listed. */
export async function storeConfig(client: DynamoDBClient, tableName: string, document: unknown, atMs: number): Promise<SentinelConfig> {
  const parsed = parseConfig(document);
  if (!parsed.ok) throw new ConfigUnavailableError(`configuration refused:\n${describeProblems(parsed.problems)}`);
  const item = { ...CONFIG_KEY, document: { S: JSON.stringify(document) }, budgetsHash: { S: budgetsHashOf(parsed.config) }, updatedAt: { N: String(atMs) } };
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new ConfigUnavailableError(
      `configuration refused, nothing stored: it is ${Math.ceil(size / 1024)} KB as stored and one DynamoDB item holds at most ${MAX_ITEM_BYTES / 1024} KB (${parsed.config.channels.length} channels; split the document or trim names)`,
    );
  }
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  return parsed.config;
}
