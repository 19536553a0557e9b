import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { StoredSilence } from '../domain/config.ts';
import type { SilenceStore } from '../app/ports.ts';
import { queryPartition } from './dynamo.ts';

const PARTITION = 'SILENCE';

/**
 * Silences in the state table (`SILENCE` / id), the silence as JSON. Ending one early is a conditional update that
 * only ever lowers `toMs`, so two people ending it at once leave the earlier end; nothing ever deletes one (the list is
 * the record of who muted what, and why).
 */
export function dynamoSilenceStore(client: DynamoDBClient, tableName: string): SilenceStore {
  const read = (json: string | undefined) => JSON.parse(json ?? '{}') as StoredSilence;
  return {
    async list() {
      const items = await queryPartition(client, tableName, PARTITION);
      return items.map((item) => read(item.silence?.S)).sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
    },
    async put(silence) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { pk: { S: PARTITION }, sk: { S: silence.id }, silence: { S: JSON.stringify(silence) }, to: { N: String(silence.toMs) } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'saved';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'exists';
        throw error;
      }
    },
    async expire(id, atMs) {
      const current = (await queryPartition(client, tableName, PARTITION)).find((item) => item.sk?.S === id);
      if (!current) return undefined;
      const silence = read(current.silence?.S);
      if (silence.toMs <= atMs) return silence;
      const ended: StoredSilence = { ...silence, toMs: Math.max(silence.fromMs, atMs), expiredAtMs: atMs };
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: PARTITION }, sk: { S: id } },
            UpdateExpression: 'SET silence = :s, #to = :to',
            ConditionExpression: '#to > :to',
            ExpressionAttributeNames: { '#to': 'to' },
            ExpressionAttributeValues: { ':s': { S: JSON.stringify(ended) }, ':to': { N: String(ended.toMs) } },
          }),
        );
        return ended;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return (await this.list()).find((s) => s.id === id);
        throw error;
      }
    },
  };
}
