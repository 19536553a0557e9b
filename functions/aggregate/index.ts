import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { dynamoAlertStore } from '../../shared/adapters/alert-store.ts';
import { budgetedConfigSource, dynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { eventBridgePublisher } from '../../shared/adapters/publisher.ts';
import { makeAlerting } from '../../shared/app/alerting.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { makeHandler } from './aggregate.ts';

const env = parseEnv(FUNCTION_CATALOG.aggregate.env);
const aggregates = dynamoAggregateStore(dynamoClient, env.STATE_TABLE);

export const handler = makeHandler({
  aggregates,
  alerting: {
    service: makeAlerting({ alerts: dynamoAlertStore(dynamoClient, env.STATE_TABLE), aggregates, publisher: eventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME) }),
    // Pacing judges the budgets in force: the configured ones with finance's approvals on top.
    config: budgetedConfigSource(dynamoConfigSource(dynamoClient, env.STATE_TABLE), dynamoBudgetStore(dynamoClient, env.STATE_TABLE)),
    clock: Date.now,
  },
  ...observability('aggregate'),
});
