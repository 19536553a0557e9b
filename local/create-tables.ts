import { CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition, type TableNames } from '../shared/adapters/tables.ts';

function createInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: keys.map((name, i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    ...(definition.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } } : {}),
  };
}

/** Creates the tables (if missing) from the same definitions the CDK stack deploys; returns their stream ARNs. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<{ eventsStreamArn: string }> {
  for (const definition of TABLES) {
    const tableName = names[definition.id];
    try {
      await client.send(new CreateTableCommand(createInput(definition, tableName)));
      // TTL stays off: the embedded runtime's clock is often history's (a replay of last year), and DynamoDB Local
      // deletes expired items within seconds — a replayed event gone could be admitted twice. Locally nothing expires.
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const described = await client.send(new DescribeTableCommand({ TableName: names.events }));
  const eventsStreamArn = described.Table?.LatestStreamArn;
  if (!eventsStreamArn) throw new Error(`table ${names.events} has no stream`);
  return { eventsStreamArn };
}
