import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { dynamoAlertStore } from '../../shared/adapters/alert-store.ts';
import { budgetedConfigSource, dynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { directoryAssets } from './assets.ts';
import { makeHandler } from './console.ts';

const env = parseEnv(FUNCTION_CATALOG.console.env);

export const handler = makeHandler({
  // Copied next to the bundle at deploy (infra/constructs/api.ts); served at /console/, the API one level up.
  assets: directoryAssets(new URL('./console/', import.meta.url).pathname, '..'),
  aggregates: dynamoAggregateStore(dynamoClient, env.STATE_TABLE),
  alerts: dynamoAlertStore(dynamoClient, env.STATE_TABLE),
  config: budgetedConfigSource(dynamoConfigSource(dynamoClient, env.STATE_TABLE), dynamoBudgetStore(dynamoClient, env.STATE_TABLE)),
  readerRoles: env.READER_ROLES,
  clock: Date.now,
  ...observability('console'),
});
