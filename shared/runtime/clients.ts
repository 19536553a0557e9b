import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The DynamoDB client, created once per execution environment and reused by every invocation. */
export const dynamoClient = new DynamoDBClient({});
