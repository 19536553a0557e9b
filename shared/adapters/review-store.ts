import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import type { ReviewListing, ReviewStore } from '../app/ports.ts';
import { queryAll, transact } from './dynamo.ts';
import { outboxPut } from './outbox.ts';
import { sortListings } from '../app/reviewing.ts';

const REVIEW_PK = 'REVIEW';
const reviewKey = (reviewId: string) => ({ pk: { S: REVIEW_PK }, sk: { S: reviewId } });

/** Reviews in the state table (items REVIEW / reviewId), written with their outbox entry in one transaction. */
export function dynamoReviewStore(client: DynamoDBClient, tableName: string): ReviewStore {
  return {
    async save(review, expectedRevision, outbox) {
      const outcome = await transact(client, [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...reviewKey(review.reviewId),
              period: { S: review.period },
              from: { S: review.from },
              to: { S: review.to },
              generatedAt: { S: review.generatedAt },
              summary: { S: review.summary },
              revision: { N: String(review.revision) },
              record: { S: JSON.stringify(review) },
            },
            ...(expectedRevision === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': { N: String(expectedRevision) } } }),
          },
        },
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      ]);
      if (outcome.ok) return 'saved';
      if (outcome.failed[0] === 0) return 'conflict';
      throw new Error(`storing review ${review.reviewId} failed a condition at items ${outcome.failed.join(', ')}`);
    },

    async get(reviewId) {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: reviewKey(reviewId), ConsistentRead: true }));
      return Item?.record?.S ? (JSON.parse(Item.record.S) as ReviewPublishedDetail) : undefined;
    },

    async list() {
      // The listing's attributes only: a year of reviews is ~430 items, the records themselves tens of KB each.
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: REVIEW_PK } },
        ProjectionExpression: 'sk, period, #from, #to, generatedAt, revision, summary',
        ExpressionAttributeNames: { '#from': 'from', '#to': 'to' },
      });
      return sortListings(
        items.map((i) => ({
          reviewId: i.sk?.S ?? '',
          period: (i.period?.S ?? 'day') as ReviewListing['period'],
          from: i.from?.S ?? '',
          to: i.to?.S ?? '',
          generatedAt: i.generatedAt?.S ?? '',
          revision: Number(i.revision?.N ?? 0),
          summary: i.summary?.S ?? '',
        })),
      );
    },
  };
}
