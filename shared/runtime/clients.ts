import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let dynamo: DynamoDBClient | undefined;

/** The DynamoDB client, created once per execution environment (on first use) and reused by every invocation. */
export function dynamoClient(): DynamoDBClient {
  return (dynamo ??= new DynamoDBClient({}));
}
