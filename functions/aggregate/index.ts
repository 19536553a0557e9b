import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv, TablesEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { makeHandler } from './aggregate.ts';

const env = parseEnv(TablesEnv.pick({ STATE_TABLE: true }));

export const handler = makeHandler({ aggregates: dynamoAggregateStore(dynamoClient, env.STATE_TABLE), ...observability('aggregate') });
