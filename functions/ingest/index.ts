import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { dynamoEventStore } from '../../shared/adapters/event-store.ts';
import { dynamoIntakeLog } from '../../shared/adapters/intake-log.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { makeHandler } from './ingest.ts';

const env = parseEnv(FUNCTION_CATALOG.ingest.env);

export const handler = makeHandler({
  config: dynamoConfigSource(dynamoClient, env.STATE_TABLE),
  events: dynamoEventStore(dynamoClient, env.EVENTS_TABLE),
  intake: dynamoIntakeLog(dynamoClient, env.STATE_TABLE),
  ...observability('ingest'),
});
